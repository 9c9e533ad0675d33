"""`mp sandbox serve`: run the offline Mixpanel on loopback and print how to point `mp` at it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mixpanel_data.cli import _state

if TYPE_CHECKING:
    from collections.abc import Callable

    from mixpanel_data.sandbox import Sandbox

app = typer.Typer(no_args_is_help=True, help="The offline Mixpanel (sandbox) for demos and tests.")


def _save_account(name: str, sb: Sandbox) -> None:
    """Write (or update) account ``name`` so that `mp` reaches this sandbox without exports."""
    from mixpanel_data import auth

    creds = sb.credentials
    info = auth.update_account(
        name,
        create=True,
        username=creds.username,
        secret=creds.secret,
        project_id=creds.project_id,
        region="us",
        api_secret=creds.api_secret,
        token=creds.token,
        oauth_token=creds.oauth_token,
        base_url=sb.url,
    )
    default = " (the default account)" if info.is_default else f"; use it with `mp -a {name}`"
    print(f"saved account {name!r} for {sb.url}{default}", file=sys.stderr, flush=True)


def _ready(
    sb: Sandbox, as_json: bool, save_account: str | None, banner: Callable[[Sandbox], None]
) -> None:
    if save_account is not None:
        _save_account(save_account, sb)
    (_print_json if as_json else banner)(sb)


def _print_json(sb: Sandbox) -> None:
    info = {
        "url": sb.url,
        "from_date": sb.start_date.isoformat(),
        "to_date": sb.end_date.isoformat(),
        "env": sb.credentials.env(sb.url),
        "control_token": sb.control_token,
    }
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: a free one).")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 0,
    users: Annotated[int, typer.Option("--users", min=1, help="Number of user profiles.")] = 200,
    days: Annotated[
        int, typer.Option("--days", min=1, help="Days of events, ending at --end-date.")
    ] = 31,
    end_date: Annotated[
        str, typer.Option("--end-date", help="Last day with events (default: 2026-10-31).")
    ] = "2026-10-31",
    events: Annotated[
        int | None, typer.Option("--events", min=1, help="About how many events to generate.")
    ] = None,
    rate_limits: Annotated[
        bool, typer.Option("--rate-limits", help="Answer 429 like Mixpanel's published limits.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON line (url, dates, env) instead.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log each request to stderr.")] = False,
    save_account: Annotated[
        str | None,
        typer.Option(
            "--save-account",
            metavar="NAME",
            help="Write (or update) account NAME in the config file pointing at this sandbox.",
        ),
    ] = None,
) -> None:
    """Serve a synthetic Mixpanel project until Ctrl-C; prints the URL and `export MP_...` lines.

    By default the project has 200 users and events from 2026-10-01 to 2026-10-31 (the dates the
    README uses); the credentials depend only on --seed, so they stay the same across restarts.
    """
    from datetime import date

    try:
        date.fromisoformat(end_date)
    except ValueError:
        raise _state.fail(f"--end-date must be a date YYYY-MM-DD (got {end_date!r})") from None
    if save_account is not None:
        from mixpanel_data._config import validate_account_name
        from mixpanel_data.exceptions import ConfigError

        try:
            validate_account_name(save_account)
        except ConfigError as exc:
            raise _state.fail(f"--save-account: {exc.message}") from None
    try:
        from mixpanel_data.sandbox import serve_forever, start_banner

        serve_forever(
            seed,
            users,
            days,
            end_date,
            events,
            rate_limits,
            port=port,
            verbose=verbose,
            on_ready=lambda sb: _ready(sb, as_json, save_account, start_banner),
        )
    except ModuleNotFoundError as exc:
        if exc.name != "py_mini_racer":
            raise
        raise _state.fail(
            "the sandbox needs its extra: pip install 'mixpanel_data[sandbox]'", _state.EXIT_ERROR
        ) from None
