"""``POST /api/query/jql``: an honest subset of Mixpanel's JQL, run in embedded V8.

The form carries ``script`` (JavaScript defining ``main()``) and optionally ``params`` (JSON object
text, visible to the script as ``params``). The script runs in a fresh V8 context
(``py_mini_racer``) per request, in two phases, the way JQL itself is declarative: ``main()``
builds a lazy query (``Events(...)``, ``People(...)``, ``join(...)`` and a chain of transforms);
the sandbox then reads the events and profiles the query's sources name, filters them with the
selectors (Mixpanel's expression language, evaluated in Python with
:mod:`mixpanel_data.expressions`), hands them to V8 as JSON, and runs the chain there.

The subset:

- ``Events({from_date, to_date, event_selectors: [{event, selector, label}]})``: dates
  ``YYYY-MM-DD`` (UTC, inclusive, both required); an event passes when any selector matches (its
  ``event`` name, when given, and its ``selector`` expression, which may read ``properties`` and
  ``event`` only). Duplicates (same event, distinct id, time and ``$insert_id``) count once, as in
  Mixpanel's queries. An event is ``{name, distinct_id, time (ms), sampling_factor: 1,
  properties}``; ``properties`` holds everything stored except ``time`` and ``distinct_id``;
  ``labels`` lists the matching selectors' labels when selectors have labels.
- ``People({user_selectors: [{selector}]})``: a user is ``{distinct_id, time, last_seen (ms, from
  $last_seen), properties}``.
- ``join(Events(...), People(...), {type})``: ``full`` (default), ``left``, ``right`` or ``inner``;
  tuples ``{distinct_id, event, user}`` (``event`` or ``user`` left out when missing), by
  distinct id then time.
- Transforms: ``.filter(fn)``, ``.map(fn | "path")``, ``.flatten()``, ``.groupBy(keys, reducer |
  [reducers])``, ``.groupByUser([keys,] reducer | [reducers])``, ``.reduce(reducer | [reducers])``,
  ``.sortAsc(accessor)``, ``.sortDesc(accessor)``. Keys and accessors are dotted paths
  (``"properties.$browser"``) or functions; ``mixpanel.multiple_keys(key)`` puts an item in one
  group per element of the array the key yields.
- Reducers: ``mixpanel.reducer.count()``, ``sum(acc)``, ``avg(acc)``, ``min(acc)``, ``max(acc)``
  (numbers only; other values are skipped; ``avg``/``min``/``max`` of nothing are ``null``),
  ``any()``, ``top(n)`` (the ``n`` items with the largest ``value``), ``numeric_summary(acc)``
  (``{count, sum, sum_squares, avg, stddev}``, population standard deviation), and functions
  ``(accumulators, items) -> value`` (called once per group with ``[]`` and every item;
  ``groupByUser`` calls a function reducer as ``(undefined, events in time order)``).
- Output: ``groupBy`` and ``groupByUser`` give ``{key: [...], value}`` rows sorted by key (nulls,
  then booleans, numbers, strings); several reducers give ``value`` as an array. ``reduce`` gives
  a one-element array.

Everything else (``_``, ``applyGroupLimits``, ``mixpanel.numeric_bucket``, other reducers, join
selectors), and every syntax error, runtime error, timeout (:data:`TIMEOUT_SECONDS`), memory
overflow or result larger than :data:`MAX_RESULT_BYTES`, answers HTTP 412 with
``{"error": "...", "request": "<path>"}``, never a partial or wrong answer. A missing ``script`` or
``params`` that is not a JSON object is a 400. Date methods in scripts use the host's time zone
(``getUTC...`` methods are safe).

Example:
    >>> [(r.method, r.path) for r in ROUTES]
    [('POST', '/api/query/jql')]
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from py_mini_racer import (
    JSEvalException,
    JSOOMException,
    JSParseException,
    JSTimeoutException,
    MiniRacer,
)

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import Expr, accessors, matches, parse
from mixpanel_data.sandbox._data import SandboxData
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError

TIMEOUT_SECONDS = 10.0
MAX_MEMORY_BYTES = 1 << 30
MAX_RESULT_BYTES = 32 * 1024 * 1024

RUNTIME = r"""
var params = {};
var __sources = [];
var __data = {};
var __query = null;

function __fail(message) { var e = new Error(message); e.name = "JQLError"; throw e; }
function __unsupported(name) {
  return function() { __fail(name + " is not supported by the sandbox's JQL"); };
}
function __isFn(f) { return typeof f === "function"; }

function __get(item, accessor) {
  if (__isFn(accessor)) return accessor(item);
  if (typeof accessor !== "string") __fail("an accessor must be a property path or a function");
  var parts = accessor.split("."), value = item;
  for (var i = 0; i < parts.length; i++) {
    if (value === null || value === undefined) return undefined;
    value = value[parts[i]];
  }
  return value;
}

function __rank(v) {
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "number") return 2;
  if (typeof v === "string") return 3;
  return 4;
}
function __cmp(a, b) {
  var ra = __rank(a), rb = __rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 4) { a = JSON.stringify(a); b = JSON.stringify(b); }
  return a < b ? -1 : a > b ? 1 : 0;
}
function __cmpKeys(a, b) {
  for (var i = 0; i < Math.min(a.length, b.length); i++) {
    var c = __cmp(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function __num(v) { return typeof v === "number" && isFinite(v) ? v : undefined; }
function __nums(items, accessor) {
  var out = [];
  for (var i = 0; i < items.length; i++) {
    var v = __num(__get(items[i], accessor));
    if (v !== undefined) out.push(v);
  }
  return out;
}
function __builtin(f) { f.__builtin = true; return f; }
function __accs(a) { return Array.isArray(a) ? a : []; }

var mixpanel = {
  reducer: {
    count: function() {
      return __builtin(function(accs, items) {
        var n = 0; __accs(accs).forEach(function(a) { n += a; }); return n + items.length;
      });
    },
    sum: function(acc) {
      return __builtin(function(accs, items) {
        var s = 0; __accs(accs).forEach(function(a) { s += a; });
        __nums(items, acc).forEach(function(v) { s += v; }); return s;
      });
    },
    avg: function(acc) {
      return __builtin(function(accs, items) {
        var v = __nums(items, acc); if (!v.length) return null;
        var s = 0; v.forEach(function(x) { s += x; }); return s / v.length;
      });
    },
    min: function(acc) {
      return __builtin(function(accs, items) {
        var v = __nums(items, acc).concat(__accs(accs).filter(function(a) { return a !== null; }));
        return v.length ? Math.min.apply(null, v) : null;
      });
    },
    max: function(acc) {
      return __builtin(function(accs, items) {
        var v = __nums(items, acc).concat(__accs(accs).filter(function(a) { return a !== null; }));
        return v.length ? Math.max.apply(null, v) : null;
      });
    },
    any: function() {
      return __builtin(function(accs, items) {
        if (items.length) return items[0];
        var a = __accs(accs); return a.length ? a[0] : null;
      });
    },
    top: function(limit) {
      if (typeof limit !== "number" || limit < 0) __fail("top(limit) needs a number");
      return __builtin(function(accs, items) {
        var all = items.slice();
        __accs(accs).forEach(function(a) { all = all.concat(a); });
        all.sort(function(x, y) { return __cmp(__get(y, "value"), __get(x, "value")); });
        return all.slice(0, limit);
      });
    },
    numeric_summary: function(acc) {
      return __builtin(function(accs, items) {
        var v = __nums(items, acc), s = 0, sq = 0;
        v.forEach(function(x) { s += x; sq += x * x; });
        var n = v.length, avg = n ? s / n : 0;
        var variance = n ? Math.max(sq / n - avg * avg, 0) : 0;
        return {count: n, sum: s, sum_squares: sq, avg: avg, stddev: Math.sqrt(variance)};
      });
    },
    numeric_percentiles: __unsupported("mixpanel.reducer.numeric_percentiles"),
    object_merge: __unsupported("mixpanel.reducer.object_merge"),
    null: __unsupported("mixpanel.reducer.null"),
    applyGroupLimits: __unsupported("mixpanel.reducer.applyGroupLimits"),
  },
  multiple_keys: function(key) { return {__multiple: true, key: key}; },
  numeric_bucket: __unsupported("mixpanel.numeric_bucket"),
  to_number: __unsupported("mixpanel.to_number"),
  to_string: __unsupported("mixpanel.to_string"),
  to_boolean: __unsupported("mixpanel.to_boolean"),
};

function __reducers(r, where) {
  var list = Array.isArray(r) ? r : [r];
  if (!list.length) __fail(where + " needs a reducer");
  list.forEach(function(f) { if (!__isFn(f)) __fail(where + ": a reducer must be a function"); });
  return {list: list, many: Array.isArray(r)};
}
function __keys(keys, where) {
  var list = Array.isArray(keys) ? keys : [keys];
  list.forEach(function(k) {
    var key = k && k.__multiple ? k.key : k;
    if (!__isFn(key) && typeof key !== "string") {
      __fail(where + ": a key must be a path or a function");
    }
  });
  return list;
}

function Query(source, steps) { this.__source = source; this.__steps = steps || []; }
Query.prototype.__then = function(step) {
  return new Query(this.__source, this.__steps.concat([step]));
};
Query.prototype.filter = function(fn) {
  if (!__isFn(fn)) __fail("filter() needs a function");
  return this.__then({op: "filter", fn: fn});
};
Query.prototype.map = function(fn) {
  if (!__isFn(fn) && typeof fn !== "string") __fail("map() needs a function or a property path");
  return this.__then({op: "map", fn: fn});
};
Query.prototype.flatten = function() { return this.__then({op: "flatten"}); };
Query.prototype.groupBy = function(keys, reducers) {
  return this.__then(
    {op: "groupBy", keys: __keys(keys, "groupBy"), reducers: __reducers(reducers, "groupBy")});
};
Query.prototype.groupByUser = function(a, b) {
  var keys = b === undefined ? [] : __keys(a, "groupByUser");
  var reducers = __reducers(b === undefined ? a : b, "groupByUser");
  return this.__then({op: "groupByUser", keys: keys, reducers: reducers});
};
Query.prototype.reduce = function(reducers) {
  return this.__then({op: "reduce", reducers: __reducers(reducers, "reduce")});
};
Query.prototype.sortAsc = function(acc) { return this.__then({op: "sort", acc: acc, dir: 1}); };
Query.prototype.sortDesc = function(acc) { return this.__then({op: "sort", acc: acc, dir: -1}); };
Query.prototype.applyGroupLimits = __unsupported("applyGroupLimits()");

function __source(kind, spec) {
  if (spec !== undefined && (spec === null || typeof spec !== "object" || Array.isArray(spec)))
    __fail(kind + "() takes one object argument");
  __sources.push({kind: kind, params: spec === undefined ? {} : spec});
  return new Query({type: "source", id: __sources.length - 1, kind: kind});
}
function Events(spec) { return __source("events", spec); }
function People(spec) { return __source("people", spec); }
function join(events, people, options) {
  if (!(events instanceof Query) || events.__source.kind !== "events" || events.__steps.length)
    __fail("join() takes Events(...) first, without transformations");
  if (!(people instanceof Query) || people.__source.kind !== "people" || people.__steps.length)
    __fail("join() takes People(...) second, without transformations");
  options = options || {};
  if (options.selectors !== undefined) {
    __fail("join selectors are not supported by the sandbox's JQL");
  }
  var how = options.type === undefined ? "full" : options.type;
  if (["full", "left", "right", "inner"].indexOf(how) < 0) {
    __fail("join type must be full, left, right or inner");
  }
  return new Query({type: "join", kind: "join", how: how,
                    events: events.__source.id, people: people.__source.id});
}

function __main() {
  if (typeof main !== "function") __fail("the script must define a main() function");
  __query = main();
  if (!(__query instanceof Query)) {
    __fail("main() must return a query built from Events(), People() or join()");
  }
  return JSON.stringify(__sources);
}

function __joined(src) {
  var events = __data[src.events], people = __data[src.people], users = {}, byUser = {}, order = [];
  people.forEach(function(u) { users[u.distinct_id] = u; });
  events.forEach(function(e) {
    var id = e.distinct_id;
    if (!(id in byUser)) { byUser[id] = []; order.push(id); }
    byUser[id].push(e);
  });
  people.forEach(function(u) { if (!(u.distinct_id in byUser)) order.push(u.distinct_id); });
  order.sort(__cmp);
  var out = [], how = src.how;
  order.forEach(function(id) {
    var user = users[id], evs = byUser[id] || [];
    if (user === undefined && (how === "inner" || how === "right")) return;
    if (!evs.length && (how === "inner" || how === "left")) return;
    if (!evs.length) { out.push({distinct_id: id, user: user}); return; }
    evs.forEach(function(e) {
      var t = {distinct_id: id, event: e};
      if (user !== undefined) t.user = user;
      out.push(t);
    });
  });
  return out;
}

function __apply(reducers, accs, items) {
  var values = reducers.list.map(function(r) {
    return r(r.__builtin ? [] : accs, items);
  });
  return reducers.many ? values : values[0];
}

function __group(items, keys, reducers, byUser) {
  var groups = {}, order = [];
  items.forEach(function(item) {
    var combos = [[]];
    if (byUser) {
      if (item === null || typeof item !== "object" || item.distinct_id === undefined)
        __fail("groupByUser() needs items with a distinct_id");
      combos = [[item.distinct_id]];
    }
    keys.forEach(function(k) {
      var values;
      if (k && k.__multiple) {
        var v = __get(item, k.key);
        values = Array.isArray(v) ? v : [v];
      } else {
        values = [__get(item, k)];
      }
      var next = [];
      combos.forEach(function(c) {
        values.forEach(function(v) { next.push(c.concat([v === undefined ? null : v])); });
      });
      combos = next;
    });
    combos.forEach(function(c) {
      var id = JSON.stringify(c);
      if (!(id in groups)) { groups[id] = {key: c, items: []}; order.push(id); }
      groups[id].items.push(item);
    });
  });
  var rows = order.map(function(id) {
    var g = groups[id], members = g.items;
    if (byUser) members = members.slice().sort(function(a, b) {
      var ta = a.time !== undefined ? a.time : a.event && a.event.time;
      var tb = b.time !== undefined ? b.time : b.event && b.event.time;
      return __cmp(ta, tb);
    });
    return {key: g.key, value: __apply(reducers, byUser ? undefined : [], members)};
  });
  rows.sort(function(a, b) { return __cmpKeys(a.key, b.key); });
  return rows;
}

function __run() {
  var src = __query.__source;
  var items = src.type === "join" ? __joined(src) : __data[src.id].slice();
  __query.__steps.forEach(function(step) {
    if (step.op === "filter") items = items.filter(function(x) { return step.fn(x); });
    else if (step.op === "map") items = items.map(function(x) { return __get(x, step.fn); });
    else if (step.op === "flatten") {
      var flat = [];
      items.forEach(function(x) {
        if (Array.isArray(x)) flat.push.apply(flat, x); else flat.push(x);
      });
      items = flat;
    }
    else if (step.op === "groupBy") items = __group(items, step.keys, step.reducers, false);
    else if (step.op === "groupByUser") items = __group(items, step.keys, step.reducers, true);
    else if (step.op === "reduce") items = [__apply(step.reducers, [], items)];
    else if (step.op === "sort") {
      var keyed = items.map(function(x, i) { return {k: __get(x, step.acc), i: i, x: x}; });
      keyed.sort(function(a, b) { return step.dir * __cmp(a.k, b.k) || a.i - b.i; });
      items = keyed.map(function(e) { return e.x; });
    }
  });
  return JSON.stringify(items);
}
"""


class JQLError(Exception):
    """Why a script failed (becomes the 412 body's ``error``)."""


@dataclass(frozen=True)
class _Selector:
    event: str | None
    tree: Expr | None
    label: str | None


def _deadline_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise JQLError(f"Query timed out after {TIMEOUT_SECONDS:g} seconds")
    return left


def _js_message(exc: JSEvalException) -> str:
    """``Uncaught exception TypeError: ...`` from V8's text (first error line, no stack)."""
    for line in str(exc).splitlines():
        text = line.strip()
        head, _, rest = text.partition(": ")
        if rest and head.endswith("Error") and " " not in head:
            return f"Uncaught exception {head}: {rest}"
        if text.startswith("<anonymous>:") and ": " in text.split(": ", 1)[1]:
            name, _, message = text.split(": ", 1)[1].partition(": ")
            if name.endswith("Error"):
                return f"Uncaught exception {name}: {message}"
    first = str(exc).strip().splitlines()
    return f"Uncaught exception {first[0] if first else type(exc).__name__}"


@contextmanager
def _v8() -> Iterator[MiniRacer]:
    ctx = MiniRacer()
    try:
        yield ctx
    finally:
        ctx.close()


def _settle(ctx: MiniRacer) -> None:
    """Let V8 finish the task a timeout cancelled before the context closes.

    The cancelled task still reports back to the context's event loop; closing first makes
    that report land on a closed loop (an error printed by ctypes).
    """
    try:
        ctx.eval("0", timeout_sec=2.0)
    except Exception:  # best effort: the context is closed next anyway
        return


def _eval(ctx: MiniRacer, code: str, deadline: float) -> Any:
    try:
        return ctx.eval(code, timeout_sec=_deadline_left(deadline), max_memory=MAX_MEMORY_BYTES)
    except JSTimeoutException as exc:
        _settle(ctx)
        raise JQLError(f"Query timed out after {TIMEOUT_SECONDS:g} seconds") from exc
    except JSOOMException as exc:
        raise JQLError("Query used too much memory") from exc
    except JSParseException as exc:
        raise JQLError(
            "Compilation error: " + _js_message(exc).removeprefix("Uncaught exception ")
        ) from exc
    except JSEvalException as exc:
        raise JQLError(_js_message(exc)) from exc


# -- sources --------------------------------------------------------------------------------------


def _day(params: Mapping[str, Any], name: str) -> date:
    value = params.get(name)
    if not isinstance(value, str):
        raise JQLError(f"Events() needs {name} as a 'YYYY-MM-DD' string")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise JQLError(f"Events(): {name} is not a valid YYYY-MM-DD date: {value!r}") from exc


def _expression(text: Any, *, events: bool) -> Expr:
    if not isinstance(text, str):
        raise JQLError("a selector must be a string expression")
    try:
        tree = parse(text)
    except ExpressionError as exc:
        raise JQLError(f"invalid selector {text!r}: {exc.message}") from exc
    allowed = ("properties", "event") if events else ("properties", "user")
    for accessor in accessors(tree):
        if accessor.source not in allowed:
            raise JQLError(
                f"selector {text!r} reads {accessor.source}[...]; "
                f"{'event' if events else 'user'} selectors can read only {' and '.join(allowed)}"
            )
    return tree


def _event_selectors(params: Mapping[str, Any]) -> list[_Selector]:
    raw = params.get("event_selectors")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise JQLError("event_selectors must be a list of {event, selector} objects")
    selectors = []
    for item in raw:
        if not isinstance(item, dict):
            raise JQLError("event_selectors must be a list of {event, selector} objects")
        event = item.get("event")
        if event is not None and not isinstance(event, str):
            raise JQLError("an event selector's event must be a string")
        selector = item.get("selector")
        tree = _expression(selector, events=True) if selector not in (None, "") else None
        label = item.get("label")
        selectors.append(_Selector(event, tree, label if isinstance(label, str) else None))
    return selectors


def _epoch_ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp()) * 1000


def _events(data: SandboxData, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    start, end = _day(params, "from_date"), _day(params, "to_date")
    if end < start:
        raise JQLError("Events(): to_date must not be before from_date")
    selectors = _event_selectors(params)
    names = sorted({s.event for s in selectors if s.event is not None})
    name_filter = (
        "AND list_contains($3, event)" if selectors and all(s.event for s in selectors) else ""
    )
    args: list[Any] = [_epoch_ms(start), _epoch_ms(end + timedelta(days=1))]
    if name_filter:
        args.append(names)
    with data.cursor() as cur:
        rows = cur.execute(
            f"""SELECT event, distinct_id, time, time_ms, properties FROM (
                    SELECT DISTINCT ON (event, distinct_id, time, coalesce(insert_id, '#' || seq))
                           event, distinct_id, time, time_ms, properties, seq
                    FROM events WHERE time_ms >= $1 AND time_ms < $2 {name_filter}
                    ORDER BY event, distinct_id, time, coalesce(insert_id, '#' || seq), seq)
                ORDER BY time_ms, seq""",
            args,
        ).fetchall()
    labelled = any(s.label for s in selectors)
    out = []
    for name, distinct_id, seconds, time_ms, text in rows:
        props = json.loads(text)
        labels: list[str] = []
        if selectors:
            facts = {"$event_name": name, "$time": seconds, "$distinct_id": distinct_id}
            hit = False
            for s in selectors:
                if s.event is not None and s.event != name:
                    continue
                try:
                    ok = s.tree is None or matches(s.tree, properties=props, event=facts)
                except ExpressionError as exc:
                    raise JQLError(f"selector failed: {exc.message}") from exc
                if ok:
                    hit = True
                    if s.label:
                        labels.append(s.label)
            if not hit:
                continue
        props.pop("time", None)
        props.pop("distinct_id", None)
        event: dict[str, Any] = {
            "name": name,
            "distinct_id": distinct_id,
            "time": int(time_ms),
            "sampling_factor": 1.0,
            "properties": props,
        }
        if labelled:
            event["labels"] = labels
        out.append(event)
    return out


def _last_seen_ms(props: Mapping[str, Any]) -> int | None:
    value = props.get("$last_seen")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)


def _people(data: SandboxData, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = params.get("user_selectors")
    if raw is not None and not isinstance(raw, list):
        raise JQLError("user_selectors must be a list of {selector} objects")
    trees = []
    for item in raw or []:
        if not isinstance(item, dict):
            raise JQLError("user_selectors must be a list of {selector} objects")
        if item.get("selector") not in (None, ""):
            trees.append(_expression(item["selector"], events=False))
    with data.cursor() as cur:
        rows = cur.execute(
            "SELECT distinct_id, properties FROM profiles ORDER BY distinct_id"
        ).fetchall()
    out = []
    for distinct_id, text in rows:
        props = json.loads(text)
        try:
            if trees and not any(matches(t, properties=props, user=props) for t in trees):
                continue
        except ExpressionError as exc:
            raise JQLError(f"selector failed: {exc.message}") from exc
        seen = _last_seen_ms(props)
        out.append(
            {"distinct_id": distinct_id, "time": seen, "last_seen": seen, "properties": props}
        )
    return out


# -- running --------------------------------------------------------------------------------------


def run_script(data: SandboxData, script: str, params: Mapping[str, Any]) -> str:
    """The script's result as JSON text; :class:`JQLError` when it fails."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    with _v8() as ctx:
        _eval(ctx, RUNTIME, deadline)
        _eval(ctx, f"params = JSON.parse({json.dumps(json.dumps(params))});", deadline)
        _eval(ctx, script, deadline)
        sources = json.loads(_eval(ctx, "__main()", deadline))
        for n, source in enumerate(sources):
            spec = source.get("params") or {}
            rows = _events(data, spec) if source["kind"] == "events" else _people(data, spec)
            _deadline_left(deadline)
            text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
            _eval(ctx, f"__data[{n}] = JSON.parse({json.dumps(text)});", deadline)
        result = _eval(ctx, "__run()", deadline)
    if not isinstance(result, str):
        raise JQLError("the query's result cannot be written as JSON")
    if len(result.encode()) > MAX_RESULT_BYTES:
        raise JQLError(f"Query result is larger than {MAX_RESULT_BYTES} bytes")
    return result


def _failure(req: Request, message: str) -> SandboxHTTPError:
    return SandboxHTTPError(412, message, body={"error": message, "request": req.path})


def jql(req: Request) -> Response:
    """Run a script and answer its result (a JSON array), or 412 with why it failed."""
    script = req.require("script")
    params = req.arg_json("params", {})
    if not isinstance(params, dict):
        raise SandboxHTTPError(400, "params must be a JSON object")
    try:
        result = run_script(req.state.data, script, params)
    except JQLError as exc:
        raise _failure(req, str(exc)) from exc
    return Response(body=result.encode())


ROUTES = [Route("POST", "/api/query/jql", "project", jql)]
