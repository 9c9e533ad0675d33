"""The tool parameters several tools share, each with a description an agent can act on.

Tool modules annotate their parameters with these (``from_date: FromDate``); the SDK turns the
type, the bounds and the description into the tool's JSON input schema.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mixpanel_data.mcp._shape import MAX_ROWS

Event = Annotated[str, Field(description="An event name exactly as list_events gives it.")]
FromDate = Annotated[
    str, Field(description="First day, YYYY-MM-DD, inclusive (UTC), e.g. 2026-10-01.")
]
ToDate = Annotated[
    str, Field(description="Last day, YYYY-MM-DD, inclusive (UTC), e.g. 2026-10-31.")
]
OptionalFromDate = Annotated[
    str | None, Field(description="First day, YYYY-MM-DD, inclusive (optional).")
]
OptionalToDate = Annotated[
    str | None, Field(description="Last day, YYYY-MM-DD, inclusive (optional).")
]
Unit = Annotated[
    Literal["hour", "day", "week", "month"], Field(description="The time bucket of each row.")
]
HourOrDay = Annotated[
    Literal["hour", "day"], Field(description="The time bucket of each row (hour or day).")
]
Where = Annotated[
    str | None,
    Field(
        description='A filter expression, e.g. properties["plan"] == "pro" and '
        'properties["amount"] > 10 (optional).'
    ),
]
NumericOn = Annotated[
    str, Field(description='A numeric property or expression, e.g. properties["amount"].')
]
MaxRows = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_ROWS,
        description=f"Most rows to return (1..{MAX_ROWS}); the answer says when rows were cut.",
    ),
]
Table = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="A table name in the local store (letters, digits, underscore).",
    ),
]
