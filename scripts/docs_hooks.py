"""mkdocs hooks: the CLI reference written from the Typer app; ``Example:`` read as examples.

A page holding the line ``<!-- cli-reference -->`` gets, in its place, one section per `mp` command
with exactly what ``mp ... --help`` prints, so the reference cannot drift from the CLI. Also usable
alone: ``python scripts/docs_hooks.py`` prints the generated Markdown.

The docstrings head their doctests ``Example:``; griffe's Google parser knows only ``Examples:`` and
would render the doctest as Markdown prose, so :func:`on_startup` teaches it the singular too.

Example:
    >>> "## mp query segmentation" in cli_reference()
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MARKER = "<!-- cli-reference -->"


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` (groups first), depth first, in listing order."""
    yield path, command
    sub = getattr(command, "commands", None)
    if sub is None:
        return
    for name in command.list_commands(None):
        child = sub.get(name)
        if child is not None and not getattr(child, "hidden", False):
            yield from _commands(child, (*path, name))


def help_text(args: list[str]) -> str:
    """What ``mp ARGS --help`` prints."""
    from typer.testing import CliRunner

    from mixpanel_data.cli.main import app

    result = CliRunner().invoke(app, [*args, "--help"], prog_name="mp")
    if result.exit_code != 0:
        raise RuntimeError(f"mp {' '.join(args)} --help exited {result.exit_code}")
    return result.output.rstrip()


def cli_reference() -> str:
    """The Markdown of every `mp` command's help, one ``##`` section each."""
    import typer.main

    from mixpanel_data.cli.main import app

    root = typer.main.get_command(app)
    parts = []
    for path, _ in _commands(root, ()):
        title = " ".join(("mp", *path))
        parts.append(f"## {title}\n\n```text\n{help_text(list(path))}\n```\n")
    return "\n".join(parts)


def on_startup(**_: Any) -> None:
    """mkdocs event: ``Example:`` is an examples section, as ``Examples:`` is."""
    from griffe import DocstringSectionKind
    from griffe._internal.docstrings import google

    google._section_kind.setdefault("example", DocstringSectionKind.examples)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """mkdocs event: replace the marker with the generated reference."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_reference())


if __name__ == "__main__":
    print(cli_reference())
