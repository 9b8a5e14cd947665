"""SQL helpers the connector shapes share (revops_cli.generator.shapes)."""

from __future__ import annotations

import csv
from pathlib import Path

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


def reverse_value(project_dir: Path, adapter: str, field: str, column: str) -> str:
    """SQL giving, for a revops value in ``column``, the connector's value that
    seeds/source_value_map.csv maps onto it (the longest when several do, in title case);
    a value the seed does not map passes through, as the adapters read it."""
    chosen: dict[str, str] = {}
    with (project_dir / "seeds" / "source_value_map.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["adapter"] != adapter or row["field"] != field:
                continue
            current = chosen.get(row["revops_value"], "")
            if len(row["source_value"]) > len(current):
                chosen[row["revops_value"]] = row["source_value"]
    if not chosen:
        raise ValueError(f"source_value_map has no {adapter} {field} rows")
    whens = " ".join(
        f"when '{revops}' then '{source.title()}'" for revops, source in sorted(chosen.items())
    )
    return f"case {column} {whens} else {column} end"
