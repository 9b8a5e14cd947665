"""The catalog: schema and reference validation (file:line:column), the real catalog, the
CLI commands that need no database, and portability of every catalog metric's SQL."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.errors import ConfigError
from revops_cli.metrics.catalog import load_catalog, validate_catalog
from revops_cli.metrics.compiler import compile_tree, for_dialect
from revops_cli.metrics.generate import generated_files
from revops_cli.metrics.request import Request

PROJECT = Path(__file__).resolve().parents[2]
FIXTURE_PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "metrics" / "project"

GOOD = """\
  - name: deals_won
    label: Deals won
    description: Deals closed won in the period.
    owner: sales
    type: simple
    model: fct_deals
    time: closed_at
    agg: count
    filter: is_won
    dimensions: [region]
    format: count
    direction: higher_is_better
"""


def _problems(tmp_path: Path, body: str) -> list[str]:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    (project / "metrics").mkdir()
    (project / "metrics" / "sales.yml").write_text("version: 1\nmetrics:\n" + GOOD + body)
    return [str(p).split("metrics/", 1)[1] for p in validate_catalog(project)]


def _bad(**changes: str) -> str:
    text = GOOD.replace("deals_won", "other")
    for old, new in changes.items():
        text = text.replace(f"    {old}", f"    {new}", 1)
    return text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _bad(**{"owner: sales": "owner: sale"}),
            "sales.yml:18:12: metrics.other.owner: expected one of marketing, sales, cs, "
            "finance, revops, got 'sale'; did you mean 'sales'?",
        ),
        (
            _bad(**{"agg: count": "agg: cnt"}),
            "sales.yml:22:10: metrics.other.agg: expected one of count, count_distinct, sum, "
            "avg, min, max, median, percentile, got 'cnt'; did you mean 'count'?",
        ),
        (
            _bad(**{"filter: is_won": "filtr: is_won"}),
            "sales.yml:23:5: metrics.other.filtr: unknown key; did you mean 'filter'?",
        ),
        (
            _bad(**{"type: simple": "type: simpel"}),
            "sales.yml:19:11: metrics.other.type: expected one of simple, ratio, derived, "
            "cumulative, conversion, got 'simpel'; did you mean 'simple'?",
        ),
        (
            _bad(**{"model: fct_deals": "model: fct_deal"}),
            "sales.yml:20:12: metrics.other.model: no dbt model 'fct_deal'; did you mean "
            "'fct_deals'?",
        ),
        (
            _bad(**{"time: closed_at": "time: close_at"}),
            "sales.yml:21:11: metrics.other.time: model fct_deals has no column 'close_at'; "
            "did you mean 'closed_at'?",
        ),
        (
            _bad(**{"dimensions: [region]": "dimensions: [regoin]"}),
            "sales.yml:24:18: metrics.other.dimensions[0]: model fct_deals has no column "
            "'regoin'; did you mean 'region'?",
        ),
        (
            _bad(**{"filter: is_won": "filter: is_won; drop table x"}),
            "sales.yml:23:13: metrics.other.filter: must be one expression, got 2 statements",
        ),
        (
            _bad(**{"description: Deals closed won in the period.": "description: short"}),
            "sales.yml:17:18: metrics.other.description: String should have at least 10 "
            "characters, got 'short'",
        ),
        (
            _bad(**{"label: Deals won": "lable: Deals won"}),
            "sales.yml:16:5: metrics.other.lable: unknown key; did you mean 'label'?",
        ),
        (
            """\
  - name: win_rate
    label: Win rate
    description: Won / closed deals in the period.
    owner: sales
    type: ratio
    numerator: {metric: deals_wonn}
    denominator: {metric: deals_won, filter: amout > 1}
    format: percent
    direction: higher_is_better
""",
            "sales.yml:20:25: metrics.win_rate.numerator.metric: no metric 'deals_wonn'; did "
            "you mean 'deals_won'?",
        ),
        (
            """\
  - name: growth
    label: Growth
    description: Won deals over the previous month's.
    owner: sales
    type: derived
    expr: deals_won / previous - 1
    metrics: [{metric: deals_won}, {metric: deals_won, alias: prev, offset_window: 1 mnth}]
    format: percent
    direction: higher_is_better
""",
            "sales.yml:21:84: metrics.growth.metrics[1].offset_window: expected a window like "
            "'30 days' or '12 months', got '1 mnth'",
        ),
        (
            GOOD,
            "sales.yml:15:5: metrics.deals_won: duplicate name (also in",
        ),
    ],
)
def test_validator_locates_each_mistake(tmp_path: Path, body: str, expected: str) -> None:
    problems = _problems(tmp_path, body)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_mistake_is_reported(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _bad(**{"owner: sales": "owner: sale", "agg: count": "agg: x"}))
    assert len(problems) == 2


def test_a_key_given_twice_and_a_yaml_file_are_refused(tmp_path: Path) -> None:
    # YAML keeps the last of two equal keys silently; a .yaml file would be ignored.
    problems = _problems(tmp_path, _bad(**{"agg: count": "agg: count\n    agg: count"}))
    assert problems == ["sales.yml:23:5: metrics[1].agg: duplicate key (first on line 22)"]
    project = tmp_path / "project"
    (project / "metrics" / "extra.yaml").write_text("version: 1\nmetrics: []\n")
    assert [str(p).split("metrics/", 1)[1] for p in validate_catalog(project)] == [
        "extra.yaml:1:1: extra.yaml: revops reads metrics/*.yml only: rename it to extra.yml",
        "sales.yml:23:5: metrics[1].agg: duplicate key (first on line 22)",
    ]


def test_derived_expression_must_use_its_inputs(tmp_path: Path) -> None:
    body = """\
  - name: growth
    label: Growth
    description: Won deals over the previous month's.
    owner: sales
    type: derived
    expr: deals_won / previuos - 1
    metrics: [{metric: deals_won}, {metric: deals_won, alias: previous, offset_window: 1 month}]
    format: percent
    direction: higher_is_better
"""
    assert _problems(tmp_path, body) == [
        "sales.yml:20:11: metrics.growth.expr: unknown column 'previuos'; did you mean 'previous'?"
    ]


def test_the_catalog_is_valid_and_complete() -> None:
    assert validate_catalog(PROJECT) == []
    catalog = load_catalog(PROJECT)
    assert len(catalog.metrics) >= 60
    areas = {p.stem for p in catalog.files.values()}
    assert areas == {"funnel", "pipeline", "marketing", "revenue", "leaks", "retention",
                     "support", "system_health"}  # fmt: skip
    assert {m.type for m in catalog.metrics.values()} == {
        "simple", "ratio", "derived", "cumulative", "conversion"
    }  # fmt: skip


def test_every_metric_transpiles_and_parses_back() -> None:
    """Issue 7: each metric's SQL in snowflake, bigquery and databricks parses back there."""
    catalog = load_catalog(PROJECT)
    for name, metric in sorted(catalog.metrics.items()):
        dims = catalog.dimensions(metric)[:1]
        grain = "month" if "month" in catalog.grains(metric) else catalog.grains(metric)[0]
        tree = compile_tree(catalog, Request([name], grain=grain, dimensions=dims))
        for dialect in ("snowflake", "bigquery", "databricks"):
            sql = for_dialect(tree, dialect).sql(dialect=dialect)
            back = sqlglot.parse_one(sql, read=dialect)
            assert back.find(sqlglot.exp.Select) is not None, (name, dialect)
            assert "MATERIALIZED" not in sql, (name, dialect)
            assert "APPROX" not in sql.upper(), (name, dialect)


def test_medians_stay_exact_on_spark() -> None:
    """sqlglot writes percentile_cont ... within group as PERCENTILE_APPROX for Spark and
    Databricks; the compiler writes Spark's exact percentile(x, p) there (the Spark lane
    compares the answers with DuckDB's)."""
    catalog = load_catalog(PROJECT)
    tree = compile_tree(catalog, Request(["median_lead_response_hours"]))
    for dialect in ("spark", "databricks"):
        sql = for_dialect(tree, dialect).sql(dialect=dialect)
        assert re.search(r"PERCENTILE\(CAST\(_value_\d+ AS DOUBLE\), 0\.5\)", sql), dialect
        assert "APPROX" not in sql.upper()
    duck = for_dialect(tree, "duckdb").sql(dialect="duckdb")
    assert re.search(r"QUANTILE_CONT\(CAST\(_value_\d+ AS DOUBLE\), 0\.5", duck)  # exact


def test_generated_models_are_current() -> None:
    stale = [str(g.path) for g in generated_files(PROJECT) if not g.current]
    assert stale == [], "run 'revops metrics compile --write' and commit the result"


def test_cli_validate_check_list_show_compile() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["metrics", "validate", "--project-dir", str(PROJECT)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "8 metric files are valid\n"
    result = runner.invoke(
        cli, ["metrics", "list", "--format", "csv", "--project-dir", str(PROJECT)]
    )
    assert result.exit_code == 0
    assert "mql_to_sql,conversion,revops,percent" in result.stdout
    result = runner.invoke(cli, ["metrics", "show", "nrr", "--project-dir", str(PROJECT)])
    assert result.exit_code == 0
    assert "fct_mrr" in result.stdout and "sql (duckdb, by month):" in result.stdout
    result = runner.invoke(
        cli, ["metrics", "compile", "mqls", "--dialect", "bigquery", "--project-dir", str(PROJECT)]
    )
    assert result.exit_code == 0
    assert "`marts`.`fct_lead_funnel`" in result.stdout or "marts.fct_lead_funnel" in result.stdout
    result = runner.invoke(cli, ["metrics", "show", "nrrr", "--project-dir", str(PROJECT)])
    assert result.exit_code == 2
    assert result.stderr == "Error: no metric 'nrrr'; did you mean 'nrr'?\n"


def test_cli_check_fails_on_drift(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    (project / "metrics").mkdir()
    (project / "metrics" / "sales.yml").write_text("version: 1\nmetrics:\n" + GOOD)
    runner = CliRunner()
    args = ["metrics", "compile", "--project-dir", str(project)]
    result = runner.invoke(cli, [*args, "--check"])
    assert result.exit_code == 1
    assert "models/metrics/metric_values.sql drifted from metrics/*.yml" in result.stderr
    assert "models/metrics/stages/metric_wide.sql drifted from metrics/*.yml" in result.stderr
    assert runner.invoke(cli, [*args, "--write"]).exit_code == 0
    assert runner.invoke(cli, [*args, "--check"]).exit_code == 0
    path = project / "metrics" / "sales.yml"
    path.write_text(path.read_text().replace("filter: is_won", "filter: not is_won"))
    result = runner.invoke(cli, [*args, "--check"])
    assert result.exit_code == 1


def test_cli_validate_reports_to_stderr_and_exits_2(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    (project / "metrics").mkdir()
    (project / "metrics" / "bad.yml").write_text(
        textwrap.dedent("""\
        version: 1
        metrics:
          - name: x
            label: X
        """)
    )
    result = CliRunner().invoke(cli, ["metrics", "validate", "--project-dir", str(project)])
    assert result.exit_code == 2
    assert "bad.yml:3:5: metrics.x: required key 'type' is missing" in result.stderr


SUBS = """\
  - name: at_start
    label: At start
    description: Customers paying at the period's start.
    owner: cs
    type: simple
    model: fct_subs
    time: month_start_date
    agg: count_distinct
    expr: customer_id
    filter: starting_mrr > 0
    non_additive: first
    format: count
    direction: higher_is_better
  - name: churned
    label: Churned
    description: Customers who churned in the period.
    owner: cs
    type: simple
    model: fct_subs
    time: month_start_date
    agg: count
    filter: movement_type = 'churn'
    format: count
    direction: lower_is_better
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            """\
  - name: churn_rate
    label: Churn rate
    description: Churned of those at the start.
    owner: cs
    type: ratio
    numerator: {metric: churned, cohort: deals_won}
    denominator: {metric: at_start}
    format: percent
    direction: lower_is_better
""",
            "metrics.churn_rate.numerator.cohort: 'deals_won' cannot be a cohort: it must "
            "count distinct entities",
        ),
        (
            """\
  - name: churn_rate
    label: Churn rate
    description: Churned of those at the start.
    owner: cs
    type: ratio
    numerator: {metric: deals_won, cohort: at_start}
    denominator: {metric: at_start}
    format: percent
    direction: lower_is_better
""",
            "metrics.churn_rate.numerator.cohort: 'deals_won' and its cohort 'at_start' must "
            "read the same model and time column",
        ),
        (
            """\
  - name: won_to_date
    label: Won to date
    description: Customers at the start, accumulated.
    owner: cs
    type: cumulative
    metric: at_start
    window: {var: slas.window_days, unit: day}
    format: count
    direction: higher_is_better
""",
            "metrics.won_to_date.metric: a cumulative metric accumulates a flow",
        ),
        (
            """\
  - name: won_window
    label: Won in a window
    description: Deals won, trailing a defined window.
    owner: sales
    type: cumulative
    metric: deals_won
    window: {var: slas.window_dayz, unit: day}
    format: count
    direction: higher_is_better
""",
            "metrics.won_window.window: definition 'slas.window_dayz' is not set",
        ),
        (
            _bad(
                **{
                    "direction: higher_is_better": "direction: higher_is_better\n    target: "
                    "{value: {var: slas}}"
                }
            ),
            "metrics.other.target.value: definition 'slas' is {'window_days': 20}, not a number",
        ),
        (
            _bad(
                **{
                    "direction: higher_is_better": "direction: higher_is_better\n"
                    "    target: {value: 0}"
                }
            ),
            "metrics.other.target.value: target 0: off_target measures a miss as a share of it",
        ),
    ],
)
def test_cohorts_cumulatives_and_definitions_are_checked(
    tmp_path: Path, body: str, expected: str
) -> None:
    problems = _problems(tmp_path, SUBS + body)
    assert any(expected in p for p in problems), problems


def test_grains_follow_the_time_columns_and_the_definition(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    (project / "metrics").mkdir()
    extra = """\
  - name: churn_by_month
    label: Churn by month
    description: Churned customers, read by month only.
    owner: cs
    type: derived
    expr: churned * 1
    metrics: [{metric: churned}]
    grains: [month, fiscal_year]
    format: count
    direction: lower_is_better
"""
    (project / "metrics" / "x.yml").write_text("version: 1\nmetrics:\n" + GOOD + SUBS + extra)
    catalog = load_catalog(project)
    assert catalog.grains(catalog.metrics["deals_won"])[0] == "day"  # a timestamp
    assert catalog.grains(catalog.metrics["churned"]) == [
        "month", "quarter", "year", "fiscal_quarter", "fiscal_year"
    ]  # fmt: skip
    assert catalog.grains(catalog.metrics["churn_by_month"]) == ["month", "fiscal_year"]
    with pytest.raises(ConfigError, match="churned cannot be read by week"):
        compile_tree(catalog, Request(["churned"], grain="week"))


def test_a_conversion_on_one_row_per_entity_needs_no_join(tmp_path: Path) -> None:
    """With the entity unique in its model (a `unique` test), the conversion is counted in
    the first step's own pass; joined step by step otherwise. Both give the same numbers."""
    import duckdb

    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    (project / "metrics").mkdir()
    cases = Path(__file__).resolve().parents[1] / "fixtures" / "metrics" / "cases"
    shutil.copy(cases / "conversion" / "metrics.yml", project / "metrics" / "c.yml")
    catalog = load_catalog(project)
    con = duckdb.connect()
    con.execute((FIXTURE_PROJECT / "data.sql").read_text())
    answers = []
    for unique in (False, True):
        if unique:
            catalog.models["fct_deals"].unique_columns.add("deal_id")
        for grain in ("month", "quarter"):
            tree = compile_tree(catalog, Request(["created_to_won"], grain=grain, parts=True))
            joins = len(list(tree.find_all(sqlglot.exp.Join)))
            sql = for_dialect(tree, "duckdb").sql(dialect="duckdb")
            answers.append((grain, con.execute(sql).fetchall(), joins))
    con.close()
    by_join, local = answers[:2], answers[2:]
    assert [a[:2] for a in by_join] == [a[:2] for a in local]
    assert all(j[2] > loc[2] for j, loc in zip(by_join, local, strict=True))


def test_metric_tables_show_formats() -> None:
    from revops_cli.render import metric_table

    text = metric_table(
        [
            "period_start",
            "is_partial_period",
            "mrr",
            "mql_to_sql",
            "leads",
            "mql_to_sql__numerator",
        ],
        [("2025-01-01", False, 1234.5, 0.4012, 89, 12.0), ("2025-02-01", True, None, None, 0, 0.0)],
        {"mrr": ("currency", "USD"), "mql_to_sql": ("percent", "%"), "leads": ("count", None)},
    )
    head, _, first, second = text.splitlines()
    assert head.split() == [
        "period_start", "partial", "mrr", "(USD)", "mql_to_sql", "leads", "mql_to_sql__numerator"
    ]  # fmt: skip
    assert first.split() == ["2025-01-01", "1,234.50", "40.1%", "89", "12"]
    assert second.split() == ["2025-02-01", "partial", "0", "0"]
    closed = metric_table(["period_start", "is_partial_period", "leads"], [("x", False, 1)], {})
    assert "partial" not in closed


def test_a_composed_metric_over_a_dropped_input_is_reported_not_a_crash(tmp_path: Path) -> None:
    """An input whose own definition is wrong is dropped and reported; the metrics built on
    it are checked without it (a KeyError here once ended validation)."""
    root = Path(__file__).resolve().parents[2]
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(root / "dbt_project.yml", project / "dbt_project.yml")
    for folder in ("metrics", "models", "seeds"):
        shutil.copytree(root / folder, project / folder)
    retention = project / "metrics" / "retention.yml"
    text = retention.read_text()
    block = text.index("  - name: customers_at_start")
    text = text[:block] + text[block:].replace("    time: month_start_date\n", "", 1)
    # ltv = arpa / logo_churn_rate, and logo_churn_rate's denominator is customers_at_start
    text = text.replace(
        "    grains: [month]\n", "    grains: [month]\n    dimensions: [currency_code]\n", 1
    )
    retention.write_text(text)
    problems = [str(p) for p in validate_catalog(project)]
    assert any("metrics.customers_at_start" in p for p in problems), problems
    assert all("retention.yml:" in p for p in problems)
