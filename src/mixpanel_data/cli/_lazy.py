"""A Typer group whose sub-commands are imported only when they are used.

`mp --help` lists the groups from a table of names and one-line helps, so it imports no command
module; `mp query ...` imports the modules behind `query` and nothing else. Anything that walks
``group.commands`` (tests, doc tools) still sees the whole tree: reading it loads every group.

Example:
    >>> class Root(LazyGroup):
    ...     lazy = {"sandbox": LazyEntry(("sandbox",), "The offline Mixpanel (sandbox).")}
    >>> Root(name="mp").list_commands(None)  # doctest: +SKIP
    ['sandbox']
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any, ClassVar, NamedTuple

import typer
import typer.main
from typer.core import TyperGroup

PACKAGE = "mixpanel_data.cli.commands"


class LazyEntry(NamedTuple):
    """Where a sub-command lives and what `mp --help` says about it.

    ``modules`` are imported in order from :data:`PACKAGE`; the first one defines ``app``: a
    ``typer.Typer`` (added as a group, as ``add_typer`` would) or a ready click command (used
    as it is, under this name). The other modules add commands to that app when imported.
    """

    modules: tuple[str, ...]
    help: str


class LazyGroup(TyperGroup):
    """A root group that imports each lazy sub-command on first use; subclasses set ``lazy``."""

    lazy: ClassVar[Mapping[str, LazyEntry]] = {}

    def __init__(self, **attrs: Any) -> None:
        self._eager: MutableMapping[str, Any] = {}
        super().__init__(**attrs)

    @property
    def commands(self) -> MutableMapping[str, Any]:
        """Every sub-command, importing the lazy ones not loaded yet."""
        for name in self.lazy:
            self._load(name)
        return self._eager

    @commands.setter
    def commands(self, value: MutableMapping[str, Any]) -> None:
        self._eager = value

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self._eager, *(n for n in self.lazy if n not in self._eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.lazy:
            return self._load(cmd_name)
        return self._eager.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List the sub-commands with their one-line help, importing none of them."""
        rows: list[tuple[str, Any]] = []
        for name in self.list_commands(ctx):
            cmd = self._eager.get(name)
            if cmd is None:
                cmd = TyperGroup(name=name, help=self.lazy[name].help)
            if not cmd.hidden:
                rows.append((name, cmd))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def _load(self, name: str) -> Any:
        if name in self._eager:
            return self._eager[name]
        entry = self.lazy[name]
        # Importing the later modules registers their commands on the first one's app.
        modules = [importlib.import_module(f"{PACKAGE}.{m}") for m in entry.modules]
        app = modules[0].app
        if isinstance(app, typer.Typer):
            # Built exactly as `add_typer` would build it, under the root's help style (a
            # sub-app's own default style would load Rich for its help).
            holder = typer.Typer(rich_markup_mode=self.rich_markup_mode, add_completion=False)
            holder.add_typer(app, name=name)
            cmd = typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
        else:  # a ready click command (e.g. one command taking arguments, not a group)
            cmd = app
            cmd.name = name
        self._eager[name] = cmd
        return cmd


__all__ = ["PACKAGE", "LazyEntry", "LazyGroup"]
