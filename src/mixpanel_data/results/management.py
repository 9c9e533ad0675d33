"""Results of the management APIs (annotations, GDPR jobs, schemas, flags, ...): one typed pair.

Mixpanel's app APIs answer objects of many shapes; rather than one class per shape, every
management method returns a :class:`Record` (one object) or :class:`Records` (a list of them),
both named by ``kind`` and keeping the fields exactly as Mixpanel sent them.

Example:
    >>> note = Record("annotation", {"id": 7, "date": "2026-01-02", "description": "Launch"})
    >>> note["id"], note.get("tags", [])
    (7, [])
    >>> Records("annotation", ({"id": 7}, {"id": 8})).ids
    [7, 8]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import ResultBase, jsonable, short_table

# Fields whose values a repr or str never shows (a new service account's secret, tokens).
_HIDDEN = frozenset({"secret", "token", "api_secret", "password", "oauth_token"})


def _shown(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: "***" if str(k).lower() in _HIDDEN else v for k, v in data.items()}


if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Record(ResultBase):
    """One object from a management API.

    Attributes:
        kind: what it is (``"annotation"``, ``"gdpr_deletion"``, ``"feature_flag"``, ...).
        data: its fields as Mixpanel sent them.

    ``.df`` is one row with one column per top-level field (nested values stay objects);
    ``to_dict()`` is ``data``. ``repr()`` and ``str()`` mask fields such as ``secret``.
    """

    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` when Mixpanel did not send it."""
        return self.data.get(key, default)

    @property
    def id(self) -> Any:
        """The object's ``id`` (``None`` for objects without one)."""
        return self.data.get("id")

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON data."""
        return {str(k): jsonable(v) for k, v in self.data.items()}

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([dict(self.data)])

    def __repr__(self) -> str:
        return f"Record(kind={self.kind!r}, data={_shown(self.data)!r})"

    def __str__(self) -> str:
        return f"{self.kind}:\n" + short_table(
            [[k, v] for k, v in _shown(self.data).items()], ["field", "value"], limit=50
        )


@dataclass(frozen=True)
class Records(ResultBase):
    """A list of objects from a management API (iterate it, ``len()`` it, or take ``.df``).

    Attributes:
        kind: what each item is.
        items: the objects as Mixpanel sent them.

    ``.df`` has one row per item and one column per top-level field; ``to_dict()`` is
    ``{"kind": ..., "items": [...]}``.
    """

    kind: str
    items: tuple[Mapping[str, Any], ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Record]:
        return (Record(self.kind, item) for item in self.items)

    def __getitem__(self, index: int) -> Record:
        return Record(self.kind, self.items[index])

    @property
    def ids(self) -> list[Any]:
        """The ``id`` of every item, in order."""
        return [item.get("id") for item in self.items]

    def rows(self) -> list[dict[str, Any]]:
        """The items as JSON data, one dict each (what the CLI prints)."""
        return [Record(self.kind, item).to_dict() for item in self.items]

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": ..., "items": [...]}`` as JSON data."""
        return {"kind": self.kind, "items": self.rows()}

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([dict(item) for item in self.items])

    def __repr__(self) -> str:
        return f"Records(kind={self.kind!r}, items={[_shown(i) for i in self.items]!r})"

    def __str__(self) -> str:
        columns = list(dict.fromkeys(k for item in self.items for k in item))[:6]
        return f"{len(self.items)} {self.kind} item(s)\n" + short_table(
            [[_shown(item).get(c) for c in columns] for item in self.items], columns
        )


__all__ = ["Record", "Records"]
