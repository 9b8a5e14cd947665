"""Fixture pairs for the metric compiler: metric YAML in, SQL per dialect and values out.

Each tests/fixtures/metrics/cases/<case>/ holds metrics.yml, case.yml (the request and the
values expected on the hand-built tables of tests/fixtures/metrics/project/data.sql, worked
out by hand in its comment) and expected.<dialect>.sql. REVOPS_UPDATE_FIXTURES=1 rewrites
the SQL files (review the diff); the values are never generated.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml

from revops_cli.metrics.catalog import Catalog, load_catalog
from revops_cli.metrics.compiler import Request, compile_query

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metrics"
CASES = sorted(p.name for p in (FIXTURES / "cases").iterdir() if p.is_dir())
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "databricks")


def _catalog(tmp_path: Path, case: str) -> Catalog:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", project)
    (project / "metrics").mkdir()
    shutil.copy(FIXTURES / "cases" / case / "metrics.yml", project / "metrics" / f"{case}.yml")
    return load_catalog(project)


def _request(case: str) -> tuple[Request, list[dict[str, Any]]]:
    spec = yaml.safe_load((FIXTURES / "cases" / case / "case.yml").read_text())
    req = spec["request"]
    request = Request(
        req["metrics"],
        grain=req.get("grain", "month"),
        dimensions=req.get("dimensions", []),
        where=req.get("where"),
        start=req.get("start"),
        end=req.get("end"),
    )
    return request, spec["expected"]


@pytest.fixture(scope="module")
def data() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute((FIXTURES / "project" / "data.sql").read_text())
    yield con
    con.close()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_matches_the_fixture(tmp_path: Path, case: str, dialect: str) -> None:
    request, _ = _request(case)
    sql = compile_query(_catalog(tmp_path, case), request, dialect=dialect) + "\n"
    path = FIXTURES / "cases" / case / f"expected.{dialect}.sql"
    if os.environ.get("REVOPS_UPDATE_FIXTURES"):
        path.write_text(sql)
    assert sql == path.read_text()
    # and it is valid SQL in that dialect
    assert sqlglot.parse_one(sql, read=dialect) is not None


@pytest.mark.parametrize("case", CASES)
def test_values_on_hand_built_tables(
    tmp_path: Path, case: str, data: duckdb.DuckDBPyConnection
) -> None:
    request, expected = _request(case)
    cur = data.execute(compile_query(_catalog(tmp_path, case), request))
    columns = [d[0] for d in cur.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) == len(expected), rows
    for got, want in zip(rows, expected, strict=True):
        assert set(got) == set(want)
        for key, value in want.items():
            if isinstance(value, date | str) or value is None:
                assert got[key] == value, (key, got, want)
            else:
                assert got[key] == pytest.approx(value), (key, got, want)
