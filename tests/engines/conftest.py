"""The engine lanes' shared fixtures: the profile, the DuckDB reference build, and seconds
per step, printed in pytest's closing summary (the README quotes them)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from lanes import PROJECT_DIR, build_cli

from revops_cli.generator import GenerationResult

_TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def lane_timings(request: pytest.FixtureRequest) -> dict[str, float]:
    """Steps record their seconds here; the summary prints them (the README quotes them)."""
    return request.config.stash.setdefault(_TIMINGS, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    timings = terminalreporter.config.stash.get(_TIMINGS, {})
    if timings:
        terminalreporter.section("engine lane timings")
        for step, seconds in timings.items():
            terminalreporter.write_line(f"{seconds:7.1f}s  {step}")


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """profiles.example.yml as the profile: its duckdb, postgres and spark blocks must work."""
    folder = tmp_path_factory.mktemp("profiles")
    shutil.copy(PROJECT_DIR / "profiles.example.yml", folder / "profiles.yml")
    return folder


@pytest.fixture(scope="module")
def duck_built(
    small_db: tuple[Path, GenerationResult],
    tmp_path_factory: pytest.TempPathFactory,
    lane_timings: dict[str, float],
) -> tuple[Path, dict[str, Any]]:
    """The same seed built on DuckDB: the reference."""
    db = tmp_path_factory.mktemp("duck") / "revops.duckdb"
    shutil.copy(small_db[0], db)
    began = time.perf_counter()
    code, summary, output = build_cli(["--database", str(db)])
    lane_timings["revops build on DuckDB"] = time.perf_counter() - began
    assert code == 0, output
    return db, summary
