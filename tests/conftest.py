"""Shared fixtures: a small generated business, generated once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

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
