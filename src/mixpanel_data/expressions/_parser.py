"""Precedence-climbing parser for the where/on expression language.

Grammar, loosest binding first (every binary operator groups to the left)::

    expr     := expr 'or' expr
              | expr 'and' expr
              | 'not' expr                      -- binds looser than comparisons (see below)
              | expr ('==' | '!=') expr
              | expr ('<' | '<=' | '>' | '>=' | 'in' | 'not' 'in') expr
              | expr ('+' | '-') expr
              | expr ('*' | '/' | '%') expr
              | '-' expr
              | postfix
    postfix  := primary ('[' expr ']')*
    primary  := string | number | 'true' | 'false' | 'null' | '[' [expr (',' expr)*] ']'
              | '(' expr ')' | accessor | function '(' [expr (',' expr)*] ')'
    accessor := 'properties' '[' string ']' | 'user' '[' string ']'
              | 'event' '[' ('"$event_name"' | '"$time"' | '"$distinct_id"') ']'
              | 'group_properties' '[' string ']' '[' string ']'

``not`` takes a whole comparison as its operand: ``not "x" in properties["y"]`` means
``not ("x" in properties["y"])``, which is how Mixpanel's own "does not contain" filter is written.
Keywords (``and or not in true false null``) and function names are case-insensitive; accessor
roots are lower-case.

Example:
    >>> from mixpanel_data.expressions._ast import to_text
    >>> to_text(parse('not defined(properties["a"]) or 1 + 2 * 3 > 6'))
    'not defined(properties["a"]) or 1 + 2 * 3 > 6'
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions._ast import (
    EVENT_FIELDS,
    PRECEDENCE,
    SOURCES,
    Binary,
    Call,
    Const,
    Expr,
    Index,
    ListExpr,
    Property,
    Source,
    Unary,
    children,
    quote,
)
from mixpanel_data.expressions._tokens import KEYWORDS, Token, TokenKind, printable, tokenize

#: Functions and the argument counts each accepts.
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "defined": (1,),
    "boolean": (1,),
    "number": (1,),
    "string": (1,),
    "floor": (1,),
    "round": (1,),
    "ceil": (1,),
    "datetime": (1, 3, 4, 5, 6),
    "has_prefix": (2,),
}
#: Deepest nesting of brackets and prefix operators accepted.
MAX_NESTING = 100
#: Tallest syntax tree accepted (a chain of 150 ``or`` clauses is 151 high).
MAX_HEIGHT = 200


def parse(text: str) -> Expr:
    """Parse ``text`` into a syntax tree (trees are immutable, so results are cached).

    Raises:
        ExpressionError: with a one-line message naming the problem and its 0-based position
            (also when ``text`` is not a string).

    Example:
        >>> parse('properties["plan"] in ["pro", "team"]')  # doctest: +NORMALIZE_WHITESPACE
        Binary(op='in', left=Property(source='properties', name='plan', group=None),
               right=ListExpr(items=(Const(value='pro'), Const(value='team'))))
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    return _parse_cached(text)


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Expr:
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.nesting = 0
        self.heights: dict[int, int] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(printable(message), expression=self.text, position=position)

    def unexpected(self, token: Token, expected: str) -> ExpressionError:
        return self.error(
            f"unexpected {token.describe()} at position {token.pos}; {expected}", token.pos
        )

    def is_op(self, token: Token, text: str) -> bool:
        return token.kind is TokenKind.OP and token.text == text

    def is_word(self, token: Token, word: str) -> bool:
        return token.kind is TokenKind.NAME and token.text.lower() == word

    def enter(self, position: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(
                f"expression nests too deeply at position {position} (limit {MAX_NESTING})",
                position,
            )

    def leave(self) -> None:
        self.nesting -= 1

    def node(self, node: Expr) -> Expr:
        height = 1 + max((self.heights.get(id(c), 1) for c in children(node)), default=0)
        if height > MAX_HEIGHT:
            raise self.error(
                f"expression is too long at position {node.pos} (more than {MAX_HEIGHT} levels)",
                node.pos,
            )
        self.heights[id(node)] = height
        return node

    def expect_close(self, closer: str, opener: Token, alternative: str | None = None) -> None:
        token = self.peek()
        if self.is_op(token, closer):
            self.advance()
            return
        if token.kind is TokenKind.EOF:
            raise self.error(
                f"unclosed '{opener.text}' at position {opener.pos}; "
                f"expected '{closer}' before the end of the expression",
                opener.pos,
            )
        wanted = f"'{alternative}' or '{closer}'" if alternative else f"'{closer}'"
        raise self.unexpected(
            token, f"expected {wanted} to close '{opener.text}' at position {opener.pos}"
        )

    # -- grammar ----------------------------------------------------------------------------

    def parse(self) -> Expr:
        if not self.text.strip():
            raise self.error("empty expression", 0)
        tree = self.expression(1, None)
        token = self.peek()
        if token.kind is not TokenKind.EOF:
            if token.kind is TokenKind.OP and token.text in ")]":
                opener = "(" if token.text == ")" else "["
                raise self.unexpected(token, f"there is no '{opener}' for it to close")
            raise self.unexpected(token, "expected an operator or the end of the expression")
        return tree

    def binary_operator(self) -> tuple[str, int] | None:
        """The binary operator at the cursor and how many tokens it spans, if there is one."""
        token = self.peek()
        if token.kind is TokenKind.OP and token.text in PRECEDENCE:
            return token.text, 1
        if token.kind is TokenKind.NAME:
            word = token.text.lower()
            if word in ("and", "or", "in"):
                return word, 1
            if word == "not" and self.is_word(self.peek(1), "in"):
                return "not in", 2
        return None

    def expression(self, min_level: int, after: str | None) -> Expr:
        self.enter(self.peek().pos)
        left = self.prefix(after)
        while (found := self.binary_operator()) is not None:
            op, width = found
            level = PRECEDENCE[op]
            if level < min_level:
                break
            token = self.advance()
            if width == 2:
                self.advance()
            right = self.expression(level + 1, op)
            left = self.node(Binary(op, left, right, token.pos))
        self.leave()
        return left

    def prefix(self, after: str | None) -> Expr:
        token = self.peek()
        if self.is_word(token, "not"):
            self.advance()
            operand = self.expression(PRECEDENCE["not"] + 1, "not")
            return self.node(Unary("not", operand, token.pos))
        if self.is_op(token, "-"):
            self.advance()
            self.enter(token.pos)
            operand = self.prefix("-")
            self.leave()
            if isinstance(operand, Const) and type(operand.value) in (int, float):
                assert isinstance(operand.value, int | float)
                return self.node(Const(-operand.value, token.pos))
            return self.node(Unary("-", operand, token.pos))
        return self.postfix(after)

    def postfix(self, after: str | None) -> Expr:
        tree = self.primary(after)
        while self.is_op(self.peek(), "["):
            opener = self.advance()
            key = self.expression(1, "[")
            self.expect_close("]", opener)
            tree = self.node(Index(tree, key, opener.pos))
        return tree

    def primary(self, after: str | None) -> Expr:
        token = self.peek()
        expected = f"expected a value after '{after}'" if after else "expected a value"
        if token.kind is TokenKind.STRING or token.kind is TokenKind.NUMBER:
            self.advance()
            return self.node(Const(token.value, token.pos))
        if self.is_op(token, "("):
            self.advance()
            inner = self.expression(1, "(")
            self.expect_close(")", token)
            return inner
        if self.is_op(token, "["):
            return self.list_literal()
        if token.kind is TokenKind.NAME:
            return self.name(token, expected)
        raise self.unexpected(token, expected)

    def list_literal(self) -> Expr:
        opener = self.advance()
        items: list[Expr] = []
        if self.is_op(self.peek(), "]"):
            self.advance()
        else:
            while True:
                items.append(self.expression(1, "[" if not items else ","))
                if self.is_op(self.peek(), ","):
                    self.advance()
                    continue
                self.expect_close("]", opener, ",")
                break
        return self.node(ListExpr(tuple(items), opener.pos))

    def name(self, token: Token, expected: str) -> Expr:
        word = token.text.lower()
        if word in ("true", "false", "null"):
            self.advance()
            value = None if word == "null" else word == "true"
            return self.node(Const(value, token.pos))
        if token.text in SOURCES:
            return self.accessor()
        if self.is_op(self.peek(1), "("):
            return self.call()
        if word in FUNCTIONS:
            self.advance()
            raise self.unexpected(self.peek(), f"expected '(' after {word}")
        if word in KEYWORDS:
            raise self.unexpected(token, expected)
        if word in SOURCES:
            hint = f"accessors are lower-case, e.g. {word}[...]"
        else:
            hint = f"property names go inside properties[...], e.g. properties[{quote(token.text)}]"
        raise self.error(f"unknown name '{token.text}' at position {token.pos}; {hint}", token.pos)

    def accessor(self) -> Expr:
        root = self.advance()
        source = cast(Source, root.text)
        first = self.bracketed_name(source, "group" if source == "group_properties" else "property")
        assert isinstance(first.value, str)
        if source == "group_properties":
            name = self.bracketed_name(f"{source}[{quote(first.value)}]", "property")
            assert isinstance(name.value, str)
            return self.node(Property(source, name.value, first.value, root.pos))
        if source == "event" and first.value not in EVENT_FIELDS:
            fields = ", ".join(quote(f) for f in EVENT_FIELDS)
            raise self.error(
                f"unknown event field {quote(first.value)} at position {first.pos}; "
                f"event[...] reads {fields}",
                first.pos,
            )
        return self.node(Property(source, first.value, None, root.pos))

    def bracketed_name(self, owner: str, what: str) -> Token:
        """Read ``[ "name" ]`` after an accessor root and return the string token."""
        opener = self.peek()
        if not self.is_op(opener, "["):
            raise self.unexpected(opener, f"expected '[' after {owner}")
        self.advance()
        key = self.peek()
        if key.kind is not TokenKind.STRING:
            raise self.unexpected(key, f"expected a quoted {what} name inside {owner}[...]")
        self.advance()
        self.expect_close("]", opener)
        return key

    def call(self) -> Expr:
        token = self.advance()
        name = token.text.lower()
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(
                f"unknown function '{token.text}' at position {token.pos}; "
                f"known functions: {known}",
                token.pos,
            )
        opener = self.advance()
        args: list[Expr] = []
        if self.is_op(self.peek(), ")"):
            self.advance()
        else:
            while True:
                args.append(self.expression(1, "(" if not args else ","))
                if self.is_op(self.peek(), ","):
                    self.advance()
                    continue
                self.expect_close(")", opener, ",")
                break
        allowed = FUNCTIONS[name]
        if len(args) not in allowed:
            counts = " or ".join(str(n) for n in allowed)
            plural = "" if allowed == (1,) else "s"
            raise self.error(
                f"{name}() at position {token.pos} takes {counts} argument{plural}, "
                f"got {len(args)}",
                token.pos,
            )
        return self.node(Call(name, tuple(args), token.pos))
