"""Issue #15's mistakes, one row each: what a user gets wrong, the command they run, the exit
code and the first line they read. Every mistake is refused where it is made (exit 2, one
line naming the file and line, or the option), before anything is built or written.

The expected first lines are written from what a reader needs (the file, the line, the key,
what was expected), not copied from the code's messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

ROOT = Path(__file__).resolve().parents[2]
OVERRIDE_MIN_SCORE = (
    "{revops_overrides: {lifecycle: {mql: {qualifying_actions: {min_score: true}}}}}"
)


def _copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "dbt_project.yml", project / "dbt_project.yml")
    for folder in ("metrics", "models", "seeds", "profiles", "macros", "tests/expectations"):
        shutil.copytree(ROOT / folder, project / folder)
    return project


def _line(path: Path, text: str) -> int:
    content = path.read_text()
    assert content.count(text) == 1, text
    return content[: content.index(text)].count("\n") + 1


# (case, file to edit, old text, new text, command, exit code, the first line's parts: each
# `{line}` is the edited line's number)
CASES = [
    (
        "health key misspelt",
        "dbt_project.yml",
        "        usage_trend: 0.40",
        "        usage_trnd: 0.40",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "vars.revops.health.weights.usage_tr"],
    ),
    (
        "health weights sum to 2",
        "dbt_project.yml",
        "        usage_trend: 0.40",
        "        usage_trend: 1.0\n        # sum 2",
        ["validate"],
        2,
        ["dbt_project.yml:", "vars.revops.health", "weights", "1"],
    ),
    (
        "aging buckets unsorted",
        "dbt_project.yml",
        "      aging_bucket_upper_days: [30, 60, 90]",
        "      aging_bucket_upper_days: [60, 30, 90]",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "aging_bucket_upper_days"],
    ),
    (
        "revenue.as_of not a date",
        "dbt_project.yml",
        "      as_of: null",
        "      as_of: not-a-date",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "vars.revops.revenue.as_of", "not-a-date"],
    ),
    (
        "contract_months 0",
        "dbt_project.yml",
        "      contract_months: 12",
        "      contract_months: 0",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "vars.revops.revenue.contract_months"],
    ),
    (
        "a threshold that is text",
        "dbt_project.yml",
        "      lead_source_completeness_min: 0.95",
        "      lead_source_completeness_min: abc",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "lead_source_completeness_min", "abc"],
    ),
    (
        "reporting currency not in the seeds",
        "dbt_project.yml",
        "    reporting_currency: USD",
        "    reporting_currency: XXX",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "reporting_currency", "'XXX' is not in seeds/currencies.csv"],
    ),
    (
        "min_score true",
        "dbt_project.yml",
        "          min_score: 60",
        "          min_score: true",
        ["validate"],
        2,
        ["dbt_project.yml:{line}:", "min_score", "expected a number"],
    ),
    (
        "min_score true through --vars",
        None,
        None,
        None,
        ["validate", "--vars", OVERRIDE_MIN_SCORE],
        2,
        ["--vars:1:", "min_score", "expected a number"],
    ),
    (
        "a key given twice in dbt_project.yml",
        "dbt_project.yml",
        "      contract_months: 12",
        "      contract_months: 12\n      contract_months: 24",
        ["validate"],
        2,
        ["dbt_project.yml:", "contract_months", "duplicate key (first on line {line})"],
    ),
    (
        "a key given twice in a metric file",
        "metrics/funnel.yml",
        "    label: Leads\n",
        "    label: Leads\n    label: All leads\n",
        ["validate"],
        2,
        ["metrics/funnel.yml:", "label", "duplicate key (first on line {line})"],
    ),
    (
        "a metric on a misspelt model",
        "metrics/funnel.yml",
        "    model: fct_lead_funnel\n    time: created_at\n    agg: count\n    dimensions: "
        "[lead_source, channel_group, country_code, entry_stage]",
        "    model: fct_lead_funel\n    time: created_at\n    agg: count\n    dimensions: "
        "[lead_source, channel_group, country_code, entry_stage]",
        ["validate"],
        2,
        ["metrics/funnel.yml:{line}:", "fct_lead_funel", "fct_lead_funnel"],
    ),
    (
        "a suite on a misspelt model",
        "tests/expectations/dim_contacts.yml",
        "model: dim_contacts",
        "model: dim_contact",
        ["validate"],
        2,
        ["dim_contacts.yml:{line}:", "'dim_contact'", "did you mean 'dim_contacts'"],
    ),
    (
        "vars as a list",
        None,
        None,
        None,
        ["validate", "--vars", "[1, 2]"],
        2,
        ["--vars must be a YAML mapping"],
    ),
    (
        "--scale nan",
        None,
        None,
        None,
        ["generate", "--scale", "nan"],
        2,
        ["--scale", "greater than 0"],
    ),
]


@pytest.mark.parametrize(
    ("old_text", "new_text", "where", "args", "code", "parts"),
    [pytest.param(c[2], c[3], c[1], c[4], c[5], c[6], id=c[0]) for c in CASES],
)
def test_each_mistake_is_refused_where_it_is_made(
    tmp_path: Path,
    old_text: str | None,
    new_text: str | None,
    where: str | None,
    args: list[str],
    code: int,
    parts: list[str],
) -> None:
    project = _copy(tmp_path)
    line = 0
    if where is not None:
        assert old_text is not None and new_text is not None
        path = project / where
        line = _line(path, old_text)
        path.write_text(path.read_text().replace(old_text, new_text))
    database = tmp_path / "never.duckdb"
    result = CliRunner().invoke(
        cli,
        [
            *args,
            "--project-dir",
            str(project),
            *(["--database", str(database)] if args[0] == "generate" else []),
        ],
    )
    assert result.exit_code == code, result.output
    first = result.stderr.splitlines()[0]
    for part in parts:
        assert part.format(line=line) in first, first
    assert not database.exists()
