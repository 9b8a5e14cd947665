"""The expectation suites on generated data: clean data passes; dirt above a threshold fails
`revops build` naming the expectation and count; below it, a pass with its share; and the counts the
hard-rule checks report equal the rows in dq_rejected_rows."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.dbt_runner import run_dbt
from revops_cli.generator import GenerationResult
from revops_cli.project import Project

pytestmark = pytest.mark.integration

#: Staging, validation and the data-quality models only: the marts' suites must report
#: "skipped".
SELECT = (
    "path:models/staging path:models/intermediate/validation path:models/marts/data_quality "
    "path:seeds"
)
MART_SUITES = {
    "account_matching",
    "dim_accounts",
    "dim_contacts",
    "fct_lead_funnel",
    "fct_mrr",
    "fct_opportunities",
}
#: Hard-rule expectation -> the (raw table, rejection reasons) its failing rows are in.
HARD_RULES = {
    ("base_crm__contacts", "contact_id_present"): ("crm.contacts", ["missing_key"]),
    ("base_crm__contacts", "latest_load_only"): ("crm.contacts", ["superseded"]),
    ("base_crm__contacts", "created_at_parseable"): ("crm.contacts", ["unparseable_date"]),
    ("base_crm__opportunities", "amount_not_negative"): ("crm.opportunities", ["negative_amount"]),
    ("base_crm__opportunities", "currency_known"): ("crm.opportunities", ["unknown_currency"]),
    ("base_billing__invoices", "amount_not_negative"): ("billing.invoices", ["negative_amount"]),
    ("base_billing__invoices", "currency_known"): ("billing.invoices", ["unknown_currency"]),
    ("base_billing__invoices", "issued_at_parseable"): ("billing.invoices", ["unparseable_date"]),
    ("base_billing__subscription_items", "unit_amount_not_negative"): (
        "billing.subscription_items",
        ["negative_amount"],
    ),
    ("base_billing__subscription_items", "currency_known"): (
        "billing.subscription_items",
        ["unknown_currency"],
    ),
    ("base_billing__payments", "amount_positive"): (
        "billing.payments",
        ["negative_amount", "zero_amount"],
    ),
    ("base_billing__payments", "attempted_at_parseable"): (
        "billing.payments",
        ["unparseable_date"],
    ),
    ("base_marketing__ad_spend", "spend_not_negative"): ("marketing.ad_spend", ["negative_amount"]),
    ("base_marketing__ad_spend", "currency_known"): ("marketing.ad_spend", ["unknown_currency"]),
}


@pytest.fixture(scope="module")
def checked(
    small_db: tuple[Path, GenerationResult], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], Path]:
    """The small business, staged by dbt, then `revops check` once."""
    folder = tmp_path_factory.mktemp("checked")
    db = folder / "revops.duckdb"
    shutil.copy(small_db[0], db)
    project = Project.resolve(database=db)
    # cautious: not the tests of marts that read a seed (those marts are not built here)
    run_dbt(project, "build", ["--select", SELECT, "--indirect-selection", "cautious"])
    junit = folder / "expectations.xml"
    result = CliRunner().invoke(
        cli, ["check", "--database", str(db), "--format", "json", "--junit-xml", str(junit)]
    )
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout), junit


def results(out: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["suite"], r["expectation"]): r for r in out["results"]}


def dirty_copy(db: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "dirty.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    for sql in statements:
        con.execute(sql)
    con.close()
    return copy


def scalar(db: Path, sql: str) -> Any:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()


def test_clean_data_passes_and_marts_not_built_are_skipped(
    checked: tuple[Path, dict[str, Any], Path],
) -> None:
    _, out, _ = checked
    assert out["ok"] is True
    assert out["counts"]["fail"] == 0 and out["counts"]["error"] == 0
    skipped = {r["suite"] for r in out["results"] if r["status"] == "skipped"}
    assert skipped == MART_SUITES
    r = results(out)
    # The known mess of a real CRM is a pass within its tolerance, with the share observed.
    lead = r[("stg_crm__contacts", "lead_source_present")]
    assert lead["status"] == "pass" and lead["success"] is True and lead["unexpected_count"] > 0
    assert 0.95 <= lead["observed_value"] < 1
    assert lead["mostly"] == 0.95
    for name in (
        "raw_equals_accepted_plus_rejected",
        "raw_rows_match_the_raw_table",
        "accepted_rows_match_the_accepted_model",
        "rejected_rows_are_listed",
    ):
        assert r[("reconciliation", name)]["status"] == "pass", name
    assert r[("raw_sources", "loaded_within_72_hours")]["status"] == "pass"
    assert out["data_docs"] and Path(out["data_docs"]).is_file()


def test_hard_rule_counts_equal_the_rejected_rows(
    checked: tuple[Path, dict[str, Any], Path],
) -> None:
    db, out, _ = checked
    con = duckdb.connect(str(db), read_only=True)
    rejected = {
        (t, reason): n
        for t, reason, n in con.execute(
            """select source_system || '.' || source_table, rejection_reason, count(*)
            from data_quality.dq_rejected_rows group by all"""
        ).fetchall()
    }
    con.close()
    r = results(out)
    for key, (table, reasons) in HARD_RULES.items():
        expected = sum(rejected.get((table, reason), 0) for reason in reasons)
        assert expected > 0, key
        assert r[key]["unexpected_count"] == expected, key


def test_results_accumulate_and_junit_is_written(
    checked: tuple[Path, dict[str, Any], Path],
) -> None:
    db, out, junit = checked
    again = CliRunner().invoke(cli, ["check", "--database", str(db), "--suite", "raw_sources"])
    assert again.exit_code == 0, again.output
    runs = scalar(db, "select count(distinct run_id) from data_quality.dq_expectation_results")
    assert runs == 2
    stored = scalar(
        db,
        f"""select count(*) from data_quality.dq_expectation_results
        where run_id = '{out["run_id"]}'""",
    )
    assert stored == len(out["results"])
    root = ET.parse(junit).getroot()
    assert root.get("tests") == str(len(out["results"])) and root.get("failures") == "0"
    assert int(root.get("skipped") or 0) == out["counts"]["skipped"]


def test_dirt_above_the_threshold_fails_the_build(
    checked: tuple[Path, dict[str, Any], Path], tmp_path: Path
) -> None:
    db = dirty_copy(
        checked[0],
        tmp_path,
        # 10 % of contacts lose their lead source (the definitions allow 5 %) ...
        "update raw_crm.contacts set lead_source = null where hash(contact_id) % 10 = 0",
        # ... and 3 % get a broken email (1 % allowed).
        "update raw_crm.contacts set email = 'broken.at.example' where hash(contact_id) % 33 = 1",
    )
    result = CliRunner().invoke(
        cli, ["build", "--database", str(db), "--select", "base_crm__contacts", "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["ok"] is False and out["failed"] == []  # dbt passed; the checks did not
    failed = {r["expectation"]: r for r in out["checks"]["results"] if r["status"] == "fail"}
    assert set(failed) == {"lead_source_present", "email_is_valid"}
    missing = scalar(db, "select count(*) from staging.stg_crm__contacts where lead_source is null")
    broken = scalar(
        db, "select count(*) from staging.stg_crm__contacts where email = 'broken.at.example'"
    )
    assert failed["lead_source_present"]["unexpected_count"] == missing
    assert failed["email_is_valid"]["unexpected_count"] == broken
    assert failed["email_is_valid"]["examples"]

    table = CliRunner().invoke(cli, ["check", "--database", str(db), "--suite", "stg_crm__*"])
    assert table.exit_code == 1
    line = next(x for x in table.stdout.splitlines() if "email_is_valid" in x)
    assert line.split()[:3] == ["FAIL", "stg_crm__contacts", "email_is_valid"]
    assert f"{broken}" in line.split()


def test_dirt_below_the_threshold_passes_with_its_share(
    checked: tuple[Path, dict[str, Any], Path], tmp_path: Path
) -> None:
    db = dirty_copy(
        checked[0],
        tmp_path,
        "update raw_crm.contacts set email = 'broken.at.example' where hash(contact_id) % 300 = 1",
    )
    result = CliRunner().invoke(
        cli, ["check", "--database", str(db), "--suite", "stg_crm__contacts", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    email = results(json.loads(result.stdout))[("stg_crm__contacts", "email_is_valid")]
    broken = scalar(
        db, "select count(*) from staging.stg_crm__contacts where email = 'broken.at.example'"
    )
    assert broken > 0
    assert (email["status"], email["success"], email["unexpected_count"]) == ("pass", True, broken)


def test_suite_queries_run_read_only_and_results_are_still_stored(
    checked: tuple[Path, dict[str, Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On DuckDB the suites' queries run on a read-only connection (a backstop behind the
    query guard); the results are stored through a second connection opened after it."""
    from revops_cli.checks import runner

    db = checked[0]
    opened: list[tuple[bool, bool]] = []  # (read_only asked, the connection refuses writes)
    real = runner.open_backend

    def spy(project: Project, *, read_only: bool = False) -> Any:
        backend = real(project, read_only=read_only)
        try:
            backend.con.execute("create temp table probe as select 1")  # temp: allowed
            backend.con.execute("create table main.probe_write as select 1")
            refuses = False
            backend.con.execute("drop table main.probe_write")
        except duckdb.Error:
            refuses = True
        opened.append((read_only, refuses))
        return backend

    monkeypatch.setattr(runner, "open_backend", spy)
    before = scalar(db, "select count(*) from data_quality.dq_expectation_results")
    run = runner.run_checks(Project.resolve(database=db), select=["stg_crm__contacts"], docs=False)
    after = scalar(db, "select count(*) from data_quality.dq_expectation_results")
    assert opened == [(True, True), (False, False)]
    assert after - before == len(run.results) > 0
