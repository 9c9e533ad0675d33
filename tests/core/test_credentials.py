"""Credentials: validation, auth headers, and secrets that never print."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from mixpanel_data._credentials import Credentials, make_credentials
from mixpanel_data.exceptions import ConfigError


def test_project_id_is_text_and_region_defaults_to_us():
    c = make_credentials(username="u", secret="s", project_id=12345)
    assert c.project_id == "12345" and c.region == "us"
    assert c.has_service_account


def test_credentials_are_frozen():
    c = make_credentials(username="u", secret="s", project_id=1)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        c.project_id = "2"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"username": "u", "secret": "s", "project_id": "x1"}, "project_id: must be digits"),
        ({"username": "u", "secret": "s", "project_id": True}, "project_id"),
        ({"username": "u", "secret": "s", "project_id": 1, "region": "mars"}, "region"),
        ({"username": "u", "project_id": 1}, "username and secret go together"),
        ({"project_id": 1}, "need a service account"),
        ({"username": "u", "secret": "s", "project_id": 1, "base_url": "ftp://x"}, "base_url"),
        (
            {"username": "u", "secret": "s", "project_id": 1, "base_url": "http://a:b@h"},
            "base_url",
        ),
        ({"username": "u", "secret": "s", "project_id": 1, "colour": "red"}, "colour"),
    ],
)
def test_invalid_credentials_are_one_line_config_errors(fields, problem):
    with pytest.raises(ConfigError) as info:
        make_credentials(**fields)
    assert problem in info.value.message
    assert "\n" not in info.value.message
    assert info.value.__cause__ is None


def test_validation_errors_never_echo_secret_values():
    with pytest.raises(ConfigError) as info:
        make_credentials(username="u", secret="TOP-SECRET", project_id="TOP-SECRET-ID")
    assert "TOP-SECRET" not in str(info.value) and "TOP-SECRET" not in repr(info.value.to_dict())


def test_empty_strings_mean_unset_and_base_url_loses_its_trailing_slash():
    c = make_credentials(
        username="u", secret="s", project_id=1, token="", api_secret="", base_url="http://h:1/"
    )
    assert c.token is None and c.api_secret is None and c.base_url == "http://h:1"


def test_auth_headers():
    c = make_credentials(
        username="sa", secret="pw", project_id=1, api_secret="ps", oauth_token="ot"
    )
    assert c.service_account_header() == "Basic " + base64.b64encode(b"sa:pw").decode()
    assert c.project_secret_header() == "Basic " + base64.b64encode(b"ps:").decode()
    assert c.bearer_header() == "Bearer ot"
    bare = make_credentials(api_secret="ps", project_id=1)
    assert bare.service_account_header() is None and bare.bearer_header() is None


def test_with_overrides_validates_and_ignores_none():
    c = make_credentials(username="u", secret="s", project_id=1)
    d = c.with_overrides(region="eu", project_id=None)
    assert (d.region, d.project_id) == ("eu", "1") and c.region == "us"
    with pytest.raises(ConfigError):
        c.with_overrides(region="xx")


def test_repr_str_and_dumps_mask_every_secret():
    c = Credentials(
        username="sa",
        secret=SecretStr("s-111"),
        project_id="1",
        api_secret=SecretStr("a-222"),
        token=SecretStr("t-333"),
        oauth_token=SecretStr("o-444"),
    )
    for text in (repr(c), str(c), c.model_dump_json(), repr(c.model_dump())):
        for secret in ("s-111", "a-222", "t-333", "o-444"):
            assert secret not in text
    assert "**********" in repr(c)
