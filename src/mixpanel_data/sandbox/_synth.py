"""Generate the synthetic project into DuckDB with SQL (no per-event Python objects).

Randomness is DuckDB's ``hash(a, b, salt, seed)``: a pure function of its arguments, so the same
(seed, users, days, end_date, events) give the same rows, byte for byte, on the same DuckDB version.
The data model these tables follow is described in :mod:`mixpanel_data.sandbox._data`.

Example:
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> plan = SynthPlan(seed=1, users=20, days=7, end_date=date(2026, 1, 31), events=None)
    >>> generate(con, plan)
    >>> con.execute("SELECT count(*) FROM profiles").fetchone()[0]
    20
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mixpanel_data.sandbox import _catalog as cat

# Share of users who sign up inside the window (the others existed before it).
_NEW_USER_SHARE = 0.65
# Mean number of events in a regular session: 3 + uniform(0..5).
_MEAN_SESSION_EVENTS = 5.5
# Share of events sent twice (same event, distinct_id, time and $insert_id).
_DUPLICATE_SHARE = 0.001
_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class SynthPlan:
    """What to generate: the sandbox constructor's data arguments, resolved.

    Attributes:
        seed: any int; the same seed gives the same data.
        users: number of user profiles.
        days: number of days of events, ending at ``end_date`` (inclusive).
        end_date: last day with events (UTC).
        events: target event count (about; ``None`` means ``users * days * 3``).
    """

    seed: int
    users: int
    days: int
    end_date: date
    events: int | None

    @property
    def start_date(self) -> date:
        """First day with events."""
        return self.end_date - timedelta(days=self.days - 1)

    @property
    def start_ts(self) -> int:
        """Unix seconds of the first instant of ``start_date`` (UTC)."""
        return int(datetime.combine(self.start_date, datetime.min.time(), UTC).timestamp())

    @property
    def end_ts(self) -> int:
        """Unix seconds just after the last instant of ``end_date`` (exclusive bound)."""
        return self.start_ts + self.days * _SECONDS_PER_DAY

    @property
    def target_events(self) -> int:
        """The event count aimed at."""
        return self.events if self.events is not None else self.users * self.days * 3


def _sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _json_text(value: Any) -> str:
    """Compact JSON text, UTF-8 kept as is (like Mixpanel's export)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_list(values: Any) -> str:
    """A SQL list literal whose items are the JSON texts of ``values`` (1-based in SQL)."""
    return "[" + ", ".join(_sql_str(_json_text(v)) for v in values) + "]"


def _sql_list(values: Any) -> str:
    """A SQL list literal of plain values (strings quoted, ints as is)."""
    return "[" + ", ".join(_sql_str(v) if isinstance(v, str) else str(v) for v in values) + "]"


def _pick(list_sql: str, n: int, i: str, e: str, salt: int) -> str:
    """SQL: an entry of ``list_sql`` (length ``n``) chosen by hash."""
    return f"{list_sql}[1 + rint({i}, {e}, {salt}, {n})]"


def _macros(seed: int) -> str:
    seed = int(seed)
    return f"""
    CREATE OR REPLACE TEMP MACRO rnd(a, b, salt) AS
        hash(a, b, salt, {seed}) / 18446744073709551616.0;
    CREATE OR REPLACE TEMP MACRO rint(a, b, salt, n) AS
        CAST(hash(a, b, salt, {seed}) % n AS BIGINT);
    CREATE OR REPLACE TEMP MACRO hex16(a, b, salt) AS printf('%016x', hash(a, b, salt, {seed}));
    """


def _users_sql(plan: SynthPlan) -> str:
    span = plan.days * _SECONDS_PER_DAY
    mean_life = max(plan.days * 0.6, 2.0) * _SECONDS_PER_DAY
    n_companies = max(3, plan.users // 20)
    return f"""
    CREATE OR REPLACE TEMP TABLE g_users AS
    WITH b AS (
        SELECT i,
               rnd(i, 0, 1) < {_NEW_USER_SHARE} AS is_new,
               rnd(i, 0, 2) AS r_created,
               rnd(i, 0, 3) AS r_life,
               rnd(i, 0, 4) AS r_rate,
               rnd(i, 0, 5) AS r_plan,
               rnd(i, 0, 6) AS r_company
        FROM range({plan.users}) t(i)
    ), c AS (
        SELECT *,
               CASE WHEN is_new
                    THEN {plan.start_ts} + CAST(floor(r_created * ({span} - 7200)) AS BIGINT)
                    ELSE {plan.start_ts} - 86400 - CAST(floor(r_created * 365 * 86400) AS BIGINT)
               END AS created_s,
               CASE WHEN r_life < 0.25 THEN 1e12
                    ELSE -ln(1.0 - r_life) * {mean_life} END AS life_s
        FROM b
    ), d AS (
        SELECT *,
               CASE WHEN is_new THEN created_s + 600 ELSE {plan.start_ts} END AS active_from
        FROM c
    )
    SELECT i,
           printf('user-%05d', i + 1) AS distinct_id,
           is_new,
           created_s,
           least(active_from, {plan.end_ts} - 700) AS active_from,
           greatest(least(active_from + life_s, {plan.end_ts} - 700),
                    least(active_from, {plan.end_ts} - 700))::BIGINT AS active_to,
           0.2 + 1.8 * r_rate * r_rate AS rate,
           rint(i, 0, 7, {len(cat.CITIES)}) AS city,
           rint(i, 0, 8, {len(cat.OPERATING_SYSTEMS)}) AS os,
           rint(i, 0, 9, {len(cat.BROWSERS)}) AS browser,
           CASE WHEN r_plan < 0.6 THEN 0 WHEN r_plan < 0.9 THEN 1 ELSE 2 END AS plan,
           CASE WHEN r_company < 0.7 THEN rint(i, 0, 10, {n_companies}) END AS company,
           printf('%08x-%04x-4%03x-a%03x-%012x',
                  hash(i, 0, 11, {plan.seed}) % 4294967296, hash(i, 0, 12, {plan.seed}) % 65536,
                  hash(i, 0, 13, {plan.seed}) % 4096, hash(i, 0, 14, {plan.seed}) % 4096,
                  hash(i, 0, 15, {plan.seed}) % 281474976710656) AS device_id
    FROM d
    """


def _sessions_sql(plan: SynthPlan) -> str:
    n_new_users_sql = "(SELECT count(*) FROM g_users WHERE is_new)"
    target_sessions = (
        f"greatest({plan.target_events} - 3 * {n_new_users_sql}, 0) / {_MEAN_SESSION_EVENTS}"
    )
    return f"""
    CREATE OR REPLACE TEMP TABLE g_user_sessions AS
    WITH w AS (
        SELECT *, rate * greatest(active_to - active_from, 3600) / 86400.0 AS weight FROM g_users
    ), s AS (
        SELECT {target_sessions} / greatest((SELECT sum(weight) FROM w), 1e-9) AS scale
    )
    SELECT w.i,
           CASE WHEN w.is_new
                THEN greatest(CAST(floor(w.weight * s.scale + rnd(w.i, 0, 16)) AS BIGINT), 1)
                ELSE CAST(floor(w.weight * s.scale + rnd(w.i, 0, 16)) AS BIGINT) END AS n_sessions
    FROM w, s;

    CREATE OR REPLACE TEMP TABLE g_sessions AS
    WITH s AS (
        SELECT u.i, u.is_new, u.created_s, u.active_from, u.active_to, r.k,
               (u.is_new AND r.k = 0) AS signup
        FROM g_users u JOIN g_user_sessions n USING (i), range(n.n_sessions) r(k)
    ), f AS (
        SELECT i, k, signup,
               CASE WHEN signup THEN created_s
                    ELSE active_from + CAST(floor((active_to - active_from)
                                                  * pow(rnd(i, k, 17), 1.4)) AS BIGINT)
               END AS start_s,
               3 + rint(i, k, 18, 6) AS m,
               rnd(i, k, 19) < CASE WHEN signup THEN 0.45 ELSE 0.3 END AS cart,
               rnd(i, k, 20) < 0.5 AS buys
        FROM s
    )
    SELECT i, k, signup, start_s, m, cart, cart AND buys AS purchase FROM f
    """


def _event_rows_sql() -> str:
    """One row per generated event (no JSON yet); ``e`` numbers events within a user."""
    c = cat
    return f"""
    CREATE OR REPLACE TEMP TABLE g_events AS
    WITH p AS (
        SELECT s.i, s.k, s.signup, s.start_s, s.m, s.cart, s.purchase, r.p,
               s.k * 64 + r.p AS e,
               CASE WHEN s.signup THEN r.p - 3 ELSE r.p END AS j
        FROM g_sessions s, range(s.m + CASE WHEN s.signup THEN 3 ELSE 0 END) r(p)
    ), c AS (
        SELECT *,
               CASE
                 WHEN signup AND p = 0 THEN {c.PAGE_VIEW}
                 WHEN signup AND p = 1 THEN {c.IDENTIFY}
                 WHEN signup AND p = 2 THEN {c.SIGN_UP}
                 WHEN purchase AND j = m - 1 THEN {c.PURCHASE}
                 WHEN purchase AND j = m - 2 THEN {c.ADD_TO_CART}
                 WHEN cart AND NOT purchase AND j = m - 1 THEN {c.ADD_TO_CART}
                 WHEN j = 0 THEN CASE WHEN NOT signup AND rnd(i, e, 21) < 0.5 THEN {c.LOGIN}
                                      ELSE {c.PAGE_VIEW} END
                 ELSE CASE WHEN rnd(i, e, 22) < 0.5 THEN {c.PAGE_VIEW}
                           WHEN rnd(i, e, 22) < 0.8 THEN {c.BUTTON_CLICK}
                           ELSE {c.SEARCH} END
               END AS code,
               start_s * 1000 + p * 45000 + rint(i, e, 23, 40000) AS time_ms
        FROM p
    )
    SELECT i, e, code, time_ms, (signup AND p = 0) AS anonymous,
           CASE WHEN code = {c.PURCHASE} THEN 1 + rint(i, e, 24, 3) END AS n_items,
           rint(i, e, 25, {len(c.PRODUCTS)}) AS p1, 1 + rint(i, e, 26, 3) AS q1,
           rint(i, e, 27, {len(c.PRODUCTS)}) AS p2, 1 + rint(i, e, 28, 2) AS q2,
           rint(i, e, 29, {len(c.PRODUCTS)}) AS p3, 1 AS q3
    FROM c;

    CREATE OR REPLACE TEMP TABLE g_events2 AS
    SELECT *,
           CASE WHEN code = {c.PURCHASE} THEN
                {_sql_list(p[3] for p in c.PRODUCTS)}[p1 + 1] * q1
                + CASE WHEN n_items >= 2 THEN {_sql_list(p[3] for p in c.PRODUCTS)}[p2 + 1] * q2
                       ELSE 0 END
                + CASE WHEN n_items >= 3 THEN {_sql_list(p[3] for p in c.PRODUCTS)}[p3 + 1] * q3
                       ELSE 0 END
           END AS amount_cents
    FROM g_events;
    DROP TABLE g_events;
    """


def _cat(*parts: str) -> str:
    """SQL ``concat(...)`` of SQL expressions (one allocation, unlike a chain of ``||``)."""
    return "concat(" + ", ".join(parts) + ")"


def _lit(text: str) -> str:
    """A SQL string literal for a JSON fragment written in Python."""
    return _sql_str(text)


def _item_json(idx: str, qty: str) -> str:
    products = _sql_list(
        '{"product_id":'
        + _json_text(pid)
        + ',"product_name":'
        + _json_text(name)
        + ',"price":'
        + _json_text(cents / 100)
        + ',"quantity":'
        for pid, name, _, cents in cat.PRODUCTS
    )
    return _cat(f"{products}[{idx} + 1]", qty, "'}'")


def _event_specific_sql() -> str:
    """SQL: the properties that depend on the event (a JSON fragment starting with a comma)."""
    c = cat
    pages = _json_list(p[0] for p in c.PAGES)
    titles = _json_list(p[1] for p in c.PAGES)
    product_ids = _json_list(p[0] for p in c.PRODUCTS)
    product_names = _json_list(p[1] for p in c.PRODUCTS)
    categories = _json_list(p[2] for p in c.PRODUCTS)
    prices = _json_list(p[3] / 100 for p in c.PRODUCTS)
    button_texts = _json_list(b[1] for b in c.BUTTONS)
    branches = {
        c.PAGE_VIEW: _cat(
            """',"page":'""",
            f"{pages}[1 + v.pg]",
            """',"page_title":'""",
            f"{titles}[1 + v.pg]",
            """',"load_time_ms":'""",
            "80 + rint(v.i, v.e, 32, 1900)",
        ),
        c.BUTTON_CLICK: _cat(
            """',"button_id":'""",
            _pick(_json_list(b[0] for b in c.BUTTONS), len(c.BUTTONS), "v.i", "v.e", 33),
            """',"button_text":'""",
            f"{button_texts}[1 + rint(v.i, v.e, 33, {len(c.BUTTONS)})]",
            """',"position":'""",
            "1 + rint(v.i, v.e, 34, 8)",
        ),
        c.SEARCH: _cat(
            """',"query":'""",
            _pick(_json_list(c.SEARCH_QUERIES), len(c.SEARCH_QUERIES), "v.i", "v.e", 35),
            """',"results_count":'""",
            "rint(v.i, v.e, 36, 120)",
            """',"filters":'""",
            _pick(
                _json_list(list(f) for f in c.SEARCH_FILTERS),
                len(c.SEARCH_FILTERS),
                "v.i",
                "v.e",
                37,
            ),
        ),
        c.ADD_TO_CART: _cat(
            """',"product_id":'""",
            f"{product_ids}[1 + v.p1]",
            """',"product_name":'""",
            f"{product_names}[1 + v.p1]",
            """',"category":'""",
            f"{categories}[1 + v.p1]",
            """',"price":'""",
            f"{prices}[1 + v.p1]",
            """',"quantity":'""",
            "v.q1",
        ),
        c.PURCHASE: _cat(
            """',"amount":'""",
            "(v.amount_cents / 100.0)::DOUBLE",
            """',"currency":'""",
            _pick(_json_list(c.CURRENCIES), len(c.CURRENCIES), "v.i", "v.e", 38),
            """',"items":['""",
            _item_json("v.p1", "v.q1"),
            f"""CASE WHEN v.n_items >= 2 THEN ',' || {_item_json("v.p2", "v.q2")} ELSE '' END""",
            f"""CASE WHEN v.n_items >= 3 THEN ',' || {_item_json("v.p3", "v.q3")} ELSE '' END""",
            "']'",
            """',"payment_method":'""",
            _pick(_json_list(c.PAYMENT_METHODS), len(c.PAYMENT_METHODS), "v.i", "v.e", 39),
            """',"coupon":'""",
            _pick(_json_list(c.COUPONS), len(c.COUPONS), "v.i", "v.e", 40),
        ),
        c.LOGIN: _cat(
            """',"login_method":'""",
            _pick(_json_list(c.LOGIN_METHODS), len(c.LOGIN_METHODS), "v.i", "v.e", 41),
            """',"remember_me":'""",
            "CASE WHEN rnd(v.i, v.e, 42) < 0.6 THEN 'true' ELSE 'false' END",
        ),
        c.SIGN_UP: _cat(
            """',"signup_method":'""",
            _pick(_json_list(c.SIGNUP_METHODS), len(c.SIGNUP_METHODS), "u.i", "0", 43),
            """',"utm_source":'""",
            _pick(_json_list(c.UTM_SOURCES), len(c.UTM_SOURCES), "u.i", "0", 44),
            """',"utm_campaign":'""",
            _pick(_json_list(c.UTM_CAMPAIGNS), len(c.UTM_CAMPAIGNS), "u.i", "0", 45),
            """',"referral_code":'""",
            """CASE WHEN rnd(u.i, 0, 46) < 0.2
                    THEN '"REF-' || upper(hex16(u.i, 0, 46)[1:6]) || '"' ELSE 'null' END""",
        ),
        c.IDENTIFY: _cat(
            """',"$identified_id":"'""",
            "u.distinct_id",
            """'","$anon_id":"$device:'""",
            "u.device_id",
            """'"'""",
        ),
    }
    whens = "\n".join(f"WHEN {code} THEN {sql}" for code, sql in branches.items())
    return f"CASE v.code {whens} ELSE '' END"


def _page_index_sql() -> str:
    """SQL: the page (index into PAGES) of an event; Page View picks one, others are fixed."""
    c = cat
    landing = _sql_list(c.LANDING_PAGES)
    n_pages = len(c.PAGES)
    return f"""CASE v.code
        WHEN {c.PAGE_VIEW} THEN CASE WHEN v.anonymous
                                     THEN {landing}[1 + rint(v.i, v.e, 30, {len(c.LANDING_PAGES)})]
                                     ELSE rint(v.i, v.e, 30, {n_pages}) END
        WHEN {c.SEARCH} THEN 9 WHEN {c.ADD_TO_CART} THEN 3 + rint(v.i, v.e, 31, 2)
        WHEN {c.PURCHASE} THEN 8 WHEN {c.BUTTON_CLICK} THEN rint(v.i, v.e, 30, {n_pages})
        ELSE 0 END"""


def _properties_sql() -> str:
    """SQL (over ordered event rows ``v`` joined with ``g_users u``): the properties JSON."""
    c = cat
    variants = _json_list(c.EXPERIMENT_VARIANTS)
    n_var = len(c.EXPERIMENT_VARIANTS)
    experiments = _cat(
        """',"experiments":{"checkout_flow":'""",
        f"{variants}[1 + rint(u.i, 0, 48, {n_var})]",
        """',"onboarding":'""",
        f"{variants}[1 + rint(u.i, 0, 49, {n_var})]",
        """',"exposed_at":'""",
        "v.time_ms // 1000 - 3600 * (1 + rint(v.i, v.e, 50, 48))",
        "'}'",
    )
    tags = _pick(_json_list(list(t) for t in c.TAG_SETS), len(c.TAG_SETS), "v.i", "v.e", 52)
    return _cat(
        """'{"time":'""",
        "v.time_ms // 1000",
        """',"distinct_id":"'""",
        "v.did",
        """'","$browser":'""",
        f"{_json_list(c.BROWSERS)}[1 + u.browser]",
        """',"$browser_version":'""",
        "(100 + rint(u.i, 0, 53, 30))::DOUBLE",
        """',"$city":'""",
        f"{_json_list(x[0] for x in c.CITIES)}[1 + u.city]",
        """',"$current_url":'""",
        f"""{_json_list("https://shop.example.com" + p[0] for p in c.PAGES)}[1 + v.pg]""",
        """',"$device_id":"'""",
        "u.device_id",
        """'","$insert_id":"'""",
        "v.insert_id",
        """'","$os":'""",
        f"{_json_list(x[0] for x in c.OPERATING_SYSTEMS)}[1 + u.os]",
        """',"$referrer":'""",
        _pick(_json_list(c.REFERRERS), len(c.REFERRERS), "v.i", "v.e", 54),
        """',"$region":'""",
        f"{_json_list(x[1] for x in c.CITIES)}[1 + u.city]",
        """',"$screen_width":'""",
        f"{_sql_list(x[1] for x in c.OPERATING_SYSTEMS)}[1 + u.os]",
        """',"mp_country_code":'""",
        f"{_json_list(x[2] for x in c.CITIES)}[1 + u.city]",
        """',"mp_lib":"web","mp_processing_time_ms":'""",
        "v.time_ms + 40 + rint(v.i, v.e, 55, 4000) + v.dup * (1000 + rint(v.i, v.e, 56, 60000))",
        f"""CASE WHEN v.anonymous THEN ''
                 ELSE concat(',"$user_id":"', u.distinct_id, '","plan":',
                             {_json_list(c.PLANS)}[1 + u.plan]) END""",
        _event_specific_sql(),
        """CASE WHEN NOT v.anonymous AND u.company IS NOT NULL
                THEN concat(',"company_id":"', printf('c%04d', u.company + 1), '"') ELSE '' END""",
        f"CASE WHEN rnd(v.i, v.e, 47) < 0.2 THEN {experiments} ELSE '' END",
        f"""CASE WHEN rnd(v.i, v.e, 51) < 0.15 THEN concat(',"tags":', {tags}) ELSE '' END""",
        "'}'",
    )


EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS events (
    event VARCHAR, time BIGINT, distinct_id VARCHAR, insert_id VARCHAR, properties JSON,
    time_ms BIGINT, seq BIGINT
)"""


def _order_sql() -> str:
    """g_ordered: every event row (duplicates included) numbered in export order."""
    return f"""
    CREATE OR REPLACE TEMP TABLE g_ordered AS
    WITH d AS (
        SELECT *, 0 AS dup FROM g_events2
        UNION ALL
        SELECT *, 1 AS dup FROM g_events2
        WHERE code <> {cat.IDENTIFY} AND rnd(i, e, 59) < {_DUPLICATE_SHARE}
    )
    SELECT *, row_number() OVER (ORDER BY time_ms, i, e, dup) - 1 AS seq FROM d ORDER BY seq
    """


def _insert_events_sql(first_seq: int, end_seq: int) -> str:
    """Append the events numbered ``first_seq <= seq < end_seq`` to ``events``, in order."""
    c = cat
    return f"""
    INSERT INTO events
    WITH x AS (
        SELECT v.*,
               CASE WHEN v.anonymous THEN '$device:' || u.device_id ELSE u.distinct_id END AS did,
               hex16(v.i, v.e, 57) || hex16(v.i, v.e, 58) AS insert_id,
               {_page_index_sql()} AS pg
        FROM g_ordered v JOIN g_users u USING (i)
        WHERE v.seq >= {int(first_seq)} AND v.seq < {int(end_seq)}
    )
    SELECT {_sql_list(c.EVENT_NAMES)}[1 + v.code] AS event,
           v.time_ms // 1000 AS time,
           v.did AS distinct_id,
           v.insert_id,
           ({_properties_sql()})::JSON AS properties,
           v.time_ms,
           v.seq
    FROM x v JOIN g_users u USING (i)
    ORDER BY v.seq
    """


_ISO = "'%Y-%m-%dT%H:%M:%S'"


def _profiles_sql() -> str:
    c = cat
    cities = _json_list(x[0] for x in c.CITIES)
    regions = _json_list(x[1] for x in c.CITIES)
    countries = _json_list(x[2] for x in c.CITIES)
    first = _json_list(f[0] for f in c.FIRST_NAMES)
    first_ascii = _sql_list(f[1] for f in c.FIRST_NAMES)
    last = _json_list(x[0] for x in c.LAST_NAMES)
    last_ascii = _sql_list(x[1] for x in c.LAST_NAMES)
    names = _sql_list(f"{f[0]} {x[0]}" for f in c.FIRST_NAMES for x in c.LAST_NAMES)
    n_first, n_last = len(c.FIRST_NAMES), len(c.LAST_NAMES)
    interests = _sql_list(c.INTERESTS)
    n_int = len(c.INTERESTS)
    themes = _json_list(c.THEMES)
    properties = _cat(
        """'{"$city":'""",
        f"{cities}[1 + city]",
        """',"$region":'""",
        f"{regions}[1 + city]",
        """',"mp_country_code":'""",
        f"{countries}[1 + city]",
        """',"$created":"'""",
        f"strftime(epoch_ms(created * 1000), {_ISO})",
        """'","$email":"'""",
        f"{first_ascii}[1 + fn]",
        "'.'",
        f"{last_ascii}[1 + ln_]",
        "'.'",
        "i + 1",
        """'@example.com"'""",
        """',"$first_name":'""",
        f"{first}[1 + fn]",
        """',"$last_name":'""",
        f"{last}[1 + ln_]",
        """',"$name":'""",
        f"to_json({names}[1 + fn * {n_last} + ln_])",
        """',"$last_seen":"'""",
        f"strftime(epoch_ms(last_seen * 1000), {_ISO})",
        """'","$os":'""",
        f"{_json_list(x[0] for x in c.OPERATING_SYSTEMS)}[1 + os]",
        """',"$browser":'""",
        f"{_json_list(c.BROWSERS)}[1 + browser]",
        """',"plan":'""",
        f"{_json_list(c.PLANS)}[1 + plan]",
        """',"ltv":'""",
        "(ltv_cents / 100.0)::DOUBLE",
        """',"purchase_count":'""",
        "purchases",
        """',"age":'""",
        "18 + rint(i, 0, 62, 53)",
        """',"is_beta":'""",
        "CASE WHEN rnd(i, 0, 63) < 0.15 THEN 'true' ELSE 'false' END",
        """',"interests":'""",
        f"""to_json(list_distinct([{interests}[1 + rint(i, 0, 64, {n_int})],
                                   {interests}[1 + rint(i, 0, 65, {n_int})]]))""",
        """',"preferences":{"newsletter":'""",
        "CASE WHEN rnd(i, 0, 66) < 0.4 THEN 'true' ELSE 'false' END",
        """',"theme":'""",
        f"{themes}[1 + rint(i, 0, 67, {len(c.THEMES)})]",
        "'}'",
        """CASE WHEN company IS NOT NULL
                THEN concat(',"company_id":"', printf('c%04d', company + 1), '"') ELSE '' END""",
        """',"signup_method":'""",
        _pick(_json_list(c.SIGNUP_METHODS), len(c.SIGNUP_METHODS), "i", "0", 43),
        "'}'",
    )
    return f"""
    CREATE OR REPLACE TABLE profiles AS
    WITH agg AS (
        SELECT i,
               max(time_ms) FILTER (WHERE NOT anonymous) AS last_ms,
               min(time_ms) FILTER (WHERE code = {c.SIGN_UP}) AS signup_ms,
               coalesce(sum(amount_cents), 0) AS ltv_cents,
               count(*) FILTER (WHERE code = {c.PURCHASE}) AS purchases
        FROM g_events2 GROUP BY i
    ), p AS (
        SELECT u.*, rint(u.i, 0, 60, {n_first}) AS fn, rint(u.i, 0, 61, {n_last}) AS ln_,
               coalesce(a.signup_ms // 1000, u.created_s) AS created,
               coalesce(a.last_ms // 1000, a.signup_ms // 1000, u.created_s) AS last_seen,
               coalesce(a.ltv_cents, 0) AS ltv_cents, coalesce(a.purchases, 0) AS purchases
        FROM g_users u LEFT JOIN agg a USING (i)
    )
    SELECT distinct_id, ({properties})::JSON AS properties FROM p ORDER BY i
    """


def _groups_sql(plan: SynthPlan) -> str:
    c = cat
    n_companies = max(3, plan.users // 20)
    names = _sql_list(f"{p} {s}" for p in c.COMPANY_PREFIXES for s in c.COMPANY_SUFFIXES)
    n_names = len(c.COMPANY_PREFIXES) * len(c.COMPANY_SUFFIXES)
    created = f"{plan.start_ts} - 86400 * (30 + rint(j, 1, 75, 900))"
    properties = _cat(
        """'{"$name":'""",
        f"""to_json(concat({names}[1 + (j * 7 + rint(j, 1, 70, {n_names})) % {n_names}],
                           CASE WHEN j >= {n_names} THEN ' ' || (j + 1) ELSE '' END))""",
        """',"industry":'""",
        _pick(_json_list(c.INDUSTRIES), len(c.INDUSTRIES), "j", "1", 71),
        """',"employees":'""",
        "5 + rint(j, 1, 72, 5000)",
        """',"plan":'""",
        _pick(_json_list(c.PLANS), len(c.PLANS), "j", "1", 73),
        """',"country":'""",
        _pick(_json_list(x[2] for x in c.CITIES), len(c.CITIES), "j", "1", 74),
        """',"$created":"'""",
        f"strftime(epoch_ms(({created}) * 1000), {_ISO})",
        """'"}'""",
    )
    return f"""
    CREATE OR REPLACE TABLE group_profiles AS
    SELECT 'company_id' AS group_key, printf('c%04d', j + 1) AS group_id,
           ({properties})::JSON AS properties
    FROM range({n_companies}) t(j) ORDER BY j
    """


def _identities_sql() -> str:
    return """
    CREATE OR REPLACE TABLE identity_merges AS
    SELECT '$device:' || u.device_id AS distinct_id, u.distinct_id AS canonical_id,
           '$identify' AS source, min(v.time_ms) // 1000 AS time
    FROM g_users u JOIN g_events2 v USING (i)
    WHERE v.anonymous
    GROUP BY ALL ORDER BY time, canonical_id
    """


# Events are written in slices so that a 10M-event project never sorts all its JSON at once.
_INSERT_SLICE = 1_000_000


def generate(con: Any, plan: SynthPlan) -> None:
    """Create ``events``, ``profiles``, ``group_profiles`` and ``identity_merges`` in ``con``."""
    if plan.users < 1 or plan.days < 1:
        raise ValueError("users and days must be at least 1")
    for sql in (
        _macros(plan.seed),
        _users_sql(plan),
        _sessions_sql(plan),
        _event_rows_sql(),
        _order_sql(),
        EVENTS_DDL,
    ):
        con.execute(sql)
    total = con.execute("SELECT count(*) FROM g_ordered").fetchone()[0]
    for first in range(0, total, _INSERT_SLICE):
        con.execute(_insert_events_sql(first, first + _INSERT_SLICE))
    for sql in (_profiles_sql(), _groups_sql(plan), _identities_sql()):
        con.execute(sql)
    for table in ("g_ordered", "g_events2", "g_sessions", "g_user_sessions", "g_users"):
        con.execute(f"DROP TABLE {table}")
