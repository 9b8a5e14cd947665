"""The shared definitions: schema validation with file:line:column, what-if overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.definitions import (
    deep_merge,
    load_definitions,
    overrides_from_vars,
    validate_definitions,
)
from revops_cli.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _project_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int, int]:
    """A copy of dbt_project.yml with one edit; returns the folder and the edit's line/col."""
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    assert text.count(old) == 1, old
    edited = text.replace(old, new)
    (tmp_path / "dbt_project.yml").write_text(edited)
    offset = edited.index(new)
    line = edited.count("\n", 0, offset) + 1
    column = offset - (edited.rfind("\n", 0, offset) + 1) + 1
    return tmp_path, line, column


def test_the_shipped_definitions_are_valid() -> None:
    assert validate_definitions(PROJECT_DIR) == []


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "min_company_size: 20",
            "min_company_size: twenty",
            "vars.revops.lifecycle.mql.fit.min_company_size",
            "valid integer, unable to parse string as an integer, got 'twenty'",
        ),
        (
            "min_score: 60",
            "min_scor: 60",
            "vars.revops.lifecycle.mql.qualifying_actions.min_scor",
            "unknown key; did you mean 'min_score'?",
        ),
        (
            "fiscal_year_start_month: 2",
            "fiscal_year_start_month: 13",
            "vars.revops.fiscal_year_start_month",
            "less than or equal to 12, got 13",
        ),
        (
            "lead_response_hours: 24",
            "lead_response_hours: -1",
            "vars.revops.slas.lead_response_hours",
            "greater than 0, got -1",
        ),
        (
            "seniorities: [manager, director, vp, c_level]",
            "seniorities: [manager, boss]",
            "vars.revops.lifecycle.mql.fit.seniorities.1",
            "got 'boss'",
        ),
    ],
)
def test_mistakes_are_reported_at_their_line(
    tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    folder, line, column = _project_with(tmp_path, old, new)
    [problem] = validate_definitions(folder)
    assert problem.key == key
    assert message in problem.message
    assert problem.line == line
    shown = str(problem)
    assert f"dbt_project.yml:{line}:" in shown
    # The column points into the edited line (the key or its value).
    assert problem.column >= column


def test_a_missing_key_points_at_its_parent(tmp_path: Path) -> None:
    folder, line, _ = _project_with(
        tmp_path,
        "        qualified_status: sales_qualified\n",
        "        qualified_statuses: sales_qualified\n",
    )
    problems = {p.key: p for p in validate_definitions(folder)}
    assert problems["vars.revops.lifecycle.sql.qualified_status"].message == (
        "required key is missing"
    )
    assert (
        "did you mean 'qualified_status'"
        in problems["vars.revops.lifecycle.sql.qualified_statuses"].message
    )
    assert problems["vars.revops.lifecycle.sql.qualified_statuses"].line == line


def test_overrides_deep_merge_one_key() -> None:
    overrides = overrides_from_vars(
        "{revops_overrides: {lifecycle: {mql: {qualifying_actions: {min_score: 80}}}}}"
    )
    merged = load_definitions(PROJECT_DIR, overrides)
    base = load_definitions(PROJECT_DIR)
    assert merged["lifecycle"]["mql"]["qualifying_actions"]["min_score"] == 80
    assert (
        merged["lifecycle"]["mql"]["qualifying_actions"]["forms"]
        == (base["lifecycle"]["mql"]["qualifying_actions"]["forms"])
    )
    assert merged["slas"] == base["slas"]
    assert deep_merge({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}) == {"a": {"b": 3, "c": 2}}


@pytest.mark.parametrize("dbt_vars", ["{revops: {}}", "[1, 2]", "{revops_overrides: 3}", "{a: ["])
def test_bad_overrides_are_config_errors(dbt_vars: str) -> None:
    with pytest.raises(ConfigError):
        overrides_from_vars(dbt_vars)


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["definitions", "validate", "--project-dir", str(PROJECT_DIR)])
    assert ok.exit_code == 0
    assert "definitions are valid" in ok.output
    folder, line, _ = _project_with(tmp_path, "min_company_size: 20", "min_company_size: -5")
    bad = CliRunner().invoke(cli, ["definitions", "validate", "--project-dir", str(folder)])
    assert bad.exit_code == 2
    assert f"dbt_project.yml:{line}:" in bad.output
    assert "min_company_size" in bad.output


def test_show_merges_overrides() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "definitions",
            "show",
            "--format",
            "json",
            "--project-dir",
            str(PROJECT_DIR),
            "--vars",
            "{revops_overrides: {slas: {lead_response_hours: 4}}}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"lead_response_hours": 4' in result.output
    assert '"conversion_window_days": 90' in result.output


def test_build_refuses_bad_definitions_before_running_dbt(tmp_path: Path) -> None:
    folder, line, _ = _project_with(
        tmp_path, "fiscal_year_start_month: 2", "fiscal_year_start_month: 0"
    )
    shutil.copytree(PROJECT_DIR / "profiles", folder / "profiles")
    result = CliRunner().invoke(
        cli, ["build", "--project-dir", str(folder), "--database", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 2
    assert f"dbt_project.yml:{line}:" in result.output
    assert not (tmp_path / "x.duckdb").exists()
