"""Engage pages, several in flight: page 0 names the session and the total, then pages 1..N-1
are asked for concurrently (bounded: ``workers``, paced by the transport like every query), each
saved as a file in the fetch's staging folder so a re-run after Ctrl-C or an error asks only for
the pages that are missing.

A resume trusts saved pages only while the project still reports the same ``total`` and
``page_size`` (else the folder is emptied and every page is asked for again).

Example:
    >>> pages_needed(total=2500, page_size=1000)
    3
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data._api.export import engage_page
from mixpanel_data._services.downloads import _private_file

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._services.progress import Reporter


def pages_needed(total: int, page_size: int) -> int:
    """Pages that hold ``total`` profiles (at least one)."""
    return max(1, -(-total // max(page_size, 1)))


class EngagePages:
    """The engage pages of one query.

    Args:
        api: the API clients.
        where, cohort_id, output_properties: the query.
        workers: pages in flight at once after page 0.
        tracker: progress (pages and profiles), or None.
    """

    def __init__(
        self,
        api: ApiClients,
        *,
        where: str | None,
        cohort_id: int | None,
        output_properties: Sequence[str] | None,
        workers: int = 3,
        tracker: Reporter | None = None,
    ) -> None:
        self.api = api
        self.where, self.cohort_id, self.output_properties = where, cohort_id, output_properties
        self.workers = max(1, workers)
        self.tracker = tracker

    def _page(self, page: int, session_id: str | None) -> dict[str, Any]:
        return engage_page(
            self.api,
            where=self.where,
            cohort_id=self.cohort_id,
            output_properties=self.output_properties,
            session_id=session_id,
            page=page,
        )

    def _first(self) -> tuple[list[dict[str, Any]], int, int, str | None]:
        data = self._page(0, None)
        results: list[dict[str, Any]] = data["results"]
        page_size = int(data.get("page_size") or 1000)
        total = int(data.get("total") or 0)
        session = data.get("session_id")
        count = pages_needed(total, page_size) if session and len(results) >= page_size else 1
        if self.tracker is not None:
            self.tracker.add(chunks_total=count, chunks_done=1, events=len(results))
        return results, count, page_size, session

    def _rest(self, page: int, session: str | None) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = self._page(page, session)["results"]
        if self.tracker is not None:
            self.tracker.add(chunks_done=1, events=len(results))
        return results

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """Every page's results, in page order (later pages are fetched while you read)."""
        first, count, _, session = self._first()
        yield first
        if count == 1:
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="mp-engage") as pool:
            futures = [pool.submit(self._rest, p, session) for p in range(1, count)]
            try:
                for fut in futures:
                    yield fut.result()
            finally:
                for fut in futures:
                    fut.cancel()

    def save(self, staging: Path) -> list[Path]:
        """Every page as a JSON-lines file in ``staging`` (pages saved earlier are kept when the
        total still matches); returns the files in page order."""
        first, count, page_size, session = self._first()
        shape = {"total_pages": count, "page_size": page_size}
        marker = staging / "pages.json"
        if not marker.exists() or json.loads(marker.read_text()) != shape:
            for old in staging.glob("page-*.jsonl"):
                old.unlink()
            with _private_file(marker, replace=True) as fh:
                fh.write(json.dumps(shape).encode())
        files = [staging / f"page-{p:06d}.jsonl" for p in range(count)]
        _write_page(files[0], first)
        todo = [p for p in range(1, count) if not files[p].exists()]
        if self.tracker is not None:
            self.tracker.add(
                chunks_done=count - 1 - len(todo), chunks_resumed=count - 1 - len(todo)
            )

        def fetch(page: int) -> None:
            _write_page(files[page], self._rest(page, session))

        if todo:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="mp-engage") as pool:
                futures = [pool.submit(fetch, p) for p in todo]
                try:
                    for fut in futures:
                        fut.result()
                finally:
                    for fut in futures:
                        fut.cancel()
        return files


def _write_page(path: Path, results: list[dict[str, Any]]) -> None:
    """One page as JSON lines, written to a ``.part`` file (0600) and renamed when whole."""
    part = path.with_name(path.name + ".part")
    with _private_file(part, replace=True) as fh:
        for result in results:
            fh.write(json.dumps(result, ensure_ascii=False).encode())
            fh.write(b"\n")
    os.replace(part, path)


__all__ = ["EngagePages", "pages_needed"]
