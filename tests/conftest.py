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
