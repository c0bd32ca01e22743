"""OData $filter parsing and evaluation with the Table service's rules.

Grammar: or-expression of and-expressions of [not] (parenthesised expression | comparison), where a
comparison is `Property op literal` (or the mirror). Literals: 'text' with '' escapes, 123 (Int32),
123L (Int64), 1.5 (Double), true/false, datetime'...', guid'...', X'hex'/binary'hex'.
A property missing from the entity, or of another type than the literal, fails the comparison.
"""

import re

import edm

MAX_COMPARISONS = 15
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<typed>(?:datetime|guid|X|binary)'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[LlDdMmFf]?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE | re.IGNORECASE)
_OPERATORS = {"eq", "ne", "gt", "ge", "lt", "le"}
_MIRROR = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


class FilterError(ValueError):
    """A filter the service would refuse with 400 InvalidInput."""


def tokenize(text):
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise FilterError("unexpected character at position %d: %r" % (position, text[position:position + 10]))
        position = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
    return tokens


def literal(kind, text):
    if kind == "string":
        return (edm.STRING, text[1:-1].replace("''", "'"))
    if kind == "typed":
        prefix, body = text.split("'", 1)
        body = body[:-1].replace("''", "'")
        prefix = prefix.lower()
        try:
            if prefix == "datetime":
                return (edm.DATETIME, edm.parse_datetime(body))
            if prefix == "guid":
                return (edm.GUID, edm.canonical_guid(body))
            return (edm.BINARY, bytes.fromhex(body))
        except ValueError as error:
            raise FilterError(str(error))
    if kind == "number":
        suffix = text[-1].lower() if text[-1].isalpha() else ""
        digits = text[:-1] if suffix else text
        fractional = any(c in digits for c in ".eE")
        if suffix == "l":
            if fractional:
                raise FilterError("Int64 literal with a fraction: %s" % text)
            return (edm.INT64, int(digits))
        if suffix in ("d", "m", "f") or fractional:
            return (edm.DOUBLE, float(digits))
        value = int(digits)
        if not -2**31 <= value < 2**31:
            raise FilterError("integer literal %s is out of Int32 range" % text)
        return (edm.INT32, value)
    if kind == "word" and text in ("true", "false"):
        return (edm.BOOLEAN, text == "true")
    raise FilterError("expected a literal, found %r" % text)


class _Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.position = 0
        self.comparisons = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def keyword(self, word):
        kind, text = self.peek()
        if kind == "word" and text == word:
            self.position += 1
            return True
        return False

    def parse(self):
        node = self.parse_or()
        if self.position != len(self.tokens):
            raise FilterError("unexpected %r" % (self.peek()[1],))
        if self.comparisons > MAX_COMPARISONS:
            raise FilterError("the filter has %d comparisons; at most %d are allowed" % (self.comparisons, MAX_COMPARISONS))
        return node

    def parse_or(self):
        node = self.parse_and()
        while self.keyword("or"):
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self):
        node = self.parse_unary()
        while self.keyword("and"):
            node = ("and", node, self.parse_unary())
        return node

    def parse_unary(self, depth=0):
        if depth > 64:
            raise FilterError("nesting too deep")
        if self.keyword("not"):
            return ("not", self.parse_unary(depth + 1))
        kind, _ = self.peek()
        if kind == "lparen":
            self.take()
            node = self.parse_or()
            if self.take()[0] != "rparen":
                raise FilterError("expected ')'")
            return node
        return self.parse_comparison()

    def parse_comparison(self):
        first_kind, first_text = self.take()
        operator_kind, operator = self.take()
        second_kind, second_text = self.take()
        if operator_kind != "word" or operator not in _OPERATORS:
            raise FilterError("expected a comparison operator, found %r" % (operator,))
        self.comparisons += 1
        if first_kind == "word" and first_text not in ("true", "false"):
            return ("cmp", first_text, operator, literal(second_kind, second_text))
        if second_kind == "word" and second_text not in ("true", "false"):
            return ("cmp", second_text, _MIRROR[operator], literal(first_kind, first_text))
        raise FilterError("a comparison needs a property name on one side")


def parse(text):
    return _Parser(text).parse()


def matches(node, lookup):
    """Evaluates a parsed filter; `lookup(name)` returns the entity's Edm pair or None."""
    kind = node[0]
    if kind == "and":
        return matches(node[1], lookup) and matches(node[2], lookup)
    if kind == "or":
        return matches(node[1], lookup) or matches(node[2], lookup)
    if kind == "not":
        return not matches(node[1], lookup)
    _, name, operator, value = node
    current = lookup(name)
    if current is None:
        return False
    order = edm.compare(current, value)
    if order is None:
        return False
    return {"eq": order == 0, "ne": order != 0, "gt": order > 0, "ge": order >= 0, "lt": order < 0, "le": order <= 0}[operator]
