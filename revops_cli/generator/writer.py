"""Append generated columns to the raw tables through DuckDB (Arrow in, SQL formatting out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from revops_cli.contract import TABLES_BY_NAME, RawTable, ddl

#: Tables whose source system writes local times with a UTC offset (the CRM does).
LOCAL_TIME_TABLES = frozenset({"crm.contacts", "crm.lifecycle_events", "crm.activities"})


def create_raw_schemas(con: duckdb.DuckDBPyConnection, tables: tuple[RawTable, ...]) -> None:
    """Drop and create every raw table, empty."""
    for schema in dict.fromkeys(t.schema for t in tables):
        con.execute(f"drop schema if exists {schema} cascade")
        con.execute(f"create schema {schema}")
    for table in tables:
        con.execute(ddl(table))


def _select_expression(table: RawTable, column: str, arrow_type: pa.DataType | None) -> str:
    target = next(c for c in table.columns if c.name == column)
    if arrow_type is None:
        return f"cast(null as {target.type}) as {column}"
    if target.type == "VARCHAR" and pa.types.is_timestamp(arrow_type):
        key = f"{table.system}.{table.name}"
        if key in LOCAL_TIME_TABLES:
            # Written in the lead's local time with its offset, as the CRM exports it.
            return (
                f"strftime({column} + to_hours(_tz_hours), '%Y-%m-%dT%H:%M:%S')"
                f" || case when _tz_hours < 0 then '-' else '+' end"
                f" || lpad(cast(abs(_tz_hours) as varchar), 2, '0') || ':00' as {column}"
            )
        return f"strftime({column}, '%Y-%m-%dT%H:%M:%SZ') as {column}"
    if target.type == "VARCHAR" and pa.types.is_date(arrow_type):
        return f"strftime({column}, '%Y-%m-%d') as {column}"
    return f"cast({column} as {target.type}) as {column}"


def to_arrow(columns: Mapping[str, Any]) -> pa.Table:
    """Numpy arrays or lists to an Arrow table; NaT and None become nulls."""
    arrays = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            values = values.astype("datetime64[s]")
        arrays[name] = pa.array(values, from_pandas=True)
    return pa.table(arrays)


class RawWriter:
    """Appends chunks of generated rows to the raw tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection, loaded_at: np.datetime64) -> None:
        self.con = con
        self.loaded_at = str(loaded_at.astype("datetime64[s]")).replace("T", " ")
        self.rows: dict[str, int] = {}

    def append(self, key: str, columns: Mapping[str, Any]) -> None:
        """Insert one chunk into the raw table ``key`` ('system.table')."""
        table = TABLES_BY_NAME[key]
        arrow = to_arrow(columns)
        if arrow.num_rows == 0:
            return
        types = {f.name: f.type for f in arrow.schema}
        exprs = [
            f"timestamp '{self.loaded_at}' as _loaded_at"
            if c.name == "_loaded_at"
            else _select_expression(table, c.name, types.get(c.name))
            for c in table.columns
        ]
        self.con.register("_revops_chunk", arrow)
        try:
            self.con.execute(
                f"insert into {table.qualified_name} select {', '.join(exprs)} from _revops_chunk"
            )
        finally:
            self.con.unregister("_revops_chunk")
        self.rows[key] = self.rows.get(key, 0) + arrow.num_rows


def insert_arrow(
    con: duckdb.DuckDBPyConnection, qualified_name: str, columns: Mapping[str, Any]
) -> None:
    """Append columns to an existing table with the same column order (truth tables)."""
    arrow = to_arrow(columns)
    if arrow.num_rows == 0:
        return
    con.register("_revops_truth_chunk", arrow)
    try:
        con.execute(f"insert into {qualified_name} select * from _revops_truth_chunk")
    finally:
        con.unregister("_revops_truth_chunk")
