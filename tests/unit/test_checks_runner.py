"""The runner on small hand-built tables: pass, fail with counts and examples, tolerance,
severity, skipped models, column pruning, persistence, JUnit, the CLI and the SQL path."""

from __future__ import annotations

import json
import socket
import sqlite3
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.checks.backends import Batch, DuckDBBackend, SqlBackend
from revops_cli.checks.report import check_text, write_junit
from revops_cli.checks.results import CheckRun
from revops_cli.checks.runner import run_checks
from revops_cli.cli import cli
from revops_cli.project import Project

PROJECT_DIR = Path(__file__).resolve().parents[2]

CONTACTS = [
    # contact_id, email, lead_source, mql_at, sql_at, notes
    ("C1", "ann@acme.com", "paid_search", "2025-01-01", "2025-01-02", "x" * 50),
    ("C2", "bob@acme.com", "webinar", "2025-01-01", "2025-01-03", "x"),
    ("C3", "not-an-email", "webinar", "2025-01-02", "2025-01-01", "x"),
    ("C4", "dan@beta.io", None, "2025-01-02", None, "x"),
    ("C5", "eve@beta", "content", None, None, "x"),
    ("C6", "fay@gamma.de", "content", "2025-01-03", "2025-01-04", "x"),
    ("C7", "gus@gamma.de", "content", "2025-01-03", "2025-01-05", "x"),
    ("C8", "hal@delta.se", "content", "2025-01-03", "2025-01-05", "x"),
    ("C9", "ivy@delta.se", "content", "2025-01-03", "2025-01-05", "x"),
    ("C10", "jon@delta.se", "content", "2025-01-03", "2025-01-05", "x"),
]


#: The models the throwaway project declares (a suite may only name these); only
#: stg_contacts is built (contacts: in the SQLite warehouse of the SQL path's test).
MODELS = ("stg_contacts", "contacts", "fct_not_yet")


def make_project(tmp_path: Path, suites: dict[str, str], min_completeness: float = 0.85) -> Project:
    """A throwaway project: the real definitions with its own completeness bar, the real
    seeds' currencies, the models of MODELS (empty files), a DuckDB file."""
    root = tmp_path / "project"
    (root / "profiles").mkdir(parents=True)
    (root / "models").mkdir()
    for model in MODELS:
        (root / "models" / f"{model}.sql").write_text("select 1 as placeholder\n")
    (root / "seeds").mkdir()
    (root / "tests" / "expectations").mkdir(parents=True)
    # The real project file (every definition is validated), with its own completeness bar.
    project = (PROJECT_DIR / "dbt_project.yml").read_text()
    bar = "lead_source_completeness_min: 0.95"
    assert project.count(bar) == 1
    (root / "dbt_project.yml").write_text(
        project.replace(bar, f"lead_source_completeness_min: {min_completeness}")
    )
    (root / "profiles" / "profiles.yml").write_text(
        (PROJECT_DIR / "profiles" / "profiles.yml").read_text()
    )
    (root / "seeds" / "currencies.csv").write_text(
        (PROJECT_DIR / "seeds" / "currencies.csv").read_text()
    )
    for name, text in suites.items():
        (root / "tests" / "expectations" / f"{name}.yml").write_text(textwrap.dedent(text))
    db = tmp_path / "t.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema staging")
    con.execute(
        """create table staging.stg_contacts (contact_id varchar, email varchar,
        lead_source varchar, mql_at timestamp, sql_at timestamp, notes varchar)"""
    )
    con.executemany("insert into staging.stg_contacts values (?, ?, ?, ?, ?, ?)", CONTACTS)
    con.close()
    return Project(root, root / "profiles", None, db)


CONTACT_SUITE = """
    model: stg_contacts
    key: contact_id
    expectations:
      - name: id_present
        expect: expect_column_values_to_not_be_null
        column: contact_id
      - name: email_valid
        expect: expect_column_values_to_match_regex
        column: email
        regex: '^[^@]+@[^@]+\\.[a-z]+$'
      - name: lead_source_present
        expect: expect_column_values_to_not_be_null
        column: lead_source
        mostly: {var: data_quality.lead_source_completeness_min}
      - name: sql_after_mql
        expect: expect_column_pair_values_a_to_be_greater_than_b
        column_A: sql_at
        column_B: mql_at
        or_equal: true
        ignore_row_if: either_value_is_missing
        severity: warn
"""


#: A suite on a model of the project that is not built.
LATER_SUITE = """
    model: fct_not_yet
    expectations:
      - expect: expect_column_values_to_not_be_null
        column: a
"""


@pytest.fixture(autouse=True)
def _target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))


def by_name(run: CheckRun) -> dict[str, Any]:
    return {r.expectation: r for r in run.results}


def test_pass_fail_tolerance_and_severity(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    run = run_checks(project)
    r = by_name(run)
    assert r["id_present"].status == "pass" and r["id_present"].unexpected_count == 0
    # Two bad emails: counted, with their keys as examples; an error expectation fails.
    email = r["email_valid"]
    assert (email.status, email.success, email.unexpected_count) == ("fail", False, 2)
    assert email.unexpected_percent == 20.0 and email.element_count == 10
    assert set(email.examples) == {"C3", "C5"}
    assert email.relation == "staging.stg_contacts"
    # One missing lead source in ten: 90 % >= mostly 0.85 is a pass, with its share.
    lead = r["lead_source_present"]
    assert (lead.status, lead.success, lead.unexpected_count) == ("pass", True, 1)
    assert lead.observed_value == 0.9 and lead.mostly == 0.85
    # A failing warn expectation warns and does not fail the run.
    order = r["sql_after_mql"]
    assert (order.status, order.success, order.unexpected_count, order.examples) == (
        "warn",
        False,
        1,
        ("C3",),
    )
    assert run.ok is False and [f.expectation for f in run.failed] == ["email_valid"]
    text = check_text(run)
    assert "FAIL    contacts  email_valid" in text and "C3, C5" in text
    assert text.rstrip().endswith("Checks FAILED (1 failing expectations)")


def test_above_the_tolerance_fails(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE}, min_completeness=0.95)
    lead = by_name(run_checks(project))["lead_source_present"]
    assert (lead.status, lead.unexpected_count) == ("fail", 1)


def test_only_the_needed_columns_are_read(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    seen: list[Batch] = []

    class Spy(DuckDBBackend):
        def validate(self, ctx: Any, batch: Batch, gx_suite: Any, fmt: dict[str, Any]) -> Any:
            seen.append(batch)
            return super().validate(ctx, batch, gx_suite, fmt)

    run_checks(project, backend=Spy(duckdb.connect(str(project.database))), docs=False)
    [batch] = seen
    assert batch.columns == ["contact_id", "email", "lead_source", "sql_at", "mql_at"]
    assert "notes" not in batch.select.sql()


def test_missing_model_is_skipped_and_missing_column_errors(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "later": LATER_SUITE,
            "typo": """
                model: stg_contacts
                expectations:
                  - name: typo
                    expect: expect_column_values_to_not_be_null
                    column: emial
            """,
        },
    )
    run = run_checks(project)
    r = {x.suite: x for x in run.results}
    assert (r["later"].status, r["later"].message) == ("skipped", "skipped (model not built)")
    assert r["typo"].status == "error" and "column emial not in staging.stg_contacts" in (
        r["typo"].message or ""
    )
    assert run.ok is False
    assert "Skipped (model not built): later" in check_text(run)


def test_where_and_query_suites(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "filtered": """
                model: stg_contacts
                key: contact_id
                expectations:
                  - name: delta_emails_valid
                    expect: expect_column_values_to_match_regex
                    column: email
                    regex: '@delta'
                    where: "email like '%.se'"
            """,
            "counts": """
                key: lead_source
                query: |
                  select lead_source, count(*) as contacts, {{ as_of }} as as_of
                  from {{ ref('stg_contacts') }}
                  group by all
                expectations:
                  - name: sources
                    expect: expect_table_row_count_to_equal
                    value: 4
                  - name: at_most_six_each
                    expect: expect_column_values_to_be_between
                    column: contacts
                    max_value: 5
            """,
        },
    )
    r = by_name(run_checks(project))
    assert (r["delta_emails_valid"].status, r["delta_emails_valid"].element_count) == ("pass", 3)
    assert r["sources"].status == "pass" and r["sources"].observed_value == 4
    assert (r["at_most_six_each"].status, r["at_most_six_each"].examples) == (
        "fail",
        ("content",),
    )


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("select * from read_text('/etc/hostname')", "reads read_text("),
        ("select * from '/etc/hostname'", 'reads "/etc/hostname"'),
        ("select getenv('HOME') as home from {{ ref('stg_contacts') }}", "getenv() is not allowed"),
        ("select * from staging.stg_contacts", "reads staging.stg_contacts"),
        ("select * from information_schema.tables", "reads information_schema.tables"),
        (
            "select * from {{ ref('stg_contacts') }} where email in (select 1 from glob('/*'))",
            "reads glob(",
        ),
        (
            "select current_setting('threads') as t from {{ ref('stg_contacts') }}",
            "current_setting() is not allowed",
        ),
        (
            "select query_to_xml('select 1', true, true, '') as x from {{ ref('stg_contacts') }}",
            "query_to_xml() is not allowed",
        ),
    ],
)
def test_a_suite_query_reads_only_what_ref_and_source_name(
    tmp_path: Path, query: str, error: str
) -> None:
    suite = f"""
        query: "{query}"
        expectations:
          - name: rows
            expect: expect_table_row_count_to_be_between
            min_value: 0
    """
    project = make_project(tmp_path, {"hostile": suite})
    [result] = run_checks(project).results
    assert result.status == "error"
    assert error.lower() in (result.message or "").lower(), result.message


def test_a_suite_query_may_alias_and_join_what_ref_names(tmp_path: Path) -> None:
    suite = """
        query: |
          select c.lead_source, count(*) as contacts
          from {{ ref('stg_contacts') }} as c
          join {{ ref('stg_contacts') }} as d on c.contact_id = d.contact_id
          group by 1
        expectations:
          - name: sources
            expect: expect_table_row_count_to_equal
            value: 4
    """
    project = make_project(tmp_path, {"aliased": suite})
    [result] = run_checks(project).results
    assert (result.status, result.observed_value) == ("pass", 4), result.message


def test_a_where_filter_reads_no_other_relation(tmp_path: Path) -> None:
    suite = """
        model: stg_contacts
        key: contact_id
        expectations:
          - name: emails
            expect: expect_column_values_to_not_be_null
            column: email
            where: "contact_id in (select table_name from information_schema.tables)"
    """
    project = make_project(tmp_path, {"sneaky": suite})
    [result] = run_checks(project).results
    assert result.status == "error"
    assert "reads another relation" in (result.message or "")


def test_a_suite_query_cannot_reach_files_even_past_the_parser(tmp_path: Path) -> None:
    # The connection the checks use refuses file access itself (DuckDB's
    # enable_external_access), whatever a query the guard missed would try.
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    backend = DuckDBBackend.for_project(project, read_only=False)
    try:
        with pytest.raises(duckdb.Error, match="disabled by config"):
            backend.con.execute("select * from read_text('/etc/hostname')")
    finally:
        backend.con.close()


def test_results_accumulate_one_run_id_per_run(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    first = run_checks(project)
    second = run_checks(project)
    assert first.stored_in == "data_quality.dq_expectation_results"
    con = duckdb.connect(str(project.database), read_only=True)
    rows = con.execute(
        """select run_id, count(*), count(*) filter (where not success)
        from data_quality.dq_expectation_results group by run_id order by min(run_at)"""
    ).fetchall()
    lead = con.execute(
        """select observed_value, unexpected_count, mostly, status
        from data_quality.dq_expectation_results where expectation = 'lead_source_present'
        limit 1"""
    ).fetchone()
    con.close()
    assert rows == [(first.run_id, 4, 2), (second.run_id, 4, 2)]
    assert lead == ("0.9", 1, 0.85, "pass")  # within its tolerance: a pass, share 0.9
    assert first.docs_index is not None and first.docs_index.is_file()
    assert first.docs_index.is_relative_to(tmp_path / "target")


def test_junit_xml(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    path = write_junit(run_checks(project, store=False, docs=False), tmp_path / "out" / "j.xml")
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    [failure] = root.iter("failure")
    assert "2 unexpected of 10 (20.00%)" in (failure.get("message") or "")
    assert "e.g. C3, C5" in (failure.get("message") or "")


def test_one_junit_file_holds_dbt_nodes_and_expectations(tmp_path: Path) -> None:
    from revops_cli.dbt_runner import BuildResult, NodeResult

    def node(name: str, kind: str, status: str, message: str | None = None) -> NodeResult:
        return NodeResult(f"{kind}.revops.{name}", name, kind, status, 0.1, None, message)

    dbt = BuildResult(
        ["build"],
        [
            node("stg_contacts", "model", "success"),
            node("unique_stg_contacts_contact_id", "test", "pass"),
            node("not_null_stg_contacts_email", "test", "fail", "Got 2 results"),
            node("accepted_values_stg_contacts_source", "test", "warn", "Got 1 result"),
            node("fct_later", "model", "skipped"),
        ],
    )
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    run = run_checks(project, store=False, docs=False)
    root = ET.parse(write_junit(run, tmp_path / "j.xml", dbt=dbt)).getroot()
    # 5 dbt nodes + 4 expectations; a failing dbt test and a failing expectation.
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("9", "2", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["dbt", "contacts"]
    [failure] = suites["dbt"].iter("failure")
    assert failure.text == "Got 2 results"
    [warned] = suites["dbt"].iter("system-out")
    assert warned.text == "warning: Got 1 result"


def test_no_network_is_touched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the checks tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    assert len(run_checks(project).results) == 4


def test_cli_check_exit_codes_and_json(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"contacts": CONTACT_SUITE})
    args = ["check", "--project-dir", str(project.project_dir), "--database", str(project.database)]
    failed = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert failed.exit_code == 1, failed.output
    out = json.loads(failed.stdout)
    assert out["ok"] is False and out["counts"]["fail"] == 1
    [fail] = [r for r in out["results"] if r["status"] == "fail"]
    assert (fail["expectation"], fail["column"], fail["unexpected_count"]) == (
        "email_valid",
        "email",
        2,
    )
    # Only warnings: exit 0, and the warning is named.
    relaxed = textwrap.dedent(CONTACT_SUITE).replace(
        "regex: '^[^@]+@[^@]+\\.[a-z]+$'", "regex: '@'\n    mostly: 0.5"
    )
    assert "mostly: 0.5" in relaxed
    (project.project_dir / "tests" / "expectations" / "contacts.yml").write_text(relaxed)
    warned = CliRunner().invoke(cli, args)
    assert warned.exit_code == 0, warned.output
    assert any(
        line.split()[:3] == ["WARN", "contacts", "sql_after_mql"]
        for line in warned.stdout.splitlines()
    ), warned.stdout
    assert "Checks PASSED" in warned.stdout


def test_a_suite_mistake_exits_2_with_file_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"bad": "model: x\nexpectations:\n  - expect: nope\n"})
    result = CliRunner().invoke(
        cli,
        ["check", "--project-dir", str(project.project_dir), "--database", str(project.database)],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "bad.yml:3: 'expect' names" in result.stderr


def test_a_suite_naming_no_model_of_the_project_exits_2(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "contacts": CONTACT_SUITE,
            "misspelt": """
                model: stg_contact
                expectations:
                  - expect: expect_column_values_to_not_be_null
                    column: contact_id
            """,
        },
    )
    result = CliRunner().invoke(
        cli,
        ["check", "--project-dir", str(project.project_dir), "--database", str(project.database)],
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "Error: misspelt.yml: suite misspelt names model 'stg_contact', which is not a model "
        "or seed of this project; did you mean 'stg_contacts'?"
    )


def test_nothing_built_is_not_a_pass(tmp_path: Path) -> None:
    # Every suite's model exists in the project, none is built: exit 1, not "PASSED".
    project = make_project(
        tmp_path,
        {"later": LATER_SUITE},
    )
    args = ["check", "--project-dir", str(project.project_dir), "--database", str(project.database)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.stdout.rstrip().endswith(
        "Checks FAILED: nothing was checked (no suite's model is built: run revops build)"
    )
    out = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).stdout)
    assert (out["ok"], out["nothing_checked"], out["counts"]["skipped"]) == (False, True, 1)


def test_the_sql_path_gives_the_same_results(tmp_path: Path) -> None:
    """GX's SQL datasource (here on SQLite), as used for PostgreSQL and warehouses."""
    project = make_project(
        tmp_path, {"contacts": CONTACT_SUITE.replace("stg_contacts", "contacts")}
    )
    path = tmp_path / "wh.sqlite"
    con = sqlite3.connect(path)
    con.execute(
        """create table contacts (contact_id text, email text, lead_source text,
        mql_at timestamp, sql_at timestamp, notes text)"""
    )
    con.executemany("insert into contacts values (?, ?, ?, ?, ?, ?)", CONTACTS)
    con.commit()
    con.close()
    backend = SqlBackend(f"sqlite:///{path}")
    run = run_checks(project, backend=backend, docs=False)
    backend.close()
    r = by_name(run)
    assert (r["email_valid"].status, r["email_valid"].unexpected_count) == ("fail", 2)
    assert set(r["email_valid"].examples) == {"C3", "C5"}
    assert (r["lead_source_present"].status, r["lead_source_present"].unexpected_count) == (
        "pass",
        1,
    )
    assert r["sql_after_mql"].unexpected_count == 1
    con = sqlite3.connect(path)
    assert con.execute(
        "select count(distinct run_id), count(*) from dq_expectation_results"
    ).fetchone() == (1, 4)
    con.close()
