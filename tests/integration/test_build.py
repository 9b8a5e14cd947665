"""Generate a business into a temporary DuckDB file, build it with `revops build`, and hold
the staged data to the generator's ground truth."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.contract import TABLES_BY_NAME
from revops_cli.project import Project

pytestmark = pytest.mark.integration


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_build_summary_reports_every_node_passing(built: tuple[Path, dict[str, Any]]) -> None:
    _, summary = built
    assert summary["ok"] is True
    assert summary["failed"] == []
    assert summary["nodes"]["model"]["success"] >= 36
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    assert summary["nodes"]["seed"]["success"] == len(list(seeds.glob("*.csv")))
    assert summary["nodes"]["test"]["pass"] >= 100
    # The known level of mess (lost deals without a loss reason) is judged by the
    # expectation suites within their tolerance: a clean build warns about nothing.
    assert set(summary["nodes"]["test"]) == {"pass"}
    assert summary["checks"]["counts"]["warn"] == 0
    assert len(summary["reconciliation"]) == 17
    assert summary["publish"]["published"] is True
    assert summary["publish"]["status"] == "published"


def test_raw_rows_equal_accepted_plus_rejected_and_the_truth(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    _, summary = built
    truth = dict(
        rows(con, "select source_table, (raw_rows, expected_rejected) from truth.raw_tables")
    )
    assert {r["source_table"] for r in summary["reconciliation"]} == set(truth)
    for r in summary["reconciliation"]:
        raw, rejected = truth[r["source_table"]]
        assert r["raw_rows"] == raw, r
        assert r["accepted_rows"] + r["rejected_rows"] == raw, r
        assert r["rejected_rows"] == rejected, r


def test_rejections_by_reason_are_exactly_the_injected_dirt(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = rows(
        con,
        """select source_system || '.' || source_table, rejection_reason, count(*)
        from data_quality.dq_rejected_rows group by all order by all""",
    )
    injected = rows(
        con,
        """select source_table, dirt_kind, row_count from truth.dirty_rows
        where is_rejected order by all""",
    )
    assert found == injected


def test_staging_refuses_rows_alone_and_validation_refuses_orphans(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Staging is 1:1 with its source less the rows judged bad on their own; the model the
    # marts read (int_*_validated for a table with foreign keys) also lacks the orphans.
    orphans = dict(
        rows(
            con,
            """select source_table, row_count from truth.dirty_rows
            where dirt_kind = 'orphan_foreign_key'""",
        )
    )
    assert orphans, "the generator injects orphans: the validation layer is exercised"
    for table, raw, rejected in rows(con, "select * from truth.raw_tables"):
        system, name = table.split(".")
        (staged,) = rows(con, f"select count(*) from staging.stg_{system}__{name}")[0]
        assert staged == raw - rejected + orphans.get(table, 0), table
        model = TABLES_BY_NAME[table].accepted_model
        schema = "intermediate" if model.startswith("int_") else "staging"
        (accepted,) = rows(con, f"select count(*) from {schema}.{model}")[0]
        assert accepted == raw - rejected, table


def test_timestamps_are_utc_and_match_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    # The CRM wrote local times with offsets; staged created_at is the true UTC instant.
    assert rows(
        con,
        """select count(*) from truth.leads as t
        join staging.stg_crm__contacts as c using (contact_id)
        where c.created_at = t.created_at""",
    ) == [(1_500,)]


def test_normalisation(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        con,
        """select count(*) from staging.stg_crm__contacts
        where email <> lower(trim(email))""",
    ) == [(0,)]
    assert rows(
        con,
        """select count(*) from staging.stg_billing__invoices
        where currency_code <> upper(currency_code)""",
    ) == [(0,)]
    # Duplicate people survive staging (identity resolution is the next layer's job).
    assert rows(
        con,
        """select count(*) - count(distinct email)
        from staging.stg_crm__contacts""",
    ) == rows(con, "select row_count from truth.dirty_rows where dirt_kind = 'duplicate_person'")


def test_soft_dirt_is_flagged_not_rejected(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        con,
        """select count(*) from staging.stg_crm__opportunities
        where is_missing_loss_reason""",
    ) == rows(con, "select row_count from truth.dirty_rows where dirt_kind = 'missing_loss_reason'")
    assert rows(
        con,
        """select count(*) from truth.leads join staging.stg_crm__contacts
        using (contact_id) where not has_lead_source""",
    ) == rows(con, "select row_count from truth.dirty_rows where dirt_kind = 'missing_lead_source'")


def test_funnel_by_month_matches_the_ground_truth(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    """The stage counts the catalog gives (what `revops demo` prints) are the generator's."""
    from revops_cli.metrics.api import MetricStore

    with MetricStore(Project.resolve(database=built[0])) as store:
        result = store.query(["leads", "mqls", "sals", "sqls"], grain="month")
    funnel = {r["period_start"]: r for r in result.to_dicts()}
    truth = rows(con, "select month, stage, people from truth.lifecycle_monthly")
    expected: dict[Any, dict[str, int]] = {}
    for month, stage, people in truth:
        expected.setdefault(month, {})[stage] = people
    assert set(expected) <= set(funnel)
    names = {"leads": "lead", "mqls": "mql", "sals": "sal", "sqls": "sql"}
    for month, got in funnel.items():
        for column, stage in names.items():
            assert got[column] == expected.get(month, {}).get(stage, 0), (month, stage)
    # Opportunities and wins of leads, from the mart (the catalog counts every opportunity).
    marts = rows(
        con,
        """select month, stage, count(*) from (
            select cast(date_trunc('month', opportunity_at) as date) as month,
                'opportunity' as stage from marts.fct_lead_funnel where opportunity_at is not null
            union all
            select cast(date_trunc('month', won_at) as date), 'won'
            from marts.fct_lead_funnel where won_at is not null
        ) group by all""",
    )
    for month, stage, people in marts:
        assert expected[month].get(stage, 0) == people, (month, stage)


def test_collected_cash_matches_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    staged = rows(
        con,
        """select cast(date_trunc('month', attempted_at) as date), currency_code,
            sum(amount)
        from intermediate.int_billing__payments_validated where status in ('succeeded', 'refunded')
        group by all order by all""",
    )
    truth = rows(
        con,
        """select month, currency_code, collected_amount from truth.cash_monthly
        where collected_amount > 0 order by all""",
    )
    assert staged == truth


def test_demo_funnel_text_reads_the_built_database(built: tuple[Path, dict[str, Any]]) -> None:
    from revops_cli.metrics.api import MetricStore
    from revops_cli.summary import funnel_text

    project = Project.resolve(database=built[0])
    text = funnel_text(project)
    lines = text.splitlines()
    assert lines[1].split() == [
        "period_start",
        "leads",
        "mqls",
        "sals",
        "sqls",
        "opportunities_created",
        "deals_won",
        "collected",
        "(USD)",
    ]
    assert "Funnel, last full month (2025-12-01 to 2026-01-01, exclusive" in text
    assert "Funnel, trailing 3 months (2025-10-01 to 2026-01-01, exclusive" in text
    # The same numbers as the catalog: `revops query collected` and the conversions.
    with MetricStore(project) as store:
        collected = store.query("collected").to_dicts()[-1]["collected"]
        conv = store.query("mql_to_sal", parts=True).to_dicts()[-1]
    december = next(line for line in lines if line.startswith("2025-12-01"))
    assert december.split()[-1] == f"{collected:,.2f}"
    last_month = text.split("Funnel, last full month")[1]
    mql = next(line for line in last_month.splitlines() if line.startswith("mql "))
    assert mql.split()[1:4] == [
        f"{int(conv['mql_to_sal__denominator']):,}",
        "sal",
        f"{int(conv['mql_to_sal__numerator']):,}",
    ]


def test_a_failing_dbt_test_exits_1_and_names_it(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db = tmp_path / "bad.duckdb"
    shutil.copy(built[0], db)
    c = duckdb.connect(str(db))
    c.execute("""insert into raw_billing.subscriptions
        select * replace ('S-PAUSED' as subscription_id, 'paused' as status)
        from raw_billing.subscriptions limit 1""")
    c.close()
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--database",
            str(db),
            "--select",
            "stg_billing__subscriptions",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is False
    [failed] = summary["failed"]
    assert failed["name"].startswith("accepted_values_stg_billing__subscriptions_status")
    assert failed["failures"] == 1
    # Where to look: the YAML that declares the test, and the SQL dbt ran for it.
    assert failed["path"] == "models/staging/billing/_billing__models.yml"
    ran = Path(failed["compiled_path"])
    ran = ran if ran.is_absolute() else Path(__file__).resolve().parents[2] / ran
    assert "paused" not in ran.read_text() and "stg_billing__subscriptions" in ran.read_text()


def test_a_selection_matching_nothing_exits_2(built: tuple[Path, dict[str, Any]]) -> None:
    result = CliRunner().invoke(
        cli, ["build", "--database", str(built[0]), "--select", "nonexistent_model"]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "Error: --select 'nonexistent_model' matches no model, seed or test of this project"
    )


def test_a_calendar_that_does_not_cover_the_data_fails_the_build(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # The demo's leads start in 2025: a calendar from June 2025 would silently cut them
    # out of every metric period. The build names the check and exits 1 instead.
    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    result = CliRunner().invoke(
        cli,
        [
            *("build", "--database", str(db), "--format", "json", "--skip-checks"),
            *("--select", "assert_calendar_covers_the_data"),
            *("--vars", "{revops_overrides: {calendar: {first_date: '2025-06-01'}}}"),
        ],
    )
    assert result.exit_code == 1, result.output
    [failed] = json.loads(result.stdout)["failed"]
    assert failed["name"] == "assert_calendar_covers_the_data"
    assert failed["failures"] >= 1


def test_a_progress_sink_that_fails_does_not_stop_dbt(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # e.g. stderr closed under `revops build | head`: dbt calls progress from its worker
    # threads, where an exception used to hang the build.
    from revops_cli.dbt_runner import run_dbt

    class ClosedPipe:
        calls = 0

        def started(self, name: str, index: int, total: int) -> None:
            self.calls += 1
            raise BrokenPipeError

        def finished(self, node: Any, done: int, total: int) -> None:
            self.calls += 1
            raise BrokenPipeError

    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    sink = ClosedPipe()
    result = run_dbt(
        Project.resolve(database=db), "build", ["--select", "stg_crm__users"], progress=sink
    )
    assert [n.name for n in result.nodes if n.resource_type == "model"] == ["stg_crm__users"]
    assert sink.calls == 1  # reported once, then left alone
    assert not result.failed


def test_plain_dbt_finds_the_shipped_profile(project_dir: Path, tmp_path: Path) -> None:
    """`dbt ... --profiles-dir profiles` works without copying anything."""
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [
            str(dbt),
            "ls",
            "--profiles-dir",
            "profiles",
            "--resource-type",
            "model",
            "--target-path",
            str(tmp_path / "target"),
            "--quiet",
            "--output",
            "name",
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "REVOPS_DUCKDB_PATH": str(tmp_path / "x.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "HOME": str(tmp_path),
        },
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "stg_crm__contacts" in proc.stdout.split()


def test_a_mart_that_loses_or_invents_a_row_fails_its_reconciliation(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    from revops_cli.dbt_runner import run_dbt

    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    c = duckdb.connect(str(db))
    (lost,) = c.execute("select min(invoice_id) from marts.fct_invoices").fetchone()  # type: ignore[misc]
    c.execute("delete from marts.fct_invoices where invoice_id = ?", [lost])
    c.execute(  # and one the accepted payments never had
        "insert into marts.fct_payments select * replace ('P-INVENTED' as payment_id) "
        "from marts.fct_payments limit 1"
    )
    c.execute("update marts.dim_contacts set crm_record_count = crm_record_count + 1 where "
              "contact_id = (select min(contact_id) from marts.dim_contacts)")  # fmt: skip
    c.close()
    result = run_dbt(
        Project.resolve(database=db),
        "test",
        ["--select", "test_name:revops_reconciles_with test_name:revops_merged_rows_add_up"],
        raise_on_failure=False,
    )
    failed = {n.name.split("_", 3)[-1][:40]: n.failures for n in result.failed}
    assert [n.failures for n in result.failed if "fct_invoices" in n.name] == [1]
    assert [n.failures for n in result.failed if "dim_contacts" in n.name] == [1]
    assert [n.failures for n in result.failed if "fct_payments" in n.name] == [1]
    assert len(result.failed) == 3, failed
