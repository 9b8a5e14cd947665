"""SQL helpers the connector shapes share (revops_cli.generator.shapes)."""

from __future__ import annotations

import duckdb


def ts(column: str) -> str:
    """ISO text as the connector's UTC TIMESTAMP (text that does not parse: null)."""
    return f"timezone('UTC', try_cast(nullif(trim({column}), '') as timestamptz))"


def latest(table: str, key: str) -> str:
    """The latest load of each key of a raw table, rows without a key left out."""
    return (
        f"(select * from {table} where nullif(trim({key}), '') is not null "
        f"qualify row_number() over (partition by {key} order by _loaded_at desc) = 1)"
    )


def minor(amount: str) -> str:
    return f"cast(round({amount} * 100) as bigint)"


def replace_schema(con: duckdb.DuckDBPyConnection, schema: str, statements: list[str]) -> None:
    con.execute(f"drop schema if exists {schema} cascade")
    con.execute(f"create schema {schema}")
    for sql in statements:
        con.execute(sql)
