"""The synthetic Mixpanel project the sandbox serves, held in an in-memory DuckDB database.

What a test can rely on (for any seed; exact values depend on the seed):

Window and clock
    Events fall in ``[start_date, end_date]`` (UTC days, both inclusive), where ``start_date =
    end_date - (days - 1)``. The sandbox's "today" is ``end_date``: ``events/top`` compares it with
    the day before; ``events/names`` and property discovery read the 31 days ending there.

Users and profiles (table ``profiles``, one row per user)
    ``users`` profiles with distinct ids ``user-00001``, ``user-00002``, ... Properties:
    ``$email`` (ASCII, unique), ``$name``, ``$first_name``, ``$last_name`` (often non-ASCII),
    ``$city``, ``$region``, ``mp_country_code``, ``$os``, ``$browser``, ``$created`` and
    ``$last_seen`` (``YYYY-MM-DDTHH:MM:SS``, UTC), ``plan`` (``free`` ~60 %, ``pro`` ~30 %,
    ``enterprise`` ~10 %), ``ltv`` (sum of the user's Purchase ``amount`` values) and
    ``purchase_count`` (number of the user's Purchase events), both counting a duplicated event
    once, ``age`` (int), ``is_beta`` (bool), ``interests`` (list of strings), ``preferences``
    (nested object), ``signup_method`` and, for ~70 % of users, ``company_id`` (``c0001``, ...:
    group key ``company_id``, group profiles in table ``group_profiles``).
    About 65 % of users sign up inside the window: their ``$created`` is the time of their
    ``Sign Up`` event. The others were created before ``start_date`` and have no ``Sign Up``.
    ``$last_seen`` is the time of the user's last event (``$created`` for a user without events).

Events (table ``events``; about ``events`` rows, by default ``users * days * 3``)
    Names: ``Page View``, ``Button Click``, ``Search``, ``Add to Cart``, ``Purchase``, ``Login``,
    ``Sign Up``, ``$identify``. Events come in sessions; in a session each event is 5-85 s after
    the one before. A new user's first session starts with a ``Page View`` by the anonymous id
    ``$device:<uuid>`` (``<uuid>`` is the user's ``$device_id``), then ``$identify``
    (``$identified_id``: the user, ``$anon_id``: the device id) and ``Sign Up`` by the user. In a
    session, ``Purchase`` always comes right after an ``Add to Cart`` of the same user, so
    ``Sign Up -> Page View -> Add to Cart -> Purchase`` converts less at each step, in time order.
    Every event has ``time`` (int seconds, always the first key), ``distinct_id``, ``$insert_id``
    (32 hex digits), ``mp_processing_time_ms`` (later than the event), ``$browser``,
    ``$browser_version`` (float), ``$city``, ``$region``, ``mp_country_code``, ``$current_url``,
    ``$device_id``, ``$os``, ``$referrer`` (sometimes null), ``$screen_width``, ``mp_lib``; events
    of identified users also ``$user_id`` and ``plan`` (the profile's plan) and often
    ``company_id``; then event-specific ones (``Purchase``: ``amount`` equal to the sum of
    ``items[].price * items[].quantity``, ``currency``, ``items`` (list of objects),
    ``payment_method``, ``coupon``; ``Search``: ``query``, ``results_count``, ``filters`` (list);
    ...), sometimes a nested ``experiments`` object and a ``tags`` list: 18 to 25 keys in all.
    About 0.1 % of events (never ``$identify``) are stored twice with the same event,
    distinct_id, time and ``$insert_id`` (only ``mp_processing_time_ms`` differs), as Mixpanel's
    export shows them. Export order: time in milliseconds, then storage order (column ``seq``).

Identity (table ``identity_merges``)
    One row per generated ``$identify`` (device id -> user) and per ``$merge``, ``$identify`` or
    ``$create_alias`` received. Stored events are never rewritten by a merge.

Tables (sandbox-internal; other modules read them through :meth:`SandboxData.cursor`)::

    events(event VARCHAR, time BIGINT, distinct_id VARCHAR, insert_id VARCHAR, properties JSON,
           time_ms BIGINT, seq BIGINT)
    profiles(distinct_id VARCHAR, properties JSON)
    group_profiles(group_key VARCHAR, group_id VARCHAR, properties JSON)
    identity_merges(distinct_id VARCHAR, canonical_id VARCHAR, source VARCHAR, time BIGINT)

The same (seed, users, days, end_date, events) give the same tables and byte-identical exports
(with one DuckDB version). Writes go through this class: it takes ``write_lock`` and keeps the
export cache and the export order right.

Example:
    >>> from datetime import date
    >>> data = SandboxData(SynthPlan(7, 50, 7, date(2026, 1, 31), None), 3000007, "sa")
    >>> with data.cursor() as cur:
    ...     cur.execute("SELECT count(*) FROM profiles").fetchone()[0]
    50
    >>> data.close()
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from mixpanel_data.sandbox._fixtures import Cohort, Fixtures, build_fixtures
from mixpanel_data.sandbox._gzip import RunCache
from mixpanel_data.sandbox._synth import SynthPlan, generate

# Compressed export days kept for reuse (about 110 MB per million events).
EXPORT_CACHE_BYTES = 1 << 30


def json_text(value: Any) -> str:
    """Compact JSON text with UTF-8 kept (no NaN/Infinity: ``ValueError``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def day_of(time_s: int) -> date:
    """The UTC day of a Unix time in seconds."""
    return datetime.fromtimestamp(time_s, UTC).date()


def iso_seconds(time_s: float) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` (UTC), the format of ``$created``/``$last_seen``."""
    return datetime.fromtimestamp(time_s, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def time_ms_of(value: Any) -> int:
    """Milliseconds from a Mixpanel ``time``: seconds, or milliseconds when it is that large."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("time must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("time must be a finite number")
    if abs(value) >= 1e11:  # already milliseconds
        return int(value)
    return round(value * 1000)


class SandboxData:
    """The project's tables plus fixtures, with a lock for writers and a cursor per caller."""

    def __init__(self, plan: SynthPlan, project_id: int, username: str) -> None:
        self.plan = plan
        self.project_id = project_id
        self._con = duckdb.connect(":memory:")
        self._cursor_lock = threading.Lock()
        self.write_lock = threading.RLock()
        generate(self._con, plan)
        row = self._con.execute("SELECT coalesce(max(seq), -1) + 1 FROM events").fetchone()
        self._next_seq: int = int(row[0]) if row else 0
        self.dirty_days: set[date] = set()
        self.export_cache = RunCache(EXPORT_CACHE_BYTES)
        self.fixtures: Fixtures = build_fixtures(plan, project_id, username)
        self._closed = False

    # -- access ---------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        """The sandbox's "today": the last day with generated events."""
        return self.plan.end_date

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor for the calling thread, closed afterwards (reads; see :meth:`write`)."""
        with self._cursor_lock:
            if self._closed:
                raise RuntimeError("the sandbox is stopped")
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for writing, holding ``write_lock`` (one writer at a time)."""
        with self.write_lock, self.cursor() as cur:
            yield cur

    def close(self) -> None:
        """Close the database (idempotent)."""
        with self._cursor_lock:
            if not self._closed:
                self._closed = True
                self._con.close()

    # -- events ---------------------------------------------------------------------------------

    def insert_events(self, events: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
        """Store ``(event name, properties)`` pairs the way ``/track`` and ``/import`` receive them.

        ``properties["time"]`` (seconds or milliseconds) becomes int seconds and the first key;
        ``distinct_id`` and ``$insert_id`` go to their columns too. An event with the same name,
        distinct_id, second and ``$insert_id`` as one already stored (or earlier in ``events``) is
        dropped, as Mixpanel deduplicates. Returns how many were received.
        """
        if not events:
            return 0
        names: list[str] = []
        times_ms: list[int] = []
        ids: list[str] = []
        insert_ids: list[str | None] = []
        texts: list[str] = []
        days: set[date] = set()
        for name, props in events:
            t_ms = time_ms_of(props["time"])
            rest = {k: v for k, v in props.items() if k != "time"}
            seconds = t_ms // 1000
            texts.append(json_text({"time": seconds, **rest}))
            names.append(name)
            times_ms.append(t_ms)
            ids.append(str(props.get("distinct_id", "")))
            insert_id = props.get("$insert_id")
            insert_ids.append(None if insert_id is None else str(insert_id))
            days.add(day_of(seconds))
        with self.write() as cur:
            first = self._next_seq
            self._next_seq += len(names)
            cur.execute(
                """
                INSERT INTO events
                SELECT n, t // 1000, d, i, p::JSON, t, s
                FROM (SELECT unnest($1::VARCHAR[]) AS n, unnest($2::BIGINT[]) AS t,
                             unnest($3::VARCHAR[]) AS d, unnest($4::VARCHAR[]) AS i,
                             unnest($5::VARCHAR[]) AS p, unnest($6::BIGINT[]) AS s) AS new
                -- Mixpanel keeps one event per (event, distinct_id, second, $insert_id)
                WHERE i IS NULL OR NOT EXISTS (
                    SELECT 1 FROM events e WHERE e.insert_id = new.i AND e.event = new.n
                    AND e.distinct_id = new.d AND e.time = new.t // 1000)
                QUALIFY i IS NULL OR row_number() OVER (PARTITION BY n, d, t // 1000, i) = 1
                """,
                [names, times_ms, ids, insert_ids, texts, list(range(first, self._next_seq))],
            )
            self.events_changed(days)
        return len(names)

    def events_changed(self, days: Iterable[date] | None = None) -> None:
        """Tell the export layer that events of ``days`` (every day when None) were written.

        Call it after writing to ``events`` directly (e.g. a GDPR deletion) while holding
        ``write_lock``. Days written out of time order are exported with an explicit sort.
        """
        if days is None:
            self.export_cache.invalidate()
            return
        day_list = list(days)
        self.dirty_days.update(day_list)
        self.export_cache.invalidate((day, unit) for day in day_list for unit in ("s", "ms"))

    # -- profiles -------------------------------------------------------------------------------

    def get_profiles(self, ids: Iterable[str], *, table: str = "profiles") -> dict[str, Any]:
        """Properties of the given user profiles (missing ids are absent from the result)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT distinct_id, properties FROM profiles WHERE list_contains($1, distinct_id)",
                [wanted],
            ).fetchall()
        return {did: json.loads(props) for did, props in rows}

    def put_profiles(self, changes: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Replace (or, for None, delete) whole profiles.

        Hold ``write_lock`` around a read-modify-write (get, change, put).
        """
        if not changes:
            return
        ids = list(changes)
        kept = [(did, json_text(props)) for did, props in changes.items() if props is not None]
        with self.write() as cur:
            cur.execute("DELETE FROM profiles WHERE list_contains($1, distinct_id)", [ids])
            if kept:
                cur.execute(
                    "INSERT INTO profiles "
                    "SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[])::JSON",
                    [[k for k, _ in kept], [p for _, p in kept]],
                )

    def get_group_profiles(self, group_key: str, ids: Iterable[str]) -> dict[str, Any]:
        """Properties of the given group profiles of ``group_key``."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.cursor() as cur:
            rows = cur.execute(
                """SELECT group_id, properties FROM group_profiles
                   WHERE group_key = $1 AND list_contains($2, group_id)""",
                [group_key, wanted],
            ).fetchall()
        return {gid: json.loads(props) for gid, props in rows}

    def put_group_profiles(
        self, group_key: str, changes: Mapping[str, Mapping[str, Any] | None]
    ) -> None:
        """Replace (or, for None, delete) whole group profiles of ``group_key``."""
        if not changes:
            return
        ids = list(changes)
        kept = [(gid, json_text(props)) for gid, props in changes.items() if props is not None]
        with self.write() as cur:
            cur.execute(
                "DELETE FROM group_profiles WHERE group_key = $1 AND list_contains($2, group_id)",
                [group_key, ids],
            )
            if kept:
                cur.execute(
                    """INSERT INTO group_profiles
                       SELECT $1, unnest($2::VARCHAR[]), unnest($3::VARCHAR[])::JSON""",
                    [group_key, [k for k, _ in kept], [p for _, p in kept]],
                )

    # -- identity -------------------------------------------------------------------------------

    def record_merge(
        self, distinct_ids: Sequence[str], time_s: int, source: str = "$merge"
    ) -> None:
        """Record that ``distinct_ids`` are one person (the first one is kept as canonical)."""
        canonical = distinct_ids[0]
        with self.write() as cur:
            for other in distinct_ids[1:]:
                cur.execute(
                    "INSERT INTO identity_merges VALUES ($1, $2, $3, $4)",
                    [other, canonical, source, time_s],
                )

    # -- cohorts --------------------------------------------------------------------------------

    def cohort(self, cohort_id: int) -> Cohort | None:
        """The saved cohort with that id, or None."""
        return next((c for c in self.fixtures.cohorts if c.id == cohort_id), None)

    def cohort_counts(self) -> dict[int, int]:
        """Current member count of every cohort."""
        with self.cursor() as cur:
            sql = " UNION ALL ".join(
                f"SELECT {c.id} AS id, count(*) AS n FROM profiles WHERE {c.rule_sql}"
                for c in self.fixtures.cohorts
            )
            return {int(i): int(n) for i, n in cur.execute(sql).fetchall()}
