"""The result of a Flows query: which events users did next (or before), step by step.

Mixpanel's Sankey answer is a list of step columns; each column holds nodes (an event reached at
that step, with a count) and each node's edges to the next column. Counts arrive as decimal text.

Example:
    >>> raw = {"steps": [{"nodes": [{"event": "A", "type": "ANCHOR", "totalCount": "10",
    ...         "edges": [{"event": "B", "type": "FORWARD", "step": 1, "totalCount": "4"}]}]},
    ...        {"nodes": [{"event": "B", "type": "FORWARD", "totalCount": "4", "edges": []}]}]}
    >>> r = FlowsResult.from_response(raw, event="A")
    >>> [(t.event, t.next_event, t.count) for t in r.transitions]
    [('A', 'B', 4)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    TEXT_DTYPE,
    ResultBase,
    as_int,
    as_list,
    as_mapping,
    frame,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class FlowNode:
    """An event reached at one step (column) of the flow."""

    step: int
    """0-based column: 0 is the first column (the anchor for a forward flow)."""
    event: str
    type: str
    """ANCHOR, NORMAL, FORWARD, REVERSE, DROPOFF or PRUNED."""
    count: int

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return {"step": self.step, "event": self.event, "type": self.type, "count": self.count}


@dataclass(frozen=True)
class FlowTransition:
    """Users going from ``event`` at ``step`` to ``next_event`` at ``next_step``."""

    step: int
    event: str
    next_step: int
    next_event: str
    """The event reached (``$dropoff`` when users did nothing more)."""
    type: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return {
            "step": self.step,
            "event": self.event,
            "next_step": self.next_step,
            "next_event": self.next_event,
            "type": self.type,
            "count": self.count,
        }


@dataclass(frozen=True)
class FlowPath:
    """One whole path (top-paths mode) and how many users took it."""

    events: list[str]
    count: int

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return {"events": list(self.events), "count": self.count}


@dataclass(frozen=True)
class FlowsResult(ResultBase):
    """Paths users took after (or before) an anchor event.

    ``.df`` columns (one row per transition, sorted by step, then count descending):

    ==========  ===========  =======================================================
    step        ``int64``    0-based column the transition starts from
    event       ``string``   event at that column
    next_step   ``int64``    column it goes to
    next_event  ``string``   event reached (``$dropoff``: users stopped)
    type        ``string``   FORWARD, REVERSE, DROPOFF, ...
    count       ``int64``    users (or events) taking the transition
    ==========  ===========  =======================================================
    """

    bookmark_id: int | None
    """The saved report run, when it was one."""
    event: str | None
    """The anchor event of an ad-hoc flow."""
    direction: str | None
    from_date: str | None
    to_date: str | None
    computed_at: str | None
    overall_conversion_rate: float | None
    nodes: list[FlowNode] = field(repr=False)
    transitions: list[FlowTransition] = field(repr=False)
    paths: list[FlowPath] = field(repr=False)
    """Whole paths (filled in top-paths mode)."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        event: str | None = None,
        bookmark_id: int | None = None,
        direction: str | None = None,
        from_date: str | None = None,
        to_date: str | None = None,
    ) -> FlowsResult:
        """Build from the ``/arb_funnels`` JSON body (Sankey ``steps``, top-paths ``flows``)."""
        body = as_mapping(raw, what="flows response")
        nodes: list[FlowNode] = []
        transitions: list[FlowTransition] = []
        for col, step in enumerate(as_list(body.get("steps"), what="flows steps")):
            for node in as_list(as_mapping(step, what="flows step").get("nodes"), what="nodes"):
                n = as_mapping(node, what="flows node")
                name = str(n.get("event", ""))
                nodes.append(
                    FlowNode(
                        step=col,
                        event=name,
                        type=str(n.get("type", "")),
                        count=as_int(n.get("totalCount"), what="flows node totalCount"),
                    )
                )
                for edge in as_list(n.get("edges"), what="flows edges"):
                    e = as_mapping(edge, what="flows edge")
                    transitions.append(
                        FlowTransition(
                            step=col,
                            event=name,
                            next_step=as_int(e.get("step", col + 1), what="flows edge step"),
                            next_event=str(e.get("event", "")),
                            type=str(e.get("type", "")),
                            count=as_int(e.get("totalCount"), what="flows edge totalCount"),
                        )
                    )
        paths = []
        for path in as_list(body.get("flows"), what="flows paths"):
            steps = as_list(as_mapping(path, what="flows path").get("flowSteps"), what="flowSteps")
            names = [str(as_mapping(s, what="flow step").get("event", "")) for s in steps]
            last = as_mapping(steps[-1], what="flow step") if steps else {}
            paths.append(
                FlowPath(events=names, count=as_int(last.get("totalCount"), what="path count"))
            )
        rate = body.get("overallConversionRate")
        computed = body.get("computed_at")
        transitions.sort(key=lambda t: (t.step, -t.count, t.next_event))
        return cls(
            bookmark_id=bookmark_id,
            event=event,
            direction=direction,
            from_date=from_date,
            to_date=to_date,
            computed_at=None if computed is None else str(computed),
            overall_conversion_rate=float(rate) if isinstance(rate, int | float) else None,
            nodes=nodes,
            transitions=transitions,
            paths=paths,
            _raw=raw,
        )

    def _build_df(self) -> pd.DataFrame:
        t = self.transitions
        return frame(
            {
                "step": ([x.step for x in t], "int64"),
                "event": ([x.event for x in t], TEXT_DTYPE),
                "next_step": ([x.next_step for x in t], "int64"),
                "next_event": ([x.next_event for x in t], TEXT_DTYPE),
                "type": ([x.type for x in t], TEXT_DTYPE),
                "count": ([x.count for x in t], "int64"),
            }
        )

    def __str__(self) -> str:
        if self.bookmark_id is not None:
            title = f"Flows report {self.bookmark_id}"
        else:
            title = f"Flows {self.direction or 'after'} {self.event!r}"
        span = f", {self.from_date} to {self.to_date}" if self.from_date else ""
        head = f"{title}{span}: {len(self.nodes)} node(s), {len(self.transitions)} transition(s)"
        rows = [(t.step, t.event, t.next_event, t.count) for t in self.transitions]
        if rows:
            return head + "\n" + short_table(rows, ["step", "from", "to", "count"], limit=15)
        prows = [(" > ".join(p.events), p.count) for p in self.paths]
        return head + ("\n" + short_table(prows, ["path", "count"]) if prows else "")
