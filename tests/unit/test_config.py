"""One project configuration: vars merged as dbt merges them, what-if overrides for dbt and
the suites alike, every section typed, typos in --vars reported in the --vars text, one
way to open the warehouse."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from revops_cli.checks.runner import project_vars
from revops_cli.cli import cli
from revops_cli.config import ProjectConfig
from revops_cli.definitions import validate_definitions
from revops_cli.errors import ConfigError, DatabaseError
from revops_cli.project import Project, open_duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_vars_merge_as_dbt_merges_them() -> None:
    config = ProjectConfig.load(
        PROJECT_DIR,
        "{revops_sources: {support: none},"
        " revops_overrides: {collections: {write_off_after_days: 90}}}",
    )
    # A top-level var given in --vars replaces the project's whole: the systems it leaves
    # out take their defaults ...
    assert config.vars["revops_sources"] == {"support": "none"}
    assert {s: c.adapter_name for s, c in config.sources.items()} == {
        "crm": "revops",
        "marketing": "revops",
        "billing": "revops",
        "support": "none",
        "product": "revops",
    }
    assert config.sources["crm"].schema == "raw_crm"
    # ... while the definitions take single keys from revops_overrides, the rest kept.
    assert config.definitions["collections"] == {
        "aging_bucket_upper_days": [30, 60, 90],
        "write_off_after_days": 90,
        "ar_over_30_days_max": 25000,
    }
    assert config.definitions["slas"]["lead_response_hours"] == 24
    # The suites read the same values.
    project = Project.resolve(project_dir=PROJECT_DIR)
    seen = project_vars(project, config.vars_text)
    assert seen["revops"]["collections"]["write_off_after_days"] == 90
    assert seen["revops"]["slas"]["conversion_window_days"] == 90
    assert seen["revops_sources"] == {"support": "none"}


@pytest.mark.parametrize("vars_text", ["null", "~", "[1, 2]", "3"])
def test_vars_that_are_not_a_mapping_are_refused(vars_text: str) -> None:
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        ProjectConfig.load(PROJECT_DIR, vars_text)


@pytest.mark.parametrize("vars_text", [None, "", "  ", "{revops_overrides: null}", "{}"])
def test_empty_vars_change_nothing(vars_text: str | None) -> None:
    config = ProjectConfig.load(PROJECT_DIR, vars_text)
    assert config.overrides == {}
    assert config.definitions == ProjectConfig.load(PROJECT_DIR).base_definitions


@pytest.mark.parametrize(
    ("vars_text", "where", "message"),
    [
        (
            "{revops_overrides: {health: {weigths: {csat: 0.2}}}}",
            "--vars:1:30: revops_overrides.health.weigths",
            "unknown key; did you mean 'weights'?",
        ),
        (
            "revops_overrides:\n  collections:\n    write_off_after_dayz: 90\n",
            "--vars:3:5: revops_overrides.collections.write_off_after_dayz",
            "did you mean 'write_off_after_days'?",
        ),
        (
            "{revops_overrides: {data_quality: {lead_source_completeness_min: 1.5}}}",
            "--vars:1:66: revops_overrides.data_quality.lead_source_completeness_min",
            "less than or equal to 1, got 1.5",
        ),
        (
            "{revops_overrides: {health: {weights: {csat: 0.5}}}}",
            "--vars:1:39: revops_overrides.health.weights",
            "the weights must sum to 1, they sum to 1.35",
        ),
        (
            "{revops_overrides: {collections: {aging_bucket_upper_days: [60, 30]}}}",
            "--vars:1:34: revops_overrides.collections",
            "positive and increasing",
        ),
        (
            "{revops_overrides: {lifecycle: {mql: {fit: {seniorities: [ceo]}}}}}",
            "--vars:1:59: revops_overrides.lifecycle.mql.fit.seniorities.0",
            "got 'ceo'",
        ),
        (
            "{revops_overrides: {slas: {stagnation_days: {won: 3}}}}",
            "--vars:1:46: revops_overrides.slas.stagnation_days.won",
            "Input should be 'discovery', 'demo', 'proposal' or 'negotiation'",
        ),
        (
            "{revops_overrides: {revenue: {as_of: yesterday}}}",
            "--vars:1:38: revops_overrides.revenue.as_of",
            "valid datetime",
        ),
        (
            # true is not 1: pydantic alone would read it so, and MQLs would change
            "{revops_overrides: {lifecycle: {mql: {qualifying_actions: {min_score: true}}}}}",
            "--vars:1:71: revops_overrides.lifecycle.mql.qualifying_actions.min_score",
            "expected a number or text, got true",
        ),
        (
            # a currency the seeds cannot convert to would read every amount as 0
            "{revops_overrides: {reporting_currency: XXX}}",
            "--vars:1:41: revops_overrides.reporting_currency",
            "'XXX' is not in seeds/currencies.csv",
        ),
    ],
)
def test_mistakes_in_vars_are_reported_in_the_vars_text(
    vars_text: str, where: str, message: str
) -> None:
    problems = [str(p) for p in validate_definitions(PROJECT_DIR, vars_text=vars_text)]
    assert len(problems) == 1, problems
    assert problems[0].startswith(where + ": "), problems
    assert message in problems[0]


@pytest.mark.parametrize("command", [["definitions", "show"], ["definitions", "validate"]])
def test_definitions_commands_refuse_a_misspelt_override(command: list[str]) -> None:
    result = CliRunner().invoke(
        cli,
        [
            *command,
            "--project-dir",
            str(PROJECT_DIR),
            "--vars",
            "{revops_overrides: {slas: {lead_respons_hours: 4}}}",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--vars:1:28: revops_overrides.slas.lead_respons_hours" in result.output
    assert "did you mean 'lead_response_hours'?" in result.output


def test_query_and_build_refuse_a_misspelt_override(tmp_path: Path) -> None:
    db = tmp_path / "never.duckdb"
    bad = "{revops_overrides: {data_quality: {min_crm_contact: 5}}}"
    for args in (["build"], ["query", "leads"], ["check"]):
        result = CliRunner().invoke(
            cli, [*args, "--project-dir", str(PROJECT_DIR), "--database", str(db), "--vars", bad]
        )
        assert result.exit_code == 2, (args, result.output)
        assert "did you mean 'min_crm_contacts'?" in result.output, (args, result.output)
    assert not db.exists()


def test_overrides_written_in_the_project_file_are_located_there(tmp_path: Path) -> None:
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    text += "  revops_overrides:\n    slas:\n      lead_response_hours: -5\n"
    (tmp_path / "dbt_project.yml").write_text(text)
    line = text.count("\n") - 1 + 1  # the last line, 1-based
    [problem] = validate_definitions(tmp_path)
    assert (problem.key, problem.line, problem.column) == (
        "vars.revops_overrides.slas.lead_response_hours",
        line,
        28,
    )
    # ... and they are in force for every reader, as for dbt's var('revops_overrides').
    assert ProjectConfig.load(tmp_path).definitions["slas"]["lead_response_hours"] == -5


def test_a_key_given_twice_in_the_project_file_is_refused(tmp_path: Path) -> None:
    # YAML keeps the last of two equal keys silently; revops names both lines.
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    lines = text.splitlines(keepends=True)
    [at] = [i for i, line in enumerate(lines) if line.strip().startswith("reporting_currency:")]
    lines.insert(at + 1, lines[at].replace(lines[at].split(":", 1)[1], " EUR\n"))
    (tmp_path / "dbt_project.yml").write_text("".join(lines))
    indent = len(lines[at]) - len(lines[at].lstrip()) + 1
    with pytest.raises(ConfigError) as info:
        ProjectConfig.load(tmp_path)
    assert str(info.value).endswith(
        f"dbt_project.yml:{at + 2}:{indent}: vars.revops.reporting_currency: duplicate key "
        f"(first on line {at + 1})"
    )


def test_a_key_given_twice_in_vars_is_refused() -> None:
    text = "{revops_overrides: {slas: {lead_response_hours: 4, lead_response_hours: 8}}}"
    with pytest.raises(ConfigError) as info:
        ProjectConfig.load(PROJECT_DIR, text)
    assert str(info.value) == (
        "--vars gives revops_overrides.slas.lead_response_hours twice (column 52); YAML would "
        "keep the last silently"
    )


def test_a_missing_typed_section_is_named(tmp_path: Path) -> None:
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    start = text.rindex("    data_quality:\n")
    (tmp_path / "dbt_project.yml").write_text(text[:start])
    [problem] = validate_definitions(tmp_path)
    assert problem.key == "vars.revops.data_quality"
    assert problem.message == "required key is missing"


def test_the_whole_definitions_var_is_refused_everywhere() -> None:
    with pytest.raises(ConfigError, match="revops_overrides"):
        ProjectConfig.load(PROJECT_DIR, "{revops: {slas: {lead_response_hours: 4}}}")


def test_profile_is_read_and_rendered_in_one_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "profiles.yml").write_text(
        textwrap.dedent(
            """
            revops:
              target: pg
              outputs:
                pg:
                  type: postgres
                  host: "{{ env_var('REVOPS_TEST_HOST', 'localhost') }}"
                  port: "{{ env_var('REVOPS_TEST_PORT') | as_number }}"
                  user: me
                  dbname: revops
                  schema: main
            """
        )
    )
    monkeypatch.setenv("REVOPS_TEST_PORT", "6543")
    project = Project.resolve(project_dir=PROJECT_DIR, profiles_dir=tmp_path)
    assert project.target_type() == "postgres"
    output = project.target_output()
    assert (output["host"], output["port"]) == ("localhost", 6543)
    monkeypatch.delenv("REVOPS_TEST_PORT")
    with pytest.raises(ConfigError, match="REVOPS_TEST_PORT"):
        project.target_output()


def test_profile_mistakes_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "profiles.yml").write_text("revops: [\n")
    project = Project.resolve(project_dir=PROJECT_DIR, profiles_dir=tmp_path)
    with pytest.raises(ConfigError, match="no usable 'revops' profile"):
        project.target_output()
    (tmp_path / "profiles.yml").write_text(
        "revops:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
        "      port: \"{{ env_var('REVOPS_TEST_PORT') | as_number }}\"\n"
    )
    monkeypatch.setenv("REVOPS_TEST_PORT", "abc")
    with pytest.raises(ConfigError, match="cannot render port"):
        project.target_output()


def test_dbt_target_chooses_the_target_as_it_does_for_dbt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "profiles.yml").write_text(
        "revops:\n  target: duck\n  outputs:\n    duck: {type: duckdb, path: x.duckdb}\n"
        "    pg: {type: postgres, host: localhost}\n"
    )
    project = Project.resolve(project_dir=PROJECT_DIR, profiles_dir=tmp_path)
    assert project.target_output()["type"] == "duckdb"
    monkeypatch.setenv("DBT_TARGET", "pg")
    assert project.target_output()["type"] == "postgres"
    assert project.target_type() == "postgres"


def test_a_missing_database_is_never_created_by_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "typo.duckdb"
    result = CliRunner().invoke(
        cli, ["check", "--project-dir", str(PROJECT_DIR), "--database", str(db)]
    )
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert not db.exists()


def test_a_database_held_by_another_process_says_so(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    open_duckdb(db, read_only=False, create=True).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(30)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseError) as info:
            open_duckdb(db, read_only=False)
        # The holder by its PID, so that it can be found and closed.
        assert str(info.value).startswith(f"{db} is open in process {holder.pid} (")
    finally:
        holder.kill()
        holder.wait()


def test_shipped_example_profile_still_resolves(tmp_path: Path) -> None:
    shutil.copy(PROJECT_DIR / "profiles" / "profiles.yml", tmp_path / "profiles.yml")
    project = Project.resolve(project_dir=PROJECT_DIR, profiles_dir=tmp_path)
    assert project.target_type() == "duckdb"
