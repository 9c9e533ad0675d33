"""State shared by the `mp` commands (global options) and the one error handler.

The handler turns every error into one line on stderr and an exit code. An error that names a
Python parameter (``details["param"]``, set by the library's validation) is shown with the flag
of the running command instead: ``from_date`` becomes ``--from``, ``born_event`` ``--born``.

Example:
    >>> STATE.account is None
    True
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Sequence
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


def run(app: typer.Typer, args: Sequence[str] | None = None) -> int:
    """Run ``app`` on ``args`` (default: ``sys.argv[1:]``) and map every outcome to an exit code
    (no tracebacks)."""
    argv = list(sys.argv[1:] if args is None else args)
    import warnings

    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        return _run(app, argv)


def _one_line_warning(message: Warning | str, *_: object, **__: object) -> None:
    """A library warning as one line on stderr (never the Python source line)."""
    err(f"Warning: {message}")


def _run(app: typer.Typer, argv: list[str]) -> int:
    try:
        result = app(args=argv, standalone_mode=False, prog_name="mp")
        code = int(result) if isinstance(result, int) else EXIT_OK
        if code == EXIT_INTERRUPTED:  # Typer turns Ctrl-C into this code without a word
            err("Interrupted.")
        return code
    except KeyboardInterrupt:
        err("Interrupted.")
        return EXIT_INTERRUPTED
    except MixpanelDataError as exc:
        err(f"Error: {with_flags(exc, app, argv)}")
        return exc.exit_code
    except typer.Abort:
        err("Aborted.")
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        return int(exc.exit_code)
    except _ClickException as exc:
        exc.show()  # type: ignore[attr-defined]
        # `mp` (or `mp query`) alone prints its help: asking for help is not an error.
        return EXIT_OK if type(exc).__name__ == "NoArgsIsHelpError" else EXIT_USAGE
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except SystemExit as exc:
        # Typer answers a closed stdout (`mp ... | head`) with exit 1; a reader that stopped
        # reading is success.
        if isinstance(exc.__context__, OSError) and exc.__context__.errno == errno.EPIPE:
            _silence_stdout()
            return EXIT_OK
        raise
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            return EXIT_OK
        where = f": {exc.filename}" if exc.filename else ""
        err(f"Error: {exc.strerror or exc}{where}")
        return EXIT_ERROR
    except (RecursionError, OverflowError, ValueError) as exc:
        # Data no layer below turned into a typed error (a too-deep or out-of-range value).
        err(f"Error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        return EXIT_ERROR


def with_flags(exc: MixpanelDataError, app: typer.Typer, argv: Sequence[str]) -> str:
    """``exc.message`` with each parameter it names written as the command's flag.

    Example: ``from_date '2026-13-01' is not a real date`` -> ``--from '2026-13-01' is not ...``
    for `mp query segmentation`. A parameter the command has no option for stays as it is.
    """
    params = exc.details.get("params") or [exc.details.get("param")]
    names = [p for p in params if isinstance(p, str)]
    if not names:
        return exc.message
    try:
        flags = _command_flags(app, argv)
    except Exception:  # an unparsable command line: keep the library's words
        return exc.message
    message = exc.message
    for name in names:
        flag = flags.get(name)
        if flag is not None:
            message = re.sub(rf"(?<![\w'\"-]){re.escape(name)}(?![\w'\"-])", flag, message)
    return message


def _command_flags(app: typer.Typer, argv: Sequence[str]) -> dict[str, str]:
    """Python parameter name -> long flag of the command ``argv`` runs (re-parsed without
    running anything). A trailing ``_`` (``type_``) is dropped, as the library has none."""
    from typer.main import get_command

    command: Any = get_command(app)
    ctx = command.make_context("mp", list(argv), resilient_parsing=True)
    while hasattr(command, "commands"):
        rest = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        if not rest:
            break
        name, command, rest = command.resolve_command(ctx, rest)
        if command is None:
            break
        ctx = command.make_context(name, rest, parent=ctx, resilient_parsing=True)
    flags: dict[str, str] = {}
    for param in getattr(command, "params", []):
        longs = [o for o in param.opts if o.startswith("--")]
        if param.name and longs:
            flags[param.name.rstrip("_")] = max(longs, key=len)
    return flags


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so interpreter shutdown stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
