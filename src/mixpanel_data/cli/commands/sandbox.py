"""`mp sandbox serve`: run the offline Mixpanel on loopback and print how to point `mp` at it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mixpanel_data.cli import _state

if TYPE_CHECKING:
    from mixpanel_data.sandbox import Sandbox

app = typer.Typer(no_args_is_help=True, help="The offline Mixpanel (sandbox) for demos and tests.")


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
    days: Annotated[int, typer.Option("--days", min=1, help="Days of events.")] = 30,
    end_date: Annotated[
        str | None, typer.Option("--end-date", help="Last day with events (default: yesterday).")
    ] = None,
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
) -> None:
    """Serve a synthetic Mixpanel project until Ctrl-C; prints the URL and `export MP_...` lines."""
    try:
        from mixpanel_data.sandbox import serve_forever

        serve_forever(
            seed,
            users,
            days,
            end_date,
            events,
            rate_limits,
            port=port,
            verbose=verbose,
            on_ready=_print_json if as_json else None,
        )
    except ModuleNotFoundError as exc:
        if exc.name != "py_mini_racer":
            raise
        raise _state.fail(
            "the sandbox needs its extra: pip install 'mixpanel_data[sandbox]'", _state.EXIT_ERROR
        ) from None
