"""The CLI: help with examples everywhere, exact exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]


def test_the_main_commands_exist() -> None:
    assert {"generate", "build", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("args", [[], *[[c] for c in COMMANDS]], ids=["revops", *COMMANDS])
def test_every_help_has_an_example(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert "revops " in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "revops, version 0.1.0" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "--scale", "0"], "--scale must be a number greater than 0, got 0"),
        (["generate", "--scale", "nan"], "--scale must be a number greater than 0, got nan"),
        (["generate", "--scale", "inf"], "--scale must be a number greater than 0, got inf"),
        (["generate", "--months", "2"], "Invalid value for '--months'"),
        (["generate", "--start", "yesterday"], "Invalid value for '--start'"),
    ],
)
def test_bad_generator_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, [*args, "--database", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_project_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--project-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "holds no dbt_project.yml" in result.output


def test_a_missing_profile_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--profiles-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no profiles.yml in {tmp_path}" in result.output


def test_generate_writes_the_database_and_reports_counts(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    result = CliRunner().invoke(
        cli, ["generate", "--scale", "0.1", "--months", "4", "--seed", "5", "--database", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert "Generated 500 leads, 2025-01-01 to 2025-05-01 (exclusive), seed 5" in result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        (contacts,) = con.execute("select count(*) from raw_crm.contacts").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    line = next(x for x in result.output.splitlines() if x.startswith("crm.contacts"))
    assert line.split()[1].replace(",", "") == str(contacts)


def test_a_failed_node_shows_the_database_message_in_full() -> None:
    from revops_cli.build import BuildSummary
    from revops_cli.dbt_runner import BuildResult, NodeResult
    from revops_cli.summary import build_summary_text

    cause = "Conversion Error: Could not convert string 'abc' to INT32 (the cause comes last)"
    message = "Runtime Error in model fct_x (models/marts/fct_x.sql)\n  " + "x" * 200 + cause
    ran = "target/run/revops/models/marts/fct_x.sql"
    node = NodeResult(
        "model.revops.fct_x", "fct_x", "model", "error", 0.1, None, message,
        path="models/marts/fct_x.sql", compiled_path=ran,
    )  # fmt: skip
    text = build_summary_text(BuildSummary(BuildResult(["build"], [node])), "table")
    assert (
        f"fct_x (models/marts/fct_x.sql, ran {ran}): "
        f"Runtime Error in model fct_x (models/marts/fct_x.sql) {'x' * 200}"
    ) in text
    assert text.count(cause) == 1


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["query", "leads", "--grain", "hour"], "--grain"),
        (["metrics", "compile", "leads", "--grain", "hour"], "--grain"),
        (["metrics", "show", "leads", "--dialect", "oracle"], "--dialect"),
        (["metrics", "compile", "leads", "--dialect", "oracle"], "--dialect"),
    ],
)
def test_grain_and_dialect_are_choices(args: list[str], option: str) -> None:
    # Named before anything runs, with the values allowed (defined once, in params.py).
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.stderr
    assert ("'fiscal_year'" if option == "--grain" else "'snowflake'") in result.stderr


def test_the_readme_command_table_names_every_command_and_no_other() -> None:
    """The README's table of commands and the CLI agree (docs/cli.md, the full reference,
    is generated from --help and checked by test_contract)."""
    import re

    from revops_cli.cli import cli

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## The commands", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"^\| `revops ([a-z]+)", table, flags=re.M))
    assert named == set(cli.commands), named ^ set(cli.commands)
    assert "(docs/cli.md)" in readme


def test_the_cli_reference_is_every_commands_help() -> None:
    from click.testing import CliRunner

    from revops_cli.cli import cli
    from revops_cli.clidoc import reference

    text = reference()
    for args in (["build"], ["metrics", "list"], ["definitions", "validate"]):
        help_text = CliRunner().invoke(cli, [*args, "--help"], terminal_width=96).output
        first_option = next(line for line in help_text.splitlines() if "--" in line)
        assert first_option.strip() in text, first_option


def _project_copy(tmp_path: Path) -> Path:
    """The project's editable files (definitions, metrics, suites), in a folder of its own."""
    import shutil

    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "profiles", "metrics", "seeds", "models"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy(source, copy / name)
    (copy / "tests" / "expectations").mkdir(parents=True)
    shutil.copy(
        root / "tests" / "expectations" / "stg_crm__contacts.yml",
        copy / "tests" / "expectations" / "stg_crm__contacts.yml",
    )
    return copy


@pytest.mark.parametrize(
    ("where", "content", "args", "first_line"),
    [
        (
            "metrics/bad.yml",
            b"metrics:\n  - name: caf\xe9\n",
            ["metrics", "validate"],
            "metrics/bad.yml:2:14: not UTF-8 text (byte 0xe9): save the file as UTF-8",
        ),
        (
            "metrics/folder.yml",
            None,
            ["metrics", "validate"],
            "metrics/folder.yml is a folder, not a file: rename or move it",
        ),
        (
            "tests/expectations/bad.yml",
            b"suite: x\nmodel: stg_crm__contacts\nexpectations:\n  - name: \xfe\n",
            ["check"],
            "tests/expectations/bad.yml:4:11: not UTF-8 text (byte 0xfe)",
        ),
        (
            "dbt_project.yml",
            b"\n# caf\xe9\n",
            ["definitions", "validate"],
            "dbt_project.yml:",
        ),
    ],
)
def test_a_file_that_is_not_utf8_text_or_not_a_file_is_one_line_exit_2(
    tmp_path: Path, where: str, content: bytes | None, args: list[str], first_line: str
) -> None:
    project = _project_copy(tmp_path)
    target = project / where
    if content is None:
        target.mkdir()
    elif where == "dbt_project.yml":
        target.write_bytes(target.read_bytes() + content)
    else:
        target.write_bytes(content)
    options = ["--project-dir", str(project)]
    if args == ["check"]:
        options += ["--database", str(tmp_path / "x.duckdb")]
        duckdb.connect(str(tmp_path / "x.duckdb")).close()
    result = CliRunner().invoke(cli, [*args, *options])
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "unexpected" not in line, line
    assert first_line in line, line
    if where == "dbt_project.yml":
        assert "not UTF-8 text (byte 0xe9)" in line


def test_a_filter_nested_thousands_deep_is_refused() -> None:
    from revops_cli.metrics.guard import UnsafeExpression, parse_expression

    deep = "(" * 3000 + "leads" + ")" * 3000 + " > 1"
    with pytest.raises(UnsafeExpression, match="--where: nested too deeply to read"):
        parse_expression(deep, ["leads"], what="--where")


def test_a_misspelt_model_in_a_metric_is_located_not_a_key_error(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    funnel = project / "metrics" / "funnel.yml"
    text = funnel.read_text()
    assert "    model: fct_lead_funnel\n" in text
    funnel.write_text(
        text.replace("    model: fct_lead_funnel\n", "    model: fct_lead_funnelx\n", 1)
    )
    result = CliRunner().invoke(cli, ["metrics", "validate", "--project-dir", str(project)])
    assert result.exit_code == 2, result.output
    assert "unexpected" not in result.output
    first = result.output.splitlines()[0]
    assert first.endswith("no dbt model 'fct_lead_funnelx'; did you mean 'fct_lead_funnel'?")
