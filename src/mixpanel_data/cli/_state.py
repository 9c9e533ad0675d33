"""State shared by the `mp` commands (global options) and the one error handler.

Example:
    >>> STATE.account is None
    True
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from mixpanel_data.cli._output import err
from mixpanel_data.exceptions import MixpanelDataError

if TYPE_CHECKING:
    from mixpanel_data._workspace import Workspace

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_AUTH = 2
EXIT_USAGE = 3
EXIT_NOT_FOUND = 4
EXIT_RATE_LIMITED = 5
EXIT_INTERRUPTED = 130


# Typer ships its own copy of click; its usage errors all derive from this class.
_ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


@dataclass
class CliState:
    """Global options of the current invocation."""

    account: str | None = None
    quiet: bool = False
    verbose: bool = False

    @property
    def show_progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


STATE = CliState()


def workspace(**kwargs: Any) -> Workspace:
    """Build the Workspace for a command, honouring ``--account``."""
    from mixpanel_data._workspace import Workspace

    return Workspace(account=STATE.account, **kwargs)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``message`` on stderr and return an Exit to raise: ``raise fail("...")``."""
    err(f"Error: {message}")
    return typer.Exit(code)


def run(app: typer.Typer) -> int:
    """Run ``app`` standalone=False and map every outcome to an exit code (no tracebacks)."""
    try:
        result = app(standalone_mode=False, prog_name="mp")
        code = int(result) if isinstance(result, int) else EXIT_OK
        if code == EXIT_INTERRUPTED:  # Typer turns Ctrl-C into this code without a word
            err("Interrupted.")
        return code
    except KeyboardInterrupt:
        err("Interrupted.")
        return EXIT_INTERRUPTED
    except MixpanelDataError as exc:
        err(f"Error: {exc.message}")
        return exc.exit_code
    except typer.Abort:
        err("Aborted.")
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        return int(exc.exit_code)
    except _ClickException as exc:
        exc.show()  # type: ignore[attr-defined]
        return EXIT_USAGE
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            return EXIT_OK
        err(f"Error: {exc.strerror or exc}")
        return EXIT_ERROR


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so interpreter shutdown stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
