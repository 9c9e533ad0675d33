"""Lists that discovery calls return: still a plain ``list``, plus ``.df`` and notebook display.

:class:`ResultList` subclasses ``list``, so ``for``, ``len``, indexing, ``==`` with a list and
``json.dumps`` keep working; it adds a DataFrame (one row per item) and a compact table in Jupyter.

Example:
    >>> events = ResultList(["Signed Up", "Purchase"], column="event")
    >>> events == ["Signed Up", "Purchase"], list(events.df["event"])
    (True, ['Signed Up', 'Purchase'])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


class ResultList(list[T]):
    """A list of discovery answers (names, :class:`FunnelInfo`, ...) with ``.df``.

    ``.df`` has one column named ``column`` for plain values (event names, property values), or
    one column per field for items with ``to_dict()`` and for mappings (schemas).
    """

    def __init__(self, items: Iterable[T] = (), *, column: str = "value") -> None:
        super().__init__(items)
        self.column = column

    @property
    def df(self) -> pd.DataFrame:
        """A DataFrame with one row per item (built on every access; the list may change)."""
        import pandas as pd

        if self and all(hasattr(i, "to_dict") or isinstance(i, Mapping) for i in self):
            return pd.DataFrame([_record(i) for i in self])
        return pd.DataFrame({self.column: pd.Series(list(self), dtype=_dtype(self))})

    def _heading(self) -> list[str]:
        return [f"{len(self):,} {self.column}(s)"]

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the count, then the first items as a table."""
        from mixpanel_data.results._html import html_block

        return html_block(self._heading(), self.df)

    def _repr_markdown_(self) -> str:
        """The same as :meth:`_repr_html_`, as Markdown."""
        from mixpanel_data.results._html import markdown

        return markdown(self._heading(), self.df)


def _record(item: Any) -> dict[str, Any]:
    return dict(item) if isinstance(item, Mapping) else dict(item.to_dict())


def _dtype(items: list[Any]) -> str:
    return "string" if all(isinstance(i, str) for i in items) else "object"


__all__ = ["ResultList"]
