"""The `mp` command: a thin Typer layer over the library.

Each command builds what it needs (usually a :class:`~mixpanel_data.Workspace`), calls one library
method and prints the result with :mod:`mixpanel_data.cli._output`. Heavy imports (duckdb, pandas,
the generated client) happen inside commands so that ``mp --help`` stays fast.

Exit codes: 0 ok, 1 general error, 2 authentication, 3 bad arguments, 4 not found, 5 rate limited,
130 interrupted.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from mixpanel_data._version import __version__
from mixpanel_data.cli import _state
from mixpanel_data.cli.commands import api, auth, fetch, inspect, local, query, sandbox

app = typer.Typer(
    name="mp",
    help="Mixpanel from the terminal: discover, query live, fetch into DuckDB, answer with SQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(auth.app, name="auth")
app.add_typer(fetch.app, name="fetch")
app.add_typer(query.app, name="query")
app.add_typer(inspect.app, name="inspect")
app.add_typer(sandbox.app, name="sandbox")
app.command("api", no_args_is_help=True)(api.api)
_ = local  # registers `mp query sql` and `mp inspect tables|schema|info|drop`


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mp (mixpanel_data) {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    account: Annotated[
        str | None,
        typer.Option("--account", "-a", help="Named account from the config file to use."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or status.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug logging (requests, retries) on stderr.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Global options go before the command: `mp -a prod query sql "..."`."""
    _state.STATE.account = account
    _state.STATE.quiet = quiet
    _state.STATE.verbose = verbose
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
        )
        # httpx/httpcore debug lines can include headers; keep them out.
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> None:
    """Console-script entry point: run the app and turn errors into one line and an exit code."""
    code = _state.run(app)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
