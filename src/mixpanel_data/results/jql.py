"""The result of a JQL script: whatever ``main()`` returned, plus a frame of it.

Example:
    >>> r = JQLResult.from_response([{"key": ["Purchased"], "value": 388},
    ...                              {"key": ["Signed Up"], "value": 1204}])
    >>> r.df.to_dict("records")
    [{'key': 'Purchased', 'value': 388}, {'key': 'Signed Up', 'value': 1204}]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import ResultBase, jsonable, short_table

if TYPE_CHECKING:
    import pandas as pd


def _is_group(item: Any) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("key"), list) and "value" in item


def _group_row(item: Mapping[str, Any], width: int) -> dict[str, Any]:
    keys = list(item["key"])
    row: dict[str, Any] = (
        {"key": keys[0] if keys else None}
        if width == 1
        else {f"key_{i}": keys[i] if i < len(keys) else None for i in range(width)}
    )
    value = item["value"]
    if isinstance(value, Mapping):
        row.update({f"value.{k}": v for k, v in value.items()})
    elif isinstance(value, list):
        row.update({f"value_{i}": v for i, v in enumerate(value)})
    else:
        row["value"] = value
    return row


@dataclass(frozen=True)
class JQLResult(ResultBase):
    """What a JQL script returned (:attr:`raw`, a list) and a frame of it.

    ``.df`` columns depend on the script:

    - ``groupBy`` output (``{"key": [...], "value": ...}`` items): ``key`` (one key) or
      ``key_0``, ``key_1``, ... then ``value`` (a number), ``value.<name>`` (an object value) or
      ``value_0``, ... (several reducers);
    - other objects: one column per (dotted, flattened) field, as ``pandas.json_normalize`` gives;
    - anything else: a single ``value`` column.

    Dtypes are those pandas infers from the JSON values.
    """

    raw: list[Any] = field(repr=False)
    """The script's return value, as parsed JSON."""
    script: str | None = field(default=None, repr=False)
    params: dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def from_response(
        cls, raw: Any, *, script: str | None = None, params: Mapping[str, Any] | None = None
    ) -> JQLResult:
        """Build from the ``/jql`` JSON body (a list; any other value is wrapped in one)."""
        items = list(raw) if isinstance(raw, list) else [raw]
        return cls(raw=items, script=script, params=None if params is None else dict(params))

    def to_dict(self) -> dict[str, Any]:
        """``{"raw": [...], "rows": n}`` (JSON-serialisable)."""
        return {"raw": jsonable(self.raw), "rows": len(self.raw)}

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        if self.raw and all(_is_group(i) for i in self.raw):
            width = max(len(i["key"]) for i in self.raw)
            return pd.DataFrame([_group_row(i, width) for i in self.raw])
        if self.raw and all(isinstance(i, Mapping) for i in self.raw):
            return pd.json_normalize(self.raw)
        return pd.DataFrame({"value": self.raw})

    def __str__(self) -> str:
        head = f"JQL result: {len(self.raw)} item(s)"
        if not self.raw:
            return head
        df = self.df
        cols = [str(c) for c in df.columns[:6]]
        rows = [list(r) for r in df[df.columns[:6]].head(10).itertuples(index=False)]
        return head + "\n" + short_table(rows, cols)
