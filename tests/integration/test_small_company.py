"""A small company's data passes the build and its suites when it is right, and fails them
when it is wrong: the demo at scale 0.1 (500 leads over 18 months)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.generator import generate

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    db = tmp_path_factory.mktemp("tenth") / "revops.duckdb"
    generate(db, PROJECT_DIR, seed=3, scale=0.1)
    result = CliRunner().invoke(
        cli,
        ["build", "--project-dir", str(PROJECT_DIR), "--database", str(db), "--format", "json"],
    )
    assert result.stdout.lstrip().startswith("{"), result.output
    summary = json.loads(result.stdout)
    failed = [r for r in summary["checks"]["results"] if r["status"] in ("fail", "error")]
    assert result.exit_code == 0, (summary["failed"], failed)
    return db, summary


def test_the_demo_at_a_tenth_passes_every_suite(
    small_company: tuple[Path, dict[str, object]],
) -> None:
    db, summary = small_company
    checks = summary["checks"]
    assert isinstance(checks, dict)
    assert checks["ok"] is True
    assert checks["counts"]["fail"] == checks["counts"]["error"] == 0
    assert checks["counts"]["skipped"] == 0  # every suite ran on a built model
    with duckdb.connect(str(db), read_only=True) as con:
        (contacts,) = con.execute("select count(*) from raw_crm.contacts").fetchone()  # type: ignore[misc]
        # Junk scales down with the data (at least one row per kind, not a fixed handful),
        # and staging rejects exactly the junk the generator wrote, for its reason.
        truth = dict(
            con.execute(
                """select source_table || ':' || dirt_kind, row_count from truth.dirty_rows
                where is_rejected"""
            ).fetchall()
        )
        rejected = dict(
            con.execute(
                """select source_system || '.' || source_table || ':' || rejection_reason,
                count(*) from data_quality.dq_rejected_rows group by 1"""
            ).fetchall()
        )
    assert 500 <= contacts < 700
    assert rejected == truth
    assert truth["crm.contacts:missing_key"] == 1


def test_the_same_small_company_fails_when_its_data_is_wrong(
    small_company: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    # A broken export that lost every lead's source: completeness 0 < the 0.95 bar, so the
    # suite on the staged contacts (a view over the raw table) fails, exit 1.
    db = tmp_path / "broken.duckdb"
    db.write_bytes(small_company[0].read_bytes())
    with duckdb.connect(str(db)) as con:
        con.execute("update raw_crm.contacts set lead_source = null")
    result = CliRunner().invoke(
        cli,
        [
            *("check", "--project-dir", str(PROJECT_DIR), "--suite", "stg_crm__contacts"),
            *("--database", str(db), "--format", "json"),
        ],
    )
    assert result.exit_code == 1, result.output
    [failed] = [r for r in json.loads(result.stdout)["results"] if r["status"] == "fail"]
    assert (failed["expectation"], failed["unexpected_percent"]) == ("lead_source_present", 100.0)
