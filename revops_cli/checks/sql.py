"""The SQL a suite reads: dbt-style Jinja for queries, sqlglot for parsing and dialects.

Suite queries and ``where:`` filters are written once in DuckDB's SQL, parsed into sqlglot
ASTs (so a filter is a condition and a query one SELECT, nothing else) and transpiled to the
target's dialect. The batch a suite validates is built as an AST too, never by pasting text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast

import jinja2
import sqlglot
from sqlglot import exp

#: Suites are written in this dialect.
SOURCE_DIALECT = "duckdb"


class QueryError(Exception):
    """A query that does not render or parse; ``line`` counts from the query's first line."""

    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message
        super().__init__(message)


def as_of_sql(as_of: datetime | None) -> str:
    """``{{ as_of }}`` in a suite query: a timestamp literal, or a typed null when unset."""
    if as_of is None:
        return "cast(null as timestamp)"
    return f"cast('{as_of.replace(tzinfo=None).isoformat(sep=' ')}' as timestamp)"


def raw_tables() -> list[str]:
    """Every raw table of the contract, as ``system.table``."""
    from revops_cli.contract import RAW_TABLES

    return [f"{t.system}.{t.name}" for t in RAW_TABLES]


def accepted_model(relation: str) -> str:
    """The model holding the accepted rows of a raw table ``system.table``."""
    from revops_cli.contract import TABLES_BY_NAME

    return TABLES_BY_NAME[relation].accepted_model


def render_query(
    query: str,
    *,
    ref: Callable[[str], str],
    source: Callable[[str, str], str],
    as_of: datetime | None,
    tables: Sequence[str] | None = None,
) -> str:
    """Render a suite query's Jinja.

    Available: ``ref('model')``, ``source('system', 'table')``, ``as_of`` (a timestamp, or a
    typed null when not pinned), ``raw_tables`` (the raw tables the configured sources
    fill, ``system.table``: ``tables``, by default every table of the contract) and
    ``accepted_model('system.table')`` (the model of its accepted rows).
    """
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    try:
        template = env.from_string(query)
        return template.render(
            ref=ref,
            source=source,
            as_of=as_of_sql(as_of),
            raw_tables=list(raw_tables() if tables is None else tables),
            accepted_model=accepted_model,
        )
    except jinja2.TemplateSyntaxError as exc:
        raise QueryError(exc.lineno, f"Jinja: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        known = "ref(), source(), as_of, raw_tables and accepted_model()"
        raise QueryError(0, f"Jinja: {exc.message} (use {known})") from exc
    except (TypeError, ValueError, jinja2.TemplateError) as exc:
        raise QueryError(0, f"Jinja: {exc}") from exc


def parse_query(sql: str, dialect: str = SOURCE_DIALECT) -> exp.Query:
    """Exactly one SELECT (or UNION of them)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        description = re.sub(
            r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>",
            r"'\1'",
            str(err.get("description", exc)),
        )
        raise QueryError(int(err.get("line") or 0), f"not valid SQL: {description}") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise QueryError(0, "a suite query is one SELECT statement, nothing else")
    return statements[0]


#: Functions a suite query may not call: they read files, the environment or the engine's
#: settings, not the warehouse's relations.
FORBIDDEN_FUNCTIONS = frozenset(
    {"getenv", "current_setting", "glob", "read_blob", "read_text", "sniff_csv", "query",
     "query_table", "load_aws_credentials", "query_to_xml", "table_to_xml", "cursor_to_xml",
     "schema_to_xml", "database_to_xml", "reflect", "java_method", "pg_stat_file"}
)  # fmt: skip
FORBIDDEN_PREFIXES = (
    *("read_", "pragma_", "duckdb_", "pg_read", "pg_ls", "lo_", "dblink"),
    *("query_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml"),
)


def check_relations(query: exp.Query, allowed: set[str]) -> None:
    """A suite query reads only the relations its ``ref()`` and ``source()`` named (and its
    own CTEs), and calls no function that reads files, the environment or settings."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    for node in query.walk():
        if isinstance(node, exp.Table):
            # The relation, without the alias a join gives it (`from ref('x') as o`).
            bare = node.copy()
            bare.set("alias", None)
            shown = bare.sql(dialect=SOURCE_DIALECT)
            own = not node.db and node.name.lower() in ctes
            if not isinstance(node.this, exp.Identifier) or (shown not in allowed and not own):
                raise QueryError(0, f"reads {shown}: a suite query reads ref() and source() only")
        elif isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in FORBIDDEN_FUNCTIONS or name.startswith(FORBIDDEN_PREFIXES):
                raise QueryError(0, f"function {name}() is not allowed in a suite query")


def parse_condition(where: str) -> exp.Expression:
    """A suite's ``where:``: a condition on the rows it validates, reading no other
    relation (no subquery) and calling no function a suite query may not call."""
    condition = cast(exp.Expression, sqlglot.parse_one(where, read=SOURCE_DIALECT))
    if any(isinstance(n, exp.Query | exp.Table) for n in condition.walk()):
        raise QueryError(0, f"where: {where!r} reads another relation: a condition only")
    for node in condition.walk():
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in FORBIDDEN_FUNCTIONS or name.startswith(FORBIDDEN_PREFIXES):
                raise QueryError(0, f"where: function {name}() is not allowed")
    return condition


def batch_select(
    *,
    relation: exp.Table | None = None,
    query: exp.Query | None = None,
    columns: Sequence[str] | None = None,
    where: str | None = None,
) -> exp.Select:
    """``select <columns> from <relation or (query)> [where <condition>]``; None = every column."""
    cols: list[exp.Expression] = (
        [exp.column(c, quoted=True) for c in columns] if columns else [exp.Star()]
    )
    source: exp.Expression
    if relation is not None:
        source = relation
    elif query is not None:
        source = query.subquery("suite_query")
    else:
        raise ValueError("batch_select needs a relation or a query")
    select = exp.select(*cols).from_(source)
    if where:
        select = select.where(parse_condition(where))
    return select


def table(name: str, schema: str | None, database: str | None = None) -> exp.Table:
    return exp.table_(name, db=schema, catalog=database, quoted=True)
