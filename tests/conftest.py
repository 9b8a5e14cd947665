"""Shared fixtures: a small generated business, generated once per session."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.generator import GenerationResult, generate

PROJECT_DIR = Path(__file__).resolve().parents[1]
#: Small but with every kind of row: ~1,500 leads over 12 months.
SMALL = {"seed": 7, "scale": 0.3, "months": 12}


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationResult]:
    path = tmp_path_factory.mktemp("small") / "revops.duckdb"
    return path, generate(path, PROJECT_DIR, **SMALL)  # type: ignore[arg-type]


@pytest.fixture()
def small_con(small_db: tuple[Path, GenerationResult]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(small_db[0]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def built(
    small_db: tuple[Path, GenerationResult], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """The small business built once by `revops build` (one dbt invocation) for every
    integration test; returns the database and the JSON summary."""
    from revops_cli.cli import cli

    db = tmp_path_factory.mktemp("built") / "revops.duckdb"
    shutil.copy(small_db[0], db)
    result = CliRunner().invoke(cli, ["build", "--database", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


@pytest.fixture()
def con(built: tuple[Path, dict[str, Any]]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the built database."""
    c = duckdb.connect(str(built[0]), read_only=True)
    yield c
    c.close()


@pytest.fixture()
def coverage(con: duckdb.DuckDBPyConnection) -> list[Any]:
    """Every month from the first with a row in any time column the metric catalog reads to
    the month holding the data's as-of (worked out here, not by the compiler): the periods
    every metric and metric table must cover, no more."""
    from datetime import timedelta

    from revops_cli.metrics.catalog import load_catalog

    catalog = load_catalog(PROJECT_DIR)
    firsts = [
        con.execute(f"select min(cast({t} as date)) from {catalog.models[m].schema}.{m}").fetchone()
        for m, t in catalog.time_sources()
    ]
    first = min(f[0] for f in firsts if f is not None and f[0] is not None)
    (last,) = con.execute("select last_closed_date from marts.dim_as_of").fetchone()  # type: ignore[misc]
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months
