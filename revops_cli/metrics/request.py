"""A metric request and the SQL dialects, with nothing heavy to import: the path of
`revops query` that finds its SQL compiled on disk loads only this, the store and DuckDB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from revops_cli.errors import ConfigError

#: The periods a metric is read by (the catalog's `grains`, `revops query --grain`).
Grain = Literal["day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year"]
GRAINS: tuple[str, ...] = Grain.__args__  # type: ignore[attr-defined]

#: dbt adapter type -> sqlglot dialect.
DIALECTS = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "databricks": "databricks",
    "spark": "spark",
}


def dialect_for(adapter_type: str) -> str:
    """The sqlglot dialect for a dbt adapter type."""
    try:
        return DIALECTS[adapter_type]
    except KeyError as exc:
        raise ConfigError(
            f"no SQL dialect for target type {adapter_type!r} (supported: {', '.join(DIALECTS)})"
        ) from exc


@dataclass(frozen=True)
class Request:
    """What to compute: metrics at a grain, by dimensions, filtered, within [start, end)."""

    metrics: Sequence[str]
    grain: str = "month"
    dimensions: Sequence[str] = ()
    where: str | None = None
    start: date | None = None
    end: date | None = None
    parts: bool = False
