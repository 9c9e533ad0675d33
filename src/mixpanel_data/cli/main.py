"""The `mp` command: a thin Typer layer over the library.

Each command builds what it needs (usually a :class:`~mixpanel_data.Workspace`), calls one library
method and prints the result with :mod:`mixpanel_data.cli._output`. The command groups are listed in
:data:`GROUPS` and imported only when named (:mod:`mixpanel_data.cli._lazy`), and help is plain
text (no Rich), so ``mp --help`` imports typer and nothing heavy. Heavy imports (httpx, duckdb,
pandas, the generated client) happen inside commands.

Exit codes: 0 ok, 1 general error, 2 authentication, 3 bad arguments, 4 not found, 5 rate limited,
130 interrupted.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from mixpanel_data._version import __version__
from mixpanel_data.cli import _state
from mixpanel_data.cli._lazy import LazyEntry, LazyGroup

# name -> modules under mixpanel_data.cli.commands (the first defines `app`; `local` adds
# `query sql` and `inspect tables|schema|info|drop`) and the one line `mp --help` shows.
GROUPS: dict[str, LazyEntry] = {
    "api": LazyEntry(
        ("api",), "Call any operation of Mixpanel's APIs by its id, or list them (--list)."
    ),
    "auth": LazyEntry(("auth",), "Manage Mixpanel accounts (service accounts)."),
    "fetch": LazyEntry(
        ("fetch",), "Fetch raw events or profiles into the local DuckDB (or stream them as JSONL)."
    ),
    "query": LazyEntry(
        ("query", "local"),
        "Ask Mixpanel now (segmentation, funnels, retention, ...) or the local store (sql).",
    ),
    "import": LazyEntry(
        ("import_",),
        "Import events, user or group profiles into Mixpanel from JSONL, JSON, CSV, Parquet or "
        "local tables.",
    ),
    "export": LazyEntry(
        ("export",), "Write local tables as Parquet datasets (Hive-partitioned by date)."
    ),
    "copy": LazyEntry(
        ("copy",),
        "Copy events or profiles from one project to another (export streamed into import).",
    ),
    "lookup-tables": LazyEntry(("lookup_tables",), "List lookup tables and replace their rows."),
    "identity": LazyEntry(
        ("identity",), "Merge identities, identify anonymous ids, create aliases."
    ),
    "inspect": LazyEntry(
        ("inspect", "local"),
        "Discover events, properties, funnels, cohorts and saved reports (and local tables).",
    ),
    "annotations": LazyEntry(("annotations",), "List, create, update and delete annotations."),
    "gdpr": LazyEntry(
        ("gdpr",), "Start, check and cancel GDPR/CCPA data retrievals and deletions."
    ),
    "lexicon": LazyEntry(("lexicon",), "List, show, upload and delete Lexicon schemas."),
    "flags": LazyEntry(("flags",), "List, create, update, delete and evaluate feature flags."),
    "service-accounts": LazyEntry(
        ("service_accounts",),
        "List, create and delete service accounts; add them to or remove them from projects.",
    ),
    "pipelines": LazyEntry(
        ("pipelines",), "List, create, check and delete data pipelines (exports)."
    ),
    "warehouse": LazyEntry(("warehouse",), "List, run, inspect and delete warehouse imports."),
    "mcp": LazyEntry(
        ("mcp",), "The MCP server that lets AI agents use Mixpanel (needs the [mcp] extra)."
    ),
    "sandbox": LazyEntry(("sandbox",), "The offline Mixpanel (sandbox) for demos and tests."),
    "completion": LazyEntry(
        ("completion",), "Print a shell completion script for mp (bash, zsh or fish)."
    ),
}


class _Root(LazyGroup):
    lazy = GROUPS


app = typer.Typer(
    name="mp",
    cls=_Root,
    help="Mixpanel from the terminal: discover, query live, fetch into DuckDB, answer with SQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
        import logging

        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
        )
        # httpx/httpcore debug lines can include headers; keep them out.
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> None:
    """Console-script entry point: run the app and turn errors into one line and an exit code.

    With ``_MP_COMPLETE`` set (by the script of `mp completion SHELL`), it answers a completion
    request instead.
    """
    if os.environ.get("_MP_COMPLETE"):
        from typer._completion_classes import completion_init

        completion_init()
    code = _state.run(app)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
