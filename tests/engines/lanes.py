"""What the engine lanes share: the project they build, the CLI build, how two engines'
relations are compared, and the text the parse macros meet."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.contract import RAW_TABLES
from revops_cli.warehouse import (
    DuckDBWarehouse,
    Fingerprint,
    Warehouse,
    column_kind,
    columns,
    differences,
    fingerprint,
)

#: The project to build (REVOPS_ENGINE_PROJECT_DIR: try a patched copy of it).
PROJECT_DIR = Path(
    os.environ.get("REVOPS_ENGINE_PROJECT_DIR") or Path(__file__).resolve().parents[2]
)
SELECT = os.environ.get("REVOPS_ENGINE_SELECT") or None
#: Schemas that are inputs or dbt's scratch space, not built relations; and the metric
#: measures, CTEs of metric_wide on DuckDB (tables elsewhere): compared through it.
NOT_BUILT = (
    *("raw_*", "truth", "main", "public", "dbt_test__audit", "metric_measures"),
    "revops_meta",  # the history of the builds, not what they computed
)
#: Models that DuckDB inlines (ephemeral) and the other engines build as tables.
EPHEMERAL_ON_DUCKDB = len(list((PROJECT_DIR / "models" / "metrics" / "measures").glob("*.sql")))
#: Columns that record when a run happened, not what it computed.
#: And what depends on the order an engine reads rows in: the example keys of a failed
#: expectation are its first unexpected rows as read (GX's partial list), which PostgreSQL's
#: parallel scans and Spark's tasks vary from run to run; their counts are compared.
RUN_COLUMNS = {"data_quality.dq_expectation_results": {"run_id", "run_at", "example_keys"}}
#: Money computed through a float on one engine, then cast to the cent: DuckDB divides
#: decimals in DOUBLE (PostgreSQL in exact numeric), and a double multiplier makes a double
#: product. A value on a half-cent tie may round either way there: one cent per row.
FLOAT_MONEY = {
    "marts.fct_marketing_performance": {
        "cost_per_lead",
        "cost_per_mql",
        "cost_per_qualified_opportunity",
        "customer_acquisition_cost",
    },
    # reporting_amount x probability, a double (stage probabilities).
    "marts.fct_pipeline_daily": {"weighted_reporting_amount"},
}


def build_cli(args: list[str]) -> tuple[int, dict[str, Any], str]:
    """`revops build ... --format json` in this process: exit code, summary, output."""
    select = ["--select", SELECT] if SELECT else []
    # A narrowed build skips the tests that also need unselected models (seeds' children).
    env = {"DBT_INDIRECT_SELECTION": "cautious"} if SELECT else {}
    args = ["build", "--project-dir", str(PROJECT_DIR), *args, *select, "--format", "json"]
    result = CliRunner().invoke(cli, args, env=env)
    try:
        summary = json.loads(result.stdout)
    except json.JSONDecodeError:
        summary = {}
    return result.exit_code, summary, result.output


def without_run_columns(fp: Fingerprint) -> Fingerprint:
    skip = RUN_COLUMNS.get(fp.relation, set())
    return replace(fp, columns=tuple(c for c in fp.columns if c.column not in skip))


def raw_table_problems(source: Path, other: Warehouse) -> list[str]:
    """How the raw tables loaded into ``other`` differ from the generated file's: column
    names and kinds in order, and each column's aggregates."""
    duck = DuckDBWarehouse.open(source)
    problems = []
    try:
        for t in RAW_TABLES:
            want = [(c, column_kind(k)) for c, k in columns(duck, t.schema, t.name)]
            got = [(c, column_kind(k)) for c, k in columns(other, t.schema, t.name)]
            if got != want:
                problems.append(f"{t.qualified_name}: columns {got} vs {want}")
            elif fingerprint(other, t.schema, t.name) != fingerprint(duck, t.schema, t.name):
                problems.append(f"{t.qualified_name}: the loaded rows differ")
    finally:
        duck.close()
    return problems


def compare(
    reference: Warehouse,
    other: Warehouse,
    relations: set[tuple[str, str]],
) -> list[str]:
    """Every difference between the two engines' fingerprints of ``relations``, less the
    RUN_COLUMNS."""
    return [
        problem
        for schema, name in sorted(relations)
        for problem in differences(
            without_run_columns(fingerprint(reference, schema, name)),
            without_run_columns(fingerprint(other, schema, name)),
            cent_per_row=FLOAT_MONEY.get(f"{schema}.{name}", ()),
        )
    ]


#: Text the parse macros meet: the ISO 8601 shapes loaders write, the generator's bad dates
#: (generator/dirt.py BAD_DATES) and impossible calendar dates.
DATE_TEXTS = (
    "2025-03-04T10:15:00+01:00",
    "2025-03-04T09:15:00Z",
    "2025-03-04",
    " 2025-03-04 ",
    "2025-03-04 10:15:00",
    "2025-03-04T10:15",
    "2025-3-4T1:5",
    "2025-03-04T10:15:00.123456",
    "2025-03-04T23:15:00-05:00",
    "2025-03-04T10:15:00-05:30",
    "2025-03-04T10:15:00+0100",
    "2025-03-04T10:15:00+01",
    "2025-03-04T24:00:00",
    "2024-02-29",
    "2000-02-29T12:00:00Z",
    "2025-02-29",
    "2100-02-29",
    "2025-04-31",
    "2025-13-01",
    "2025-00-10",
    "2025-03-04T25:00:00",
    "2025-03-04T10:60:00",
    "2025-03-04T10:15:60",
    "20250304",
    "31/02/2025",
    "N/A",
    "not a date",
    "2025.02.30",
    "TBD",
    "13/13/13",
    "1/2/2025",
    "",
    # What DuckDB's own cast reads and no calendar has (issue #15): every engine refuses.
    "epoch",
    "infinity",
    "-infinity",
    "99999-01-01",
    "2025-03-04T10:15:00+25:00",
    "2025-03-04T10:15:00+14:00",
    "2025-03-04T10:15:00-14:30",
    "2025-03-04 10:15:00 UTC",
)

#: The parse macros over DATE_TEXTS, as an inline dbt model.
PARSE_SQL = (
    "select v, {{ revops.parse_timestamp('v') }} as ts, {{ revops.parse_date('v') }} as d "
    "from (values "
    + ", ".join("('" + v.replace("'", "''") + "')" for v in DATE_TEXTS)
    + ") as t (v)"
)


def compiled(profiles: Path, target: str, sql: str, database: Path | None = None) -> str:
    """The SQL dbt compiles from ``sql`` for ``target`` (macros dispatched to its adapter)."""
    from dbt.cli.main import dbtRunner

    args = ["compile", "--inline", sql, "--project-dir", str(PROJECT_DIR)]
    args += ["--profiles-dir", str(profiles), "--target", target, "--log-level", "none"]
    env = {"REVOPS_DUCKDB_PATH": str(database)} if database else {}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        res = dbtRunner().invoke(args)
    assert res.success, res.exception
    return str(res.result.results[0].node.compiled_code)
