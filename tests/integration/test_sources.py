"""Where the raw data comes from: systems switched off build and pass with the rest of the
numbers unchanged, typed timestamps read as their text does, and `revops doctor` names
what a build would trip on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.generator import GenerationResult

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
#: CRM-only metrics: the same whichever of billing, support, product are on.
CRM_METRICS = ("leads", "mqls", "sals", "sqls", "opportunities_created", "deals_won")


def _build(db: Path, vars_text: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["build", "--database", str(db), "--vars", vars_text, "--format", "json"]
    )
    assert result.stdout.lstrip().startswith("{"), result.output
    summary = json.loads(result.stdout)
    failed = [r for r in summary["checks"]["results"] if r["status"] in ("fail", "error")]
    assert result.exit_code == 0, (summary["failed"], failed)
    return summary


def _kpis(db: Path, columns: tuple[str, ...]) -> dict[Any, tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"select month_start_date, {', '.join(columns)} from metrics.kpi_monthly"
        ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_a_company_without_support_builds_and_keeps_its_other_numbers(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    summary = _build(db, "{revops_sources: {support: none}}")
    sources = {s["system"]: s for s in summary["sources"]}
    assert sources["support"]["adapter"] == "none"
    # tickets, first response, 4 of health (score, at risk, scored, turned worse)
    assert sources["support"]["metrics_off"] == 6
    assert sources["billing"]["metrics_off"] == 0
    # The marts that need support, built empty so that BI tools still find them.
    assert sources["support"]["marts_empty"] == "fct_account_health, fct_support_tickets"
    assert sources["billing"]["marts_empty"] == ""
    after = _kpis(db, (*CRM_METRICS, "mrr", "tickets", "accounts_at_risk"))
    before = _kpis(built[0], (*CRM_METRICS, "mrr", "tickets", "accounts_at_risk"))
    assert after.keys() == before.keys()
    for month, values in after.items():
        assert values[: len(CRM_METRICS) + 1] == before[month][: len(CRM_METRICS) + 1], month
        assert values[-2:] == (None, None), month  # off, not 0
    assert any(v[-2] for v in before.values())  # the baseline had tickets


def test_a_company_without_billing_builds_its_funnel_from_typed_timestamps(
    small_db: tuple[Path, GenerationResult],
    built: tuple[Path, dict[str, Any]],
    tmp_path: Path,
) -> None:
    """billing and product off; the CRM's dates arrive typed (TIMESTAMPTZ) as a connector
    lands them, not as text: the funnel is the same as the text build's, month by month."""
    db = tmp_path / "revops.duckdb"
    shutil.copy(small_db[0], db)
    with duckdb.connect(str(db)) as con:
        for table, column in (("contacts", "created_at"), ("lifecycle_events", "occurred_at")):
            con.execute(
                f"alter table raw_crm.{table} alter {column} type timestamptz "
                f"using try_cast({column} as timestamptz)"
            )
        (kind,) = con.execute(
            "select data_type from information_schema.columns "
            "where table_schema = 'raw_crm' and table_name = 'contacts' "
            "and column_name = 'created_at'"
        ).fetchone()  # type: ignore[misc]
        assert kind == "TIMESTAMP WITH TIME ZONE"
    summary = _build(db, "{revops_sources: {billing: none, product: none}}")
    assert {s["system"]: s["adapter"] for s in summary["sources"]}["billing"] == "none"
    after = _kpis(db, (*CRM_METRICS, "mrr", "collected"))
    before = _kpis(built[0], (*CRM_METRICS, "mrr", "collected"))
    # Without billing the as-of is the CRM's newest load: the same months here.
    assert after.keys() == before.keys()
    for month, values in after.items():
        assert values[: len(CRM_METRICS)] == before[month][: len(CRM_METRICS)], month
        assert values[-2:] == (None, None), month
    with duckdb.connect(str(db), read_only=True) as con:
        metrics = {
            m
            for (m,) in con.execute("select distinct metric from metrics.metric_values").fetchall()
        }
        raw = dict(
            con.execute(
                "select source_relation, raw_rows from data_quality.dq_row_reconciliation"
            ).fetchall()
        )
    assert "leads" in metrics and "mrr" not in metrics and "collected" not in metrics
    assert raw["billing.invoices"] == 0 and raw["crm.contacts"] > 0


# --- revops doctor ------------------------------------------------------------------------


def _doctor(db: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["doctor", "--database", str(db), *args])
    return result.exit_code, result.output.splitlines()


@pytest.fixture()
def raw_db(small_db: tuple[Path, GenerationResult], tmp_path: Path) -> Path:
    db = tmp_path / "revops.duckdb"
    shutil.copy(small_db[0], db)
    return db


def test_doctor_passes_the_generated_raw_tables(raw_db: Path) -> None:
    code, lines = _doctor(raw_db)
    assert code == 0, lines
    assert lines[-1].startswith("17 checks: 0 error(s), 0 warning(s)")


@pytest.mark.parametrize(
    ("fault", "relation", "message"),
    [
        ("drop table raw_support.tickets", "raw_support.tickets", "missing: adapter revops"),
        (
            "alter table raw_crm.contacts drop column email",
            "raw_crm.contacts.email",
            "missing column",
        ),
        (
            "alter table raw_billing.invoices alter amount_due type varchar",
            "raw_billing.invoices.amount_due",
            "is VARCHAR, expected a number",
        ),
        ("delete from raw_product.usage_daily", "raw_product.usage_daily", "empty:"),
    ],
)
def test_doctor_names_each_fault_on_one_line_and_exits_2(
    raw_db: Path, fault: str, relation: str, message: str
) -> None:
    with duckdb.connect(str(raw_db)) as con:
        con.execute(fault)
    code, lines = _doctor(raw_db)
    assert code == 2
    problems = [line for line in lines if line.startswith("error")]
    assert len(problems) == 1, lines
    assert relation in problems[0] and message in problems[0]
    assert "fix the errors before a build" in lines[-1]


def test_doctor_skips_a_system_that_is_off(raw_db: Path) -> None:
    with duckdb.connect(str(raw_db)) as con:
        con.execute("drop table raw_support.tickets")
    code, lines = _doctor(raw_db, "--vars", "{revops_sources: {support: none}}")
    assert code == 0, lines
