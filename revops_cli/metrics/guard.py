"""Filters and expressions from YAML or --where, parsed into sqlglot ASTs and checked.

A filter is one boolean expression over allowed columns and nothing else: no subquery, no
second statement, no DDL or DML, no comment, no function outside the allow-list. What
passes is embedded as an AST, never as text, so it cannot change the query around it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from revops_cli.errors import ConfigError, one_line


class UnsafeExpression(ConfigError):
    """A filter or expression that is not a plain expression over allowed columns."""


#: Node types an expression may contain (besides columns, checked separately).
_ALLOWED: tuple[type[exp.Expr], ...] = (
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.And,
    exp.Or,
    exp.Not,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Neg,
    exp.Cast,
    exp.DataType,
    exp.Case,
    exp.If,
    exp.Identifier,
    exp.Interval,
    exp.Var,
    exp.Tuple,
)

#: Functions an expression may call: scalar, deterministic, harmless.
FUNCTIONS: dict[type[exp.Expr], str] = {
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Coalesce: "coalesce",
    exp.Abs: "abs",
    exp.Trim: "trim",
    exp.Length: "length",
    exp.Nullif: "nullif",
    exp.Greatest: "greatest",
    exp.Least: "least",
    exp.Round: "round",
    exp.Floor: "floor",
    exp.Ceil: "ceil",
}

_DATA_TYPES = {
    exp.DataType.Type.INT,
    exp.DataType.Type.BIGINT,
    exp.DataType.Type.DOUBLE,
    exp.DataType.Type.FLOAT,
    exp.DataType.Type.DECIMAL,
    exp.DataType.Type.VARCHAR,
    exp.DataType.Type.TEXT,
    exp.DataType.Type.DATE,
    exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.BOOLEAN,
}


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return f"function {node.name.lower()}()"
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}()"
    if isinstance(node, exp.Query | exp.Subquery):
        return "a subquery"
    return f"{node.key.replace('_', ' ')}"


def parse_expression(  # noqa: C901
    text: str,
    columns: Iterable[str],
    *,
    what: str = "filter",
    boolean: bool = True,
    dialect: str = "duckdb",
) -> exp.Expr:
    """Parse ``text`` as one expression over ``columns``; raise UnsafeExpression otherwise.

    Args:
        text: The filter or expression as written.
        columns: The column (or metric) names it may reference, unqualified.
        what: How to name it in messages (e.g. "--where", "filter of mql_to_sql").
        boolean: Require a predicate (a filter), not a value.
        dialect: The SQL dialect it is written in.
    """
    allowed = set(columns)
    if not isinstance(text, str) or not text.strip():
        raise UnsafeExpression(f"{what}: is empty")
    control = next((c for c in text if c in _CONTROL), None)
    if control is not None:
        raise UnsafeExpression(f"{what}: control character {control!r} is not allowed")
    try:
        statements = sqlglot.parse(text, read=dialect)
    except (ParseError, TokenError) as exc:
        raise UnsafeExpression(f"{what}: cannot parse {text!r}: {_first_line(exc)}") from exc
    except RecursionError as exc:  # thousands of nested parentheses
        raise UnsafeExpression(f"{what}: nested too deeply to read") from exc
    found = [s for s in statements if s is not None]
    if len(found) != 1:
        raise UnsafeExpression(f"{what}: must be one expression, got {len(found)} statements")
    tree = found[0]
    for node in tree.walk():
        if node.comments:
            raise UnsafeExpression(f"{what}: comments are not allowed")
        if isinstance(node, exp.Column):
            if node.table or node.args.get("db") or node.args.get("catalog"):
                raise UnsafeExpression(
                    f"{what}: write columns without a table: {node.sql()!r} -> {node.name!r}"
                )
            if isinstance(node.this, exp.Star):
                raise UnsafeExpression(f"{what}: '*' is not allowed")
            if node.name not in allowed:
                close = difflib.get_close_matches(node.name, sorted(allowed), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise UnsafeExpression(f"{what}: unknown column '{node.name}'{hint}")
            continue
        if isinstance(node, exp.DataType):
            if node.this not in _DATA_TYPES:
                raise UnsafeExpression(f"{what}: cannot cast to {node.sql()}")
            continue
        if type(node) in FUNCTIONS:
            continue
        if isinstance(node, exp.In) and (node.args.get("query") or node.args.get("field")):
            raise UnsafeExpression(f"{what}: 'in' takes a list of values, not a subquery")
        if isinstance(node, _ALLOWED):
            continue
        allowed_fns = ", ".join(sorted(FUNCTIONS.values()))
        extra = f"; allowed functions: {allowed_fns}" if isinstance(node, exp.Func) else ""
        raise UnsafeExpression(
            f"{what}: {_describe(node)} is not allowed (only an expression over columns{extra})"
        )
    if boolean and not isinstance(tree, _PREDICATES):
        raise UnsafeExpression(
            f"{what}: must be a condition (e.g. lead_source = 'webinar'), got {tree.sql()!r}"
        )
    return tree


#: Characters a filter may not hold (tab and newline are layout; the rest are not text).
_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}

_PREDICATES: tuple[type[exp.Expr], ...] = (
    exp.Predicate,
    exp.Connector,
    exp.Not,
    exp.Paren,
    exp.Column,
    exp.Boolean,
)


def _first_line(exc: Exception) -> str:
    return one_line(exc, 200)


def qualify(tree: exp.Expr, table: str) -> exp.Expr:
    """A copy of ``tree`` with every column qualified by ``table``."""
    out = tree.copy()
    for col in list(out.find_all(exp.Column)):
        col.set("table", exp.to_identifier(table))
    return out
