"""`mp api`: every operation of the spec from the terminal, like `gh api`.

``mp api --list [--api NAME]`` lists the operations (id, method, path, API, summary), one per
line; ``mp api OPERATION_ID --describe`` shows one's parameters (``project_id`` and
``workspace_id`` are filled from the account); ``mp api OPERATION_ID -p key=value ...
[--body JSON|@file|-]`` calls one with the configured account, region, retries and timeouts and
prints the answer (``--format``, default json). Nothing here names an operation: the list and
the parameter types come from the generated package's catalog at run time, so an operation added
to the spec and regenerated is callable at once.

Exit codes as everywhere: 0 ok, 1 error, 2 authentication, 3 bad arguments, 4 not found,
5 rate limited.

Example::

    mp api --list --api Query
    mp api segmentation -p event="Signed Up" -p from_date=2026-01-01 -p to_date=2026-01-07
    mp api jql --body '{"script": "function main() { return Events({...}) }"}'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
import typer.main

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import Format, FormatOpt
from mixpanel_data.cli._output import emit
from mixpanel_data.exceptions import ValidationError

if TYPE_CHECKING:
    from mixpanel_data._api.catalog import Operation

# --format's default when not given: json for a call, plain (one row per line) for --list and
# --describe.
_BY_MODE = cast(Format, None)
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _bad(message: str, **details: Any) -> ValidationError:
    return ValidationError(message, details=details)


def _scalar(op: Operation, key: str, kind: str, text: str) -> Any:
    """One ``-p`` value as the catalog's type says (enums and text stay text)."""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        raise _bad(f"-p {key}: {op.id} wants {kind}, not {text!r}", parameter=key) from None
    if kind == "boolean":
        if text.strip().lower() in _TRUE | _FALSE:
            return text.strip().lower() in _TRUE
        raise _bad(f"-p {key}: {op.id} wants true or false, not {text!r}", parameter=key)
    return text


def parse_params(op: Operation, pairs: list[str]) -> dict[str, Any]:
    """``-p key=value`` pairs as call arguments, typed by the operation's catalog entry.

    A repeated key of an array parameter collects a list (a JSON array also works); the names may
    be the wire names or the Python names.

    Example:
        >>> from mixpanel_data._api.catalog import load_catalog
        >>> parse_params(load_catalog().get("segmentation"), ["limit=5", "unit=day"])
        {'limit': 5, 'unit': 'day'}
    """
    params: dict[str, Any] = {}
    seen: dict[str, str] = {}  # python name -> the spelling used first
    for pair in pairs:
        raw, sep, text = pair.partition("=")
        key = raw.strip()
        if not sep or not key:
            raise _bad(f"-p wants key=value, not {pair!r}")
        param = op.parameter(key)
        key = seen.setdefault(param.python_name, key)
        if param.type == "array":
            try:
                loaded = json.loads(text)
                items = loaded if isinstance(loaded, list) else [text]
            except ValueError:
                items = [text]
            params.setdefault(key, []).extend(items)
            continue
        if key in params:
            raise _bad(f"-p {key} given twice; {op.id} takes one value", parameter=key)
        params[key] = _scalar(op, key, param.type, text)
    return params


def read_body(op: Operation, source: str) -> Any:
    """``--body``: JSON text, ``@file`` or ``-`` (stdin); a file upload keeps the raw text."""
    if source == "-":
        text = sys.stdin.read()
    elif source.startswith("@"):
        path = Path(source[1:]).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise _bad(f"--body {source}: cannot read {path} ({err.strerror or err})") from None
    else:
        text = source
    if op.body_content_type is None:
        raise _bad(f"{op.id} takes no body", operation=op.id)
    if "json" not in op.body_content_type and "form" not in op.body_content_type:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _bad(f"--body is not JSON ({err.msg} at line {err.lineno})") from None


def list_rows(api_name: str | None) -> list[dict[str, str]]:
    """The ``--list`` rows, sorted by API then id."""
    from mixpanel_data._api.catalog import load_catalog

    catalog = load_catalog()
    ops = catalog.for_api(api_name) if api_name else list(catalog)
    return [
        {"id": o.id, "method": o.method, "path": o.path, "api": o.api, "summary": o.summary}
        for o in sorted(ops, key=lambda o: (o.api, o.id))
    ]


def describe_rows(op: Operation) -> list[dict[str, Any]]:
    """``--describe``: one row per parameter (and the body), as the catalog has them."""
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "in": p.location,
            "required": p.required,
            "type": p.type,
            "allowed": ", ".join(p.enum) if p.enum else "",
        }
        for p in op.parameters
    ]
    if op.body_content_type is not None:
        rows.append(
            {
                "name": "--body",
                "in": "body",
                "required": op.body_required,
                "type": op.body_content_type,
                "allowed": "",
            }
        )
    return rows


def api(
    operation_id: Annotated[
        str | None, typer.Argument(help="The operation to call (see --list).", show_default=False)
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter, key=value (repeat for each)."),
    ] = None,
    body: Annotated[
        str | None,
        typer.Option("--body", help="The request body: JSON text, @file, or - for stdin."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", "-l", help="List the operations instead of calling one.")
    ] = False,
    api_name: Annotated[
        str | None, typer.Option("--api", help="With --list: only this API (e.g. Query).")
    ] = None,
    describe: Annotated[
        bool, typer.Option("--describe", help="Show the operation's parameters; call nothing.")
    ] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds to wait for each answer.")
    ] = None,
    retries: Annotated[
        int | None, typer.Option("--retries", help="Extra tries after a failed request.")
    ] = None,
    fmt: FormatOpt = _BY_MODE,
) -> None:
    """Call any operation of Mixpanel's APIs by its id, or list them (--list)."""
    if list_ or operation_id is None:
        if operation_id is not None:
            raise _state.fail("give an operation id or --list, not both")
        emit(list_rows(api_name), fmt or Format.plain)
        return
    if api_name is not None:
        raise _state.fail("--api goes with --list")
    from mixpanel_data._api.catalog import load_catalog

    op = load_catalog().get(operation_id)
    if describe:
        emit(describe_rows(op), fmt or Format.plain)
        return
    arguments = parse_params(op, params or [])
    if body is not None:
        arguments["body"] = read_body(op, body)
    with _state.workspace(timeout=timeout, retries=retries) as ws:
        answer = ws.api.call_json(op.id, **arguments)
    if answer is not None:
        emit(rows_of(answer, fmt or Format.json), fmt or Format.json)


def rows_of(answer: Any, fmt: Format) -> Any:
    """What a format prints: json the whole answer; the row formats the list an envelope such as
    ``{"status": "ok", "results": [...]}`` wraps, when there is one."""
    if fmt is not Format.json and isinstance(answer, dict):
        lists = [k for k in ("results", "events") if isinstance(answer.get(k), list)]
        if len(lists) == 1:
            return answer[lists[0]]
    return answer


__all__ = ["api", "describe_rows", "list_rows", "parse_params", "read_body", "rows_of"]


def _command() -> Any:
    """``mp api`` as one ready click command (the root group loads it lazily under ``api``)."""
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)
    holder.command("api", no_args_is_help=True)(api)
    return typer.main.get_command(holder)


app = _command()
