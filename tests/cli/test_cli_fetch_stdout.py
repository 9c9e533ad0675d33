"""`mp fetch events --stdout`: the export passed through (``--raw``) or normalized, all of it,
in the export requests the user asked for."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

from cli_helpers import ENTRY, run_mp

from mixpanel_data.sandbox import Sandbox

EXPORT = "/api/2.0/export"


def _exports(sandbox: Sandbox, start: int) -> list[tuple[str, str]]:
    return [
        (r.query["from_date"], r.query["to_date"])
        for r in sandbox.requests[start:]
        if r.path == EXPORT
    ]


def _served(sandbox: Sandbox, first: str, last: str) -> Counter[str]:
    """The insert ids the sandbox holds for the range (what the export must carry)."""
    with sandbox.data.cursor() as con:
        rows = con.execute(
            "SELECT insert_id FROM events WHERE to_timestamp(time)::DATE BETWEEN ? AND ?",
            [first, last],
        ).fetchall()
    return Counter(r[0] for r in rows)


def test_raw_passes_every_event_through_in_the_chunks_asked_for(
    sb_env: dict[str, str], sandbox: Sandbox, span: tuple[str, str]
) -> None:
    first, last = span
    start = len(sandbox.requests)
    run = run_mp(
        "fetch", "events", "--stdout", "--raw", "--from", first, "--to", last,
        "--chunk-days", "5", env=sb_env,
    )  # fmt: skip
    assert run.code == 0, str(run)
    lines = run.stdout.splitlines()
    ids = Counter(json.loads(line)["properties"]["$insert_id"] for line in lines)
    assert ids == _served(sandbox, first, last) and len(lines) > 100
    assert run.stderr.strip() == f"{len(lines)} events written"
    chunks = sorted(_exports(sandbox, start))
    assert len(chunks) == 3 and chunks[0][0] == first and chunks[-1][1] == last  # 14 days by 5


def test_normalized_rows_use_the_chunk_days_too(
    sb_env: dict[str, str], sandbox: Sandbox, span: tuple[str, str]
) -> None:
    first, last = span
    start = len(sandbox.requests)
    run = run_mp(
        "fetch", "events", "--stdout", "--from", first, "--to", last, "--chunk-days", "14",
        env=sb_env,
    )  # fmt: skip
    assert run.code == 0, str(run)
    ids = Counter(json.loads(line)["insert_id"] for line in run.stdout.splitlines())
    assert ids == _served(sandbox, first, last)
    assert _exports(sandbox, start) == [(first, last)]


def test_an_empty_range_says_so_in_both_shapes(sb_env: dict[str, str]) -> None:
    for extra in ([], ["--raw"]):
        run = run_mp(
            "fetch", "events", "--stdout", *extra, "--from", "2020-01-01", "--to", "2020-01-02",
            env=sb_env,
        )  # fmt: skip
        assert run.code == 0 and run.stdout == "", str(run)
        assert "no events between 2020-01-01 and 2020-01-02" in run.stderr


def _limited_file_size() -> None:
    """In the child: files may not grow past 4 KiB (writes past it fail with EFBIG)."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_full_disk_under_stdout_is_one_line_naming_it(
    sb_env: dict[str, str], span: tuple[str, str]
) -> None:
    first, last = span
    for extra in ([], ["--raw"]):
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [*ENTRY, "fetch", "events", "--stdout", *extra, "--from", first, "--to", last],
                env=sb_env, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.strip().splitlines() == [
            "Error: No space left on device: standard output (/dev/full)"
        ]


def test_a_staged_chunk_that_cannot_be_written_names_its_file(
    sb_env: dict[str, str], span: tuple[str, str], tmp_path: Path
) -> None:
    first, last = span
    db = tmp_path / "small.duckdb"
    args = ["fetch", "events", "--from", first, "--to", last, "--db", str(db), "--no-progress"]
    proc = subprocess.run(
        [*ENTRY, *args],
        env=sb_env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited_file_size,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: File too large: ") and ".part" in lines[0], lines
    assert str(tmp_path) in lines[0] and "Traceback" not in proc.stderr
