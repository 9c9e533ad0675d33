"""Table names: the one check every name passes before it reaches SQL, and identifier quoting.

Example:
    >>> quoted_table("events")
    '"events"'
    >>> quoted_table("events; DROP TABLE x")
    Traceback (most recent call last):
    ...
    mixpanel_data.exceptions.ValidationError: invalid table name 'events; DROP TABLE x': ...
"""

from __future__ import annotations

import re

from mixpanel_data.exceptions import ValidationError

TABLE_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_TABLE_NAME_LENGTH = 128

#: The engine's own bookkeeping table. Its leading underscore keeps it out of every user name.
METADATA_TABLE = "_metadata"


def validate_table_name(name: object) -> str:
    """Return ``name`` if it is a valid user table name, else raise ``ValidationError``.

    Valid: a letter, then letters, digits or ``_``; at most 128 characters.
    """
    if (
        not isinstance(name, str)
        or len(name) > MAX_TABLE_NAME_LENGTH
        or TABLE_NAME_PATTERN.fullmatch(name) is None
    ):
        raise ValidationError(
            f"invalid table name {name!r}: use a letter followed by letters, digits or '_'"
            f" (at most {MAX_TABLE_NAME_LENGTH} characters)",
            details={"table": repr(name)},
        )
    return name


def quote_identifier(name: str) -> str:
    """Quote an identifier for DuckDB (doubling any embedded quote)."""
    return '"' + name.replace('"', '""') + '"'


def quoted_table(name: object) -> str:
    """Validate a user table name and return it quoted, ready for SQL text."""
    return quote_identifier(validate_table_name(name))
