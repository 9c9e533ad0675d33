"""to_sql: the DuckDB condition selects exactly the rows matches() accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import matches, parse, to_sql, to_text

EVENTS: list[dict[str, Any]] = [
    {
        "event": "Signup",
        "time": 1_709_294_400,
        "distinct_id": "u1",
        "properties": {
            "country": "US",
            "n": 5,
            "f": 2.5,
            "b": True,
            "tags": ["a", 1, None],
            "o": {"k": "v", "d": {"x": 1}},
            "it's": "quote",
            "a/b~c": 1,
            "nul": None,
        },
    },
    {
        "event": "Buy",
        "time": 1_709_380_800,
        "distinct_id": "u2",
        "properties": {
            "country": "GB",
            "n": 5.0,
            "f": -1,
            "b": False,
            "tags": "a string",
            "o": {"k": 3},
            "nul": 0,
        },
    },
    {
        "event": "Buy",
        "time": 1_709_467_200_000,
        "distinct_id": None,  # a millisecond time
        "properties": {"country": "us", "n": "5", "tags": [], "o": "flat"},
    },
    {"event": "View", "time": 1_709_200_000, "distinct_id": "u3", "properties": {}},
    {"event": "View", "time": 1_709_200_000, "distinct_id": "u4", "properties": None},
]


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE events (id INTEGER, event VARCHAR, time BIGINT, distinct_id VARCHAR, "
        "properties JSON)"
    )
    for i, row in enumerate(EVENTS):
        props = None if row["properties"] is None else json.dumps(row["properties"])
        con.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            [i, row["event"], row["time"], row["distinct_id"], props],
        )
    yield con
    con.close()


def sql_ids(db: duckdb.DuckDBPyConnection, condition: str) -> list[int]:
    rows = db.execute(f"SELECT id FROM events WHERE {condition} ORDER BY id").fetchall()
    return [r[0] for r in rows]


def python_ids(text: str) -> list[int]:
    ids = []
    for i, row in enumerate(EVENTS):
        event = {"$event_name": row["event"], "$time": row["time"]}
        if row["distinct_id"] is not None:
            event["$distinct_id"] = row["distinct_id"]
        if matches(text, properties=row["properties"], event=event):
            ids.append(i)
    return ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('properties["country"] == "US"', [0]),
        ('properties["country"] != "US"', [1, 2, 3, 4]),
        ('"US" == properties["country"]', [0]),
        ('properties["n"] == 5', [0, 1]),
        ('properties["n"] > 4.5', [0, 1]),
        ('4.5 < properties["n"]', [0, 1]),
        ('properties["n"] >= "5"', [2]),
        ('properties["country"] < "Z"', [0, 1]),  # "us" sorts after "Z"
        ('not properties["n"] > 4.5', [2, 3, 4]),
        ('properties["f"] <= 0', [1]),
        ('properties["b"] == true', [0]),
        ('properties["b"] == false', [1]),
        ('properties["nul"] == null', [0]),
        ('defined(properties["nul"])', [0, 1]),
        ('not defined(properties["country"])', [3, 4]),
        ('properties["country"] in ["US", "GB"]', [0, 1]),
        ('properties["country"] not in ["US", "GB"]', [2, 3, 4]),
        ('properties["n"] in [5]', [0, 1]),
        ('properties["n"] in []', []),
        ('properties["country"] in "USA"', [0]),
        ('"a" in properties["tags"]', [0, 1]),
        ('1 in properties["tags"]', [0]),
        ('null in properties["tags"]', [0]),
        ('"a" not in properties["tags"]', [2, 3, 4]),
        ('"str" in properties["tags"]', [1]),
        ('properties["o"]["k"] == "v"', [0]),
        ('properties["o"]["d"]["x"] == 1', [0]),
        ('defined(properties["o"]["k"])', [0, 1]),
        ('properties["it\'s"] == "quote"', [0]),
        ('properties["a/b~c"] == 1', [0]),
        ('event["$event_name"] == "Buy"', [1, 2]),
        ('event["$event_name"] in ["Signup", "View"]', [0, 3, 4]),
        ('"uy" in event["$event_name"]', [1, 2]),
        ('event["$distinct_id"] == "u1"', [0]),
        ('defined(event["$distinct_id"])', [0, 1, 3, 4]),
        ('event["$time"] > 1709300000', [1, 2]),
        ('event["$time"] >= datetime(2024, 3, 2)', [1, 2]),
        ('event["$time"] < datetime("2024-03-03T00:00:00")', [0, 1, 3, 4]),
        ('event["$time"] == datetime(2024, 3, 1, 12)', [0]),
        ('event["$event_name"] == "Buy" and properties["n"] == 5', [1]),
        ('event["$event_name"] == "View" or properties["b"] == true', [0, 3, 4]),
        ('not (properties["n"] == 5 or properties["n"] == "5")', [3, 4]),
        ("true", [0, 1, 2, 3, 4]),
        ("1 > 2", []),
        ('properties["n"] > -(-4)', [0, 1]),
        ('properties["n"] in [1 + 4]', [0, 1]),
    ],
)
def test_sql_selects_what_matches_selects(
    db: duckdb.DuckDBPyConnection, text: str, expected: list[int]
) -> None:
    assert python_ids(text) == expected  # the table above is itself checked against matches()
    assert sql_ids(db, to_sql(text)) == expected


def test_columns_are_configurable(db: duckdb.DuckDBPyConnection) -> None:
    db.execute("CREATE TABLE profiles AS SELECT distinct_id, properties AS props FROM events")
    condition = to_sql('user["country"] == "GB"', properties="props", user="props")
    rows = db.execute(f"SELECT distinct_id FROM profiles WHERE {condition}").fetchall()
    assert rows == [("u2",)]
    renamed = to_sql('event["$event_name"] == "x"', event_columns={"$event_name": "name"})
    assert '"name" = ' in renamed


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('properties["a"] == properties["b"]', "'==' between two properties"),
        ('"a" in properties["b"] + "x"', "a computed value"),
        ('properties["a"] + 1 > 2', "a computed value"),
        ('number(properties["a"]) > 2', "a computed value"),
        ('properties["a"]', "this value used as a condition"),
        ('properties["a"] and true', "this value used as a condition"),
        ('"x"', "a constant that is not true or false"),
        ('properties["a"] == [1]', "comparing with a list"),
        ('properties["a"] > datetime(2024, 1, 1)', "comparing a datetime with a property"),
        ('[1] in properties["a"]', "looking for a list or datetime"),
        ('properties["a"][0] == 1', "indexing with anything but a name"),
        ('properties["a"]["0"] == 1', "indexing with anything but a name"),
        ('user["a"] == 1', "user[...]"),
        ('group_properties["g"]["a"] == 1', "group_properties[...]"),
        ('properties["a"] == "nul\\u0000"', "this constant"),
    ],
)
def test_outside_the_subset_raises(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        to_sql(text)
    assert fragment in caught.value.message
    assert caught.value.message.endswith("cannot be compiled to SQL")
    assert caught.value.expression == text


def test_to_sql_accepts_a_tree() -> None:
    text = 'properties["n"] > 1'
    assert to_sql(parse(text)) == to_sql(text)


# -- differential: random filters over random records ------------------------------------------

KEYS = ["a", "b", "c"]
short_text = st.text(alphabet="ab'\"é\\%_ ", max_size=3)
scalar = st.one_of(
    short_text,
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([0.5, -1.5, 2.0, 1e20]),
    st.booleans(),
    st.none(),
)
json_value = st.one_of(scalar, st.lists(scalar, max_size=3), st.builds(lambda v: {"k": v}, scalar))
record = st.dictionaries(st.sampled_from(KEYS), json_value, max_size=3)

accessor_text = st.sampled_from(['properties["a"]', 'properties["b"]', 'properties["c"]["k"]'])
constant_text = st.one_of(
    scalar.map(lambda v: to_text(parse(json.dumps(v))) if v is not None else "null"),
    st.lists(scalar, max_size=3).map(lambda vs: "[" + ", ".join(json.dumps(v) for v in vs) + "]"),
)


@st.composite
def condition(draw: st.DrawFn, depth: int = 0) -> str:
    choice = draw(st.integers(min_value=0, max_value=5 if depth < 2 else 2))
    acc, const = draw(accessor_text), draw(constant_text)
    if choice == 0:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"{acc} {op} {const}" if draw(st.booleans()) else f"{const} {op} {acc}"
    if choice == 1:
        op = draw(st.sampled_from(["in", "not in"]))
        return f"{acc} {op} {const}" if draw(st.booleans()) else f"{const} {op} {acc}"
    if choice == 2:
        return f"defined({acc})"
    if choice == 3:
        return f"not ({draw(condition(depth + 1))})"
    op = draw(st.sampled_from(["and", "or"]))
    return f"({draw(condition(depth + 1))}) {op} ({draw(condition(depth + 1))})"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=1, max_size=6), condition())
def test_sql_agrees_with_matches_on_random_data(records: list[dict[str, Any]], text: str) -> None:
    try:
        condition_sql = to_sql(text)
    except ExpressionError as err:
        assert "cannot be compiled to SQL" in err.message
        return
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE events (id INTEGER, properties JSON)")
        con.executemany(
            "INSERT INTO events VALUES (?, ?)", [[i, json.dumps(r)] for i, r in enumerate(records)]
        )
        got = [
            r[0]
            for r in con.execute(
                f"SELECT id FROM events WHERE {condition_sql} ORDER BY id"
            ).fetchall()
        ]
    finally:
        con.close()
    expected = [i for i, r in enumerate(records) if matches(text, properties=r)]
    assert got == expected, (text, condition_sql)
