"""Tokenizer for the where/on expression language.

Turns text into a list of :class:`Token` ending with an ``EOF`` token. Lexical mistakes (an
unterminated string, a stray ``=``, a character the language does not use) raise
:class:`~mixpanel_data.exceptions.ExpressionError` with the offset of the offending character.

Example:
    >>> [t.text for t in tokenize('properties["n"] >= 2')]
    ['properties', '[', '"n"', ']', '>=', '2', '']
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

from mixpanel_data.exceptions import ExpressionError


class TokenKind(enum.Enum):
    """What a token is."""

    STRING = "string"
    NUMBER = "number"
    NAME = "name"
    OP = "operator"
    EOF = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, the source text, the decoded value, and its 0-based offset."""

    kind: TokenKind
    text: str
    value: str | int | float | None
    pos: int

    def describe(self) -> str:
        """How error messages name this token, e.g. ``')'`` or ``number 3``."""
        if self.kind is TokenKind.EOF:
            return "end of expression"
        if self.kind is TokenKind.OP:
            return f"'{self.text}'"
        if self.kind is TokenKind.NUMBER:
            return f"number {self.text}"
        if self.kind is TokenKind.STRING:
            shown = self.text if len(self.text) <= 30 else self.text[:27] + "..."
            return f"string {shown}"
        if self.text.lower() in KEYWORDS:
            return f"'{self.text}'"
        return f"name '{self.text}'"


# Words with a fixed meaning; matched case-insensitively.
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})

_OPERATORS = ("==", "!=", ">=", "<=", ">", "<", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",")
_NUMBER = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*", re.ASCII)
_NAME_CHAR = re.compile(r"[A-Za-z0-9_$.]", re.ASCII)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r"}
_ESCAPES["t"] = "\t"
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}", re.ASCII)
_MAX_INT_DIGITS = 300  # longer integer literals are read as floats (and may be out of range)

# Characters people type from other languages, with the word this language uses instead.
_HINTS = {
    "=": "use '==' to compare",
    "!": "use 'not' for negation or '!=' to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    ".": 'dotted access is not supported; write properties["name"]',
}


def printable(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped, for one-line messages."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def _fail(text: str, message: str, pos: int) -> ExpressionError:
    return ExpressionError(printable(message), expression=text, position=pos)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; the last one is always ``EOF`` at ``len(text)``.

    Raises:
        ExpressionError: on a character or literal the language does not allow.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "\"'":
            value, end = _read_string(text, i)
            tokens.append(Token(TokenKind.STRING, text[i:end], value, i))
            i = end
            continue
        number = _NUMBER.match(text, i)
        if number:
            end = number.end()
            if end < n and _NAME_CHAR.match(text, end):
                bad = end
                while bad < n and _NAME_CHAR.match(text, bad):
                    bad += 1
                raise _fail(text, f"invalid number '{text[i:bad]}' at position {i}", i)
            tokens.append(Token(TokenKind.NUMBER, number.group(), _number_value(text, i, end), i))
            i = end
            continue
        name = _NAME.match(text, i)
        if name:
            tokens.append(Token(TokenKind.NAME, name.group(), name.group(), i))
            i = name.end()
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token(TokenKind.OP, op, None, i))
            i += len(op)
            continue
        hint = _HINTS.get(ch)
        message = f"unexpected character '{ch}' at position {i}"
        if ch in "&|" and text.startswith(ch * 2, i):
            message = f"unexpected '{ch * 2}' at position {i}"
        raise _fail(text, f"{message}; {hint}" if hint else message, i)
    tokens.append(Token(TokenKind.EOF, "", None, n))
    return tokens


def _number_value(text: str, start: int, end: int) -> int | float:
    literal = text[start:end]
    if not any(c in literal for c in ".eE") and len(literal) <= _MAX_INT_DIGITS:
        return int(literal)
    value = float(literal)
    if math.isinf(value):
        raise _fail(text, f"number '{literal}' at position {start} is out of range", start)
    return value


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Decode the string literal opening at ``start``; return (value, offset after it)."""
    quote = text[start]
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            break
        esc = text[i + 1]
        if esc == "u" and _HEX4.fullmatch(text, i + 2, i + 6):
            code = int(text[i + 2 : i + 6], 16)
            i += 6
            # A JSON-style surrogate pair written as two escapes is one character.
            if (
                0xD800 <= code < 0xDC00
                and text.startswith("\\u", i)
                and _HEX4.fullmatch(text, i + 2, i + 6)
            ):
                low = int(text[i + 2 : i + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            out.append(chr(code))
            continue
        if esc in _ESCAPES:
            out.append(_ESCAPES[esc])
        else:
            # Unknown escapes are kept as written, backslash included.
            out.append("\\" + esc)
        i += 2
    raise _fail(text, f"unterminated string starting at position {start}", start)
