"""The same project on Spark: load the generated raw tables into a local Spark (dbt-spark's
session method, PySpark in this process, a Derby metastore in a temporary folder), `revops
build` against the spark target of profiles.example.yml, and hold every relation to the
DuckDB build of the same seed.

Needs PySpark and dbt-spark (`pip install -e '.[spark]'`) and Java 17: `make test-spark`
installs the first two and runs this module. Without PySpark it is skipped, unless
REVOPS_TEST_SPARK=1 says Spark was promised, where it fails.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from lanes import (
    EPHEMERAL_ON_DUCKDB,
    NOT_BUILT,
    PARSE_SQL,
    PROJECT_DIR,
    SELECT,
    build_cli,
    compare,
    compiled,
    raw_table_problems,
)

from revops_cli.contract import RAW_TABLES
from revops_cli.generator import GenerationResult
from revops_cli.metrics.catalog import load_catalog
from revops_cli.metrics.compiler import compile_query
from revops_cli.metrics.request import Request
from revops_cli.project import Project
from revops_cli.warehouse import (
    DuckDBWarehouse,
    SparkWarehouse,
    load_raw,
    relations,
    spark_conf,
)

pytestmark = [pytest.mark.integration, pytest.mark.spark]

#: A metric of every type: simple, median, ratio, derived with a period offset, cumulative
#: (trailing window and period-end balance), conversion and a multi-step funnel.
METRICS = (
    "mqls",
    "median_lead_response_hours",
    "cost_per_mql",
    "opportunity_win_rate",
    "mrr",
    "mrr_growth",
    "nrr",
    "bookings_trailing_12m",
    "mql_to_sql",
    "mql_to_won_funnel",
)


@pytest.fixture(scope="module")
def spark_env(profiles: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """REVOPS_SPARK_DIR for the profile (metastore and tables in a temporary folder), and
    TZ=UTC: PySpark hands timestamps back in the process's local time."""
    if (
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None
    ):
        if os.environ.get("REVOPS_TEST_SPARK") == "1":
            pytest.fail("REVOPS_TEST_SPARK=1 but PySpark or dbt-spark is missing")
        pytest.skip("no PySpark and dbt-spark (make test-spark installs them)")
    folder = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REVOPS_SPARK_DIR", str(folder))
        mp.setenv("TZ", "UTC")
        time.tzset()
        yield folder
    time.tzset()


@pytest.fixture(scope="module")
def spark_project(
    profiles: Path, spark_env: Path, tmp_path_factory: pytest.TempPathFactory
) -> Project:
    unused = tmp_path_factory.mktemp("unused") / "unused.duckdb"
    return Project.resolve(PROJECT_DIR, profiles, "spark", unused)


@pytest.fixture(scope="module")
def spark(spark_project: Project, lane_timings: dict[str, float]) -> SparkWarehouse:
    """The session the profile describes; dbt's session method finds and reuses it."""
    began = time.perf_counter()
    wh = SparkWarehouse.open(spark_conf(spark_project.target_output()))
    lane_timings["start Spark"] = time.perf_counter() - began
    return wh


@pytest.fixture(scope="module")
def loaded(
    small_db: tuple[Path, GenerationResult], spark: SparkWarehouse, lane_timings: dict[str, float]
) -> dict[str, int]:
    began = time.perf_counter()
    counts = load_raw(small_db[0], spark)
    lane_timings["load raw tables into Spark"] = time.perf_counter() - began
    return counts


@pytest.fixture(scope="module")
def spark_built(
    loaded: dict[str, int],
    spark_project: Project,
    profiles: Path,
    lane_timings: dict[str, float],
) -> tuple[int, dict[str, Any], str]:
    began = time.perf_counter()
    out = build_cli(
        [
            "--profiles-dir",
            str(profiles),
            "--target",
            "spark",
            "--database",
            str(spark_project.database),
        ]
    )
    lane_timings["revops build on Spark (dbt + expectation suites)"] = time.perf_counter() - began
    return out


def test_raw_tables_load_with_the_contract_types(
    small_db: tuple[Path, GenerationResult], loaded: dict[str, int], spark: SparkWarehouse
) -> None:
    assert loaded == small_db[1].raw_rows
    problems = raw_table_problems(small_db[0], spark)
    assert not problems, "\n".join(problems)


def test_the_build_and_the_checks_pass_on_spark_as_on_duckdb(
    spark_built: tuple[int, dict[str, Any], str], duck_built: tuple[Path, dict[str, Any]]
) -> None:
    code, summary, output = spark_built
    assert code == 0, output
    assert summary["ok"] is True, summary["failed"]
    _, duck = duck_built
    # Every model is built, the metric tables too (the measures as tables, CTEs on DuckDB).
    models = duck["nodes"]["model"]["success"] + EPHEMERAL_ON_DUCKDB
    assert summary["nodes"]["model"] == {"success": models}
    assert summary["nodes"]["test"] == duck["nodes"]["test"]
    assert summary["nodes"]["seed"] == duck["nodes"]["seed"]
    assert summary["nodes"]["unit_test"] == duck["nodes"]["unit_test"]
    # The reconciliation is read back from Spark (revops_cli.warehouse).
    assert summary["reconciliation"] == duck["reconciliation"]
    if not SELECT:
        assert len(summary["reconciliation"]) == len(RAW_TABLES)

    # The expectation suites ran on Spark, through the pandas path, with DuckDB's verdicts
    # and counts (run times and the suites' own timing aside).
    def verdicts(run: dict[str, Any]) -> list[tuple[Any, ...]]:
        keys = ("suite", "expectation", "status", "element_count", "unexpected_count")
        return sorted(tuple(r[k] for k in keys) for r in run["checks"]["results"])

    assert summary["checks"]["counts"] == duck["checks"]["counts"]
    assert verdicts(summary) == verdicts(duck)
    assert summary["checks"]["results_table"] == "data_quality.dq_expectation_results"


def test_every_relation_matches_duckdb(
    spark_built: tuple[int, dict[str, Any], str],
    duck_built: tuple[Path, dict[str, Any]],
    spark: SparkWarehouse,
    lane_timings: dict[str, float],
) -> None:
    """Row counts, and per column non-null counts and sums to the cent, min/max dates,
    distinct text: equal on both engines for every seed, model and data-quality table."""
    assert spark_built[0] == 0, spark_built[2]
    duck = DuckDBWarehouse.open(duck_built[0])
    try:
        on_duck = relations(duck, NOT_BUILT)
        on_spark = relations(spark, (*NOT_BUILT, "default"))
        assert on_spark == on_duck
        assert len(on_spark) >= 40
        began = time.perf_counter()
        problems = compare(duck, spark, on_duck)
        lane_timings[f"compare {len(on_duck)} relations"] = time.perf_counter() - began
    finally:
        duck.close()
    assert not problems, "\n".join(problems)


def test_metric_queries_match_duckdb(
    spark_built: tuple[int, dict[str, Any], str],
    duck_built: tuple[Path, dict[str, Any]],
    spark: SparkWarehouse,
    lane_timings: dict[str, float],
) -> None:
    """The compiler's Spark SQL for a metric of every type, run on Spark, gives DuckDB's
    answer month by month (floats to 1e-9)."""
    assert spark_built[0] == 0, spark_built[2]
    catalog = load_catalog(PROJECT_DIR)
    duck = DuckDBWarehouse.open(duck_built[0])
    began = time.perf_counter()
    try:
        for name in METRICS:
            request = Request([name], grain="month")
            want = duck.query(compile_query(catalog, request, dialect="duckdb"))[1]
            got = spark.query(compile_query(catalog, request, dialect="spark"))[1]
            assert len(got) == len(want) > 0, name
            for g, w in zip(sorted(got, key=_key), sorted(want, key=_key), strict=True):
                assert _close(g, w), f"{name}: {g} vs {w}"
    finally:
        duck.close()
    lane_timings[f"{len(METRICS)} metric queries on Spark"] = time.perf_counter() - began


def _key(row: tuple[Any, ...]) -> str:
    return str(row[0])


def _close(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Equal rows; numbers to one part in 10^9 (float sums depend on their order)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, bool) or isinstance(y, bool):
            if x != y:
                return False
        elif isinstance(x, int | float | Decimal) and isinstance(y, int | float | Decimal):
            dx, dy = Decimal(str(x)), Decimal(str(y))
            if abs(dx - dy) > max(Decimal("1e-9"), abs(dy) * Decimal("1e-9")):
                return False
        elif x != y:
            return False
    return True


def test_parse_macros_agree_with_duckdb(
    profiles: Path, spark: SparkWarehouse, spark_env: Path, tmp_path: Path
) -> None:
    """spark__parse_timestamp / parse_date return what DuckDB's try_cast returns, and null
    (not an error) for text that is not a date."""
    on_spark = sorted(spark.query(compiled(profiles, "spark", PARSE_SQL))[1], key=str)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        sql = compiled(profiles, "duckdb", PARSE_SQL, tmp_path / "x.duckdb")
        on_duck = sorted(con.execute(sql).fetchall(), key=str)
    finally:
        con.close()
    assert on_spark == on_duck
    by_text = {v: (ts, d) for v, ts, d in on_spark}
    assert str(by_text["2025-03-04T10:15:00+01:00"][0]) == "2025-03-04 09:15:00"
    assert str(by_text["2025-03-04T24:00:00"][0]) == "2025-03-05 00:00:00"
    assert all(by_text[v] == (None, None) for v in ("31/02/2025", "N/A", "2025-02-29", ""))
