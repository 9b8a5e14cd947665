"""Fixture pairs for the metric compiler: metric YAML in, SQL per dialect and values out.

Each tests/fixtures/metrics/cases/<case>/ holds metrics.yml, case.yml (the request and the
values expected on the hand-built tables of tests/fixtures/metrics/project/data.sql, worked
out by hand in its comment; optionally the data's ``as_of`` and ``setup`` SQL) and
expected.<dialect>.sql. REVOPS_UPDATE_FIXTURES=1 rewrites the SQL files (review the diff);
the values are never generated.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml

from revops_cli.metrics.catalog import Catalog, load_catalog
from revops_cli.metrics.compiler import compile_query
from revops_cli.metrics.request import Request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metrics"
CASES = sorted(p.name for p in (FIXTURES / "cases").iterdir() if p.is_dir())
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "databricks")


def _catalog(tmp_path: Path, case: str) -> Catalog:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", project)
    (project / "metrics").mkdir()
    shutil.copy(FIXTURES / "cases" / case / "metrics.yml", project / "metrics" / f"{case}.yml")
    return load_catalog(project)


def _spec(case: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / "cases" / case / "case.yml").read_text())  # type: ignore[no-any-return]


def _request(case: str) -> tuple[Request, list[dict[str, Any]]]:
    spec = _spec(case)
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


def _data(case: str) -> duckdb.DuckDBPyConnection:
    """The hand-built tables, as of the case's date, with its own extra rows."""
    spec = _spec(case)
    con = duckdb.connect()
    con.execute((FIXTURES / "project" / "data.sql").read_text())
    if spec.get("as_of"):
        day = spec["as_of"]
        con.execute(f"update marts.dim_as_of set last_closed_date = date '{day}'")
    if spec.get("setup"):
        con.execute(spec["setup"])
    return con


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
def test_values_on_hand_built_tables(tmp_path: Path, case: str) -> None:
    request, expected = _request(case)
    data = _data(case)
    try:
        cur = data.execute(compile_query(_catalog(tmp_path, case), request))
        columns = [d[0] for d in cur.description]
        rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    finally:
        data.close()
    assert len(rows) == len(expected), rows
    for got, want in zip(rows, expected, strict=True):
        assert set(got) == set(want)
        for key, value in want.items():
            if isinstance(value, date | str) or value is None:
                assert got[key] == value, (key, got, want)
            else:
                assert got[key] == pytest.approx(value), (key, got, want)
