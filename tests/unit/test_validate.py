"""`revops validate`: one pass over every file a user edits, every mistake located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.validate import validate_project

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the files a user edits (and what they refer to)."""
    for name in ("dbt_project.yml",):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    for folder in ("metrics", "models", "seeds", "profiles", "tests/expectations"):
        shutil.copytree(PROJECT_DIR / folder, tmp_path / folder)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (once in the file) by ``new``; the line it is on."""
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def test_the_shipped_project_is_valid() -> None:
    result = CliRunner().invoke(cli, ["validate", "--project-dir", str(PROJECT_DIR)])
    assert result.exit_code == 0, result.output
    count = (
        1
        + len(list((PROJECT_DIR / "metrics").glob("*.yml")))
        + len(list((PROJECT_DIR / "tests" / "expectations").glob("*.yml")))
    )
    assert result.output.strip() == f"{count} files are valid (definitions, metrics, suites)"


def test_every_mistake_in_every_file_in_one_pass(project: Path) -> None:
    """Mistakes in four kinds of file are all reported, each at its line, with exit 2."""
    definitions = _edit(
        project / "dbt_project.yml", "fiscal_year_start_month: 2", "fiscal_year_start_month: 0"
    )
    suite = _edit(
        project / "tests" / "expectations" / "dim_contacts.yml",
        "model: dim_contacts",
        "model: dim_contact",
    )
    (project / "tests" / "expectations" / "notes.json").write_text("{}")
    (project / "metrics" / "extra.yaml").write_text("metrics: []\n")
    (project / "tests" / "expectations" / "broken.yml").write_text(
        "suite: broken\nmodel: dim_accounts\nexpectations: 3\n"
    )
    result = CliRunner().invoke(cli, ["validate", "--project-dir", str(project)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[-1] == "5 mistake(s) in the project's files"
    text = "\n".join(lines)
    assert f"dbt_project.yml:{definitions}:" in text
    assert "fiscal_year_start_month" in text
    assert (
        f"dim_contacts.yml:{suite}: suite dim_contacts names model 'dim_contact', which is not "
        "a model or seed of this project; did you mean 'dim_contacts'?" in text
    )
    assert "notes.json: not read: suite files end in .yml or .yaml" in text
    assert "metrics/extra.yaml:1:1:" in text
    assert "broken.yml:3: 'expectations' is a list" in text


def test_vars_are_validated_with_the_files(project: Path) -> None:
    """A --vars mistake is located in the --vars text; the files themselves are fine."""
    text = "{revops_overrides: {lifecycle: {mql: {fit: {min_company_size: x}}}}}"
    result = validate_project(project, text)
    assert len(result.problems) == 1
    column = text.index(": x") + 3  # 1-based column of the x
    assert result.problems[0].startswith(
        f"--vars:1:{column}: revops_overrides.lifecycle.mql.fit.min_company_size:"
    )


def test_an_unreadable_project_file_stops_the_pass(project: Path) -> None:
    (project / "dbt_project.yml").write_text("name: [unclosed\n")
    result = validate_project(project)
    assert len(result.problems) == 1
    assert "not valid YAML" in result.problems[0]


def test_build_refuses_a_broken_suite_before_dbt(project: Path, tmp_path: Path) -> None:
    """The build runs the same pass: a suite mistake stops it before anything is written;
    with --skip-checks the suites are not read, so the same mistake does not."""
    line = _edit(
        project / "tests" / "expectations" / "fct_mrr.yml", "ref('fct_mrr')", "ref('fct_mr')"
    )
    db = tmp_path / "x.duckdb"
    args = ["build", "--project-dir", str(project), "--database", str(db)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"fct_mrr.yml:{line}: suite fct_mrr names model 'fct_mr'" in result.output
    assert not db.exists()
    assert validate_project(project, suites=False).ok
