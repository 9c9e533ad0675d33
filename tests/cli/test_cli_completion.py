"""`mp completion bash|zsh|fish`: the scripts, and bash really completing groups, commands and
options through them (a real bash sources the script and calls its function, which runs `mp`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import isolated_env, run_in_process


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script_that_calls_mp_back(shell: str, tmp_path: Path) -> None:
    run = run_in_process("completion", shell, env=isolated_env(tmp_path))
    assert run.code == 0, str(run)
    assert "_MP_COMPLETE=complete_" in run.stdout and "mp" in run.stdout


def test_an_unknown_shell_exits_3(tmp_path: Path) -> None:
    run = run_in_process("completion", "tcsh", env=isolated_env(tmp_path))
    assert run.code == 3, str(run)


def _complete_in_bash(words: str, tmp_path: Path) -> list[str]:
    env = isolated_env(tmp_path)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    script = (
        "source <(mp completion bash)\n"
        f"COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n"
        "_mp_completion mp\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_groups_commands_and_options(tmp_path: Path) -> None:
    assert _complete_in_bash("mp qu", tmp_path) == ["query"]
    assert "segmentation" in _complete_in_bash("mp query seg", tmp_path)
    assert _complete_in_bash("mp fetch events --fr", tmp_path) == ["--from"]
