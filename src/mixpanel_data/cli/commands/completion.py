"""`mp completion bash|zsh|fish`: print the shell script that completes `mp` commands and options.

Example (bash): add ``source <(mp completion bash)`` to ``~/.bashrc``; zsh: ``source <(mp
completion zsh)`` in ``~/.zshrc``; fish: ``mp completion fish >
~/.config/fish/completions/mp.fish``.
The script calls `mp` back with ``_MP_COMPLETE`` set (see :func:`mixpanel_data.cli.main.main`).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True, help="Print a shell completion script for mp (bash, zsh or fish)."
)

COMPLETE_VAR = "_MP_COMPLETE"


def _print(shell: str) -> None:
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name="mp", complete_var=COMPLETE_VAR, shell=shell))


@app.command("bash")
def bash() -> None:
    """Bash: add `source <(mp completion bash)` to ~/.bashrc."""
    _print("bash")


@app.command("zsh")
def zsh() -> None:
    """Zsh: add `source <(mp completion zsh)` to ~/.zshrc (after compinit)."""
    _print("zsh")


@app.command("fish")
def fish() -> None:
    """Fish: mp completion fish > ~/.config/fish/completions/mp.fish"""
    _print("fish")
