"""`revops query`, the Python API and the generated metric tables on the built database."""

from __future__ import annotations

import json
import math
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.metrics.api import MetricStore
from revops_cli.metrics.catalog import load_catalog
from revops_cli.metrics.generate import bi_metrics
from revops_cli.metrics.plan import build_plan
from revops_cli.metrics.request import Request
from revops_cli.project import Project

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]


def _query(db: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["query", *args, "--database", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def test_query_by_dimension_with_where_and_range(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    rows = _query(
        built[0],
        "mqls",
        "mql_rejection_rate",
        "--grain",
        "quarter",
        "--by",
        "lead_source",
        "--where",
        "lead_source in ('webinar', 'paid_search')",
        "--start",
        "2025-04-01",
        "--end",
        "2026-01-01",
    )
    got = {(r["period_start"], r["lead_source"]): r for r in rows}
    expected = con.execute("""
        select cast(date_trunc('quarter', mql_at) as date)::varchar, lead_source, count(*),
               count(*) filter (where rejected_at is not null) / count(*)
        from marts.fct_lead_funnel
        where mql_at >= '2025-04-01' and mql_at < '2026-01-01'
          and lead_source in ('webinar', 'paid_search')
        group by all""").fetchall()
    assert {k[1] for k in got} == {"webinar", "paid_search"}
    assert {k[0] for k in got} == {"2025-04-01", "2025-07-01", "2025-10-01"}
    for quarter, source, mqls, rate in expected:
        row = got[(quarter, source)]
        assert row["mqls"] == mqls
        assert type(row["mqls"]) is int  # a count, not 12.0
        assert row["mql_rejection_rate"] == pytest.approx(rate)


def test_where_needs_no_by(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    rows = _query(built[0], "leads", "--where", "channel_group = 'paid'")
    expected = dict(
        con.execute("""
        select cast(date_trunc('month', created_at) as date)::varchar, count(*)
        from marts.fct_lead_funnel where channel_group = 'paid' group by 1""").fetchall()
    )
    assert set(rows[0]) == {"period_start", "is_partial_period", "leads"}
    assert {r["period_start"]: r["leads"] for r in rows if r["leads"]} == expected


def test_fiscal_quarter_uses_dim_date(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    rows = _query(built[0], "leads", "--grain", "fiscal_quarter")
    expected = dict(
        con.execute("""
        with q as (
            select date_day, min(date_day) over (partition by fiscal_year, fiscal_quarter) as q
            from marts.dim_date
        )
        select q.q::varchar, count(*) from marts.fct_lead_funnel as f
        join q on q.date_day = cast(f.created_at as date) group by 1""").fetchall()
    )
    got = {r["period_start"]: r["leads"] for r in rows}
    assert {k: v for k, v in got.items() if v} == expected
    # fiscal_year_start_month is 2: fiscal quarters start in Feb, May, Aug and Nov.
    assert {k[5:7] for k in got} <= {"02", "05", "08", "11"}


def test_ratio_at_a_coarser_grain_is_not_a_mean_of_ratios(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    months = con.execute("""
        select period_start, numerator, denominator from metrics.metric_values
        where metric = 'opportunity_win_rate' and dimension is null
          and period_start >= '2025-07-01' and period_start < '2025-10-01'""").fetchall()
    rows = _query(
        built[0], "opportunity_win_rate", "--grain", "quarter", "--start", "2025-07-01",
        "--end", "2025-10-01",
    )  # fmt: skip
    assert len(months) == 3 and len(rows) == 1
    want = sum(m[1] for m in months) / sum(m[2] for m in months)
    assert rows[0]["opportunity_win_rate"] == pytest.approx(want)


def test_quarterly_retention_rates_are_cohort_rates(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    """By quarter, logo churn and NRR count only the customers paying at the quarter's
    start (a customer who joins and churns inside it is not churn), from fct_mrr by hand."""
    rows = _query(
        built[0], "logo_churn_rate", "nrr", "customers_at_start", "churned_customers",
        "--grain", "quarter", "--parts",
    )  # fmt: skip
    expected = con.execute("""
        with q as (
            select *, cast(date_trunc('quarter', month_start_date) as date) as quarter
            from marts.fct_mrr
        ),
        first_month as (select quarter, min(month_start_date) as first from q group by 1),
        cohort as (
            select q.quarter, q.customer_id, q.starting_mrr_reporting as starting
            from q join first_month as f on f.quarter = q.quarter and q.month_start_date = f.first
            where q.starting_mrr_reporting > 0
        ),
        moves as (
            select c.quarter, c.customer_id,
                max(case when q.movement_type = 'churn' then 1 else 0 end) as churned,
                sum(q.expansion_mrr_reporting + q.reactivation_mrr_reporting
                    - q.contraction_mrr_reporting - q.churned_mrr_reporting) as net
            from cohort as c join q on q.quarter = c.quarter and q.customer_id = c.customer_id
            group by 1, 2
        ),
        per_quarter as (
            select c.quarter, count(*) as at_start, sum(m.churned) as churned,
                sum(m.churned) / count(*) as churn_rate,
                (sum(c.starting) + sum(m.net)) / sum(c.starting) as nrr
            from cohort as c join moves as m using (quarter, customer_id)
            group by 1
        )
        select p.quarter::varchar, p.at_start, p.churned, p.churn_rate, p.nrr,
            (select count(distinct customer_id) from q as q2
             where q2.quarter = p.quarter and movement_type = 'churn')
        from per_quarter as p""").fetchall()
    got = {r["period_start"]: r for r in rows}
    assert len(expected) >= 3
    joined_and_churned = 0
    for quarter, at_start, churned, churn_rate, nrr, all_churned in expected:
        row = got[quarter]
        assert row["customers_at_start"] == at_start
        assert row["logo_churn_rate__numerator"] == churned
        assert row["logo_churn_rate"] == pytest.approx(churn_rate)
        assert row["nrr"] == pytest.approx(nrr)
        assert row["churned_customers"] == all_churned
        joined_and_churned += all_churned - churned
    # The data holds customers who joined and churned within a quarter: the test bites.
    assert joined_and_churned > 0


def test_balances_read_the_period_snapshot_and_snapshots_the_as_of_period(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    rows = _query(built[0], "accounts_at_risk", "mrr", "ar_over_30_days", "stagnant_deals")
    last_weeks = dict(
        con.execute("""
        select cast(date_trunc('month', week_start_date) as date)::varchar,
            count(distinct account_id) filter (where health_colour = 'red')
        from marts.fct_account_health
        where week_start_date in (
            select max(week_start_date) from marts.fct_account_health
            group by date_trunc('month', week_start_date))
        group by 1""").fetchall()
    )
    got = {r["period_start"]: r for r in rows}
    assert {k: got[k]["accounts_at_risk"] for k in last_weeks} == last_weeks
    # Before the health data starts there is no snapshot: null, not 0.
    first_week = min(last_weeks)
    assert all(r["accounts_at_risk"] is None for k, r in got.items() if k < first_week)
    assert all(r["mrr"] is None or r["mrr"] > 0 for r in rows)
    (as_of,) = con.execute(
        "select cast(date_trunc('month', last_closed_date) as date)::varchar from marts.dim_as_of"
    ).fetchone()  # type: ignore[misc]
    assert rows[-1]["period_start"] == as_of
    for r in rows:
        if r["period_start"] == as_of:
            assert r["ar_over_30_days"] is not None and r["stagnant_deals"] is not None
        else:
            assert r["ar_over_30_days"] is None and r["stagnant_deals"] is None


def test_metric_tables_equal_the_query_for_every_metric_and_month(  # noqa: C901
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection, coverage: list[Any]
) -> None:
    catalog = load_catalog(PROJECT)
    # Neither table holds a period outside the data's coverage (nor lacks one).
    for table, column in (("metric_values", "period_start"), ("kpi_monthly", "month_start_date")):
        months = con.execute(f"select distinct {column} from metrics.{table} order by 1").fetchall()
        assert [m for (m,) in months] == coverage, table
    names = bi_metrics(catalog)
    long = con.execute("""
        select metric, period_start, dimension, dimension_value, value, numerator, denominator,
            is_partial_period
        from metrics.metric_values""").fetchall()
    table: dict[tuple[Any, ...], tuple[Any, ...]] = {
        (m, p, d, v): (val, num, den, partial) for m, p, d, v, val, num, den, partial in long
    }
    # A query's rows by a dimension are the values any of its metrics' stages have (each
    # metric filled there); metric_values holds each metric's own. So ask, together, the
    # metrics that read the same stages.
    by_dim: dict[tuple[str | None, tuple[str, ...]], list[str]] = defaultdict(list)
    for n in names:
        units = tuple(sorted(build_plan(catalog, Request([n])).outputs[0].units))
        for d in [None, *catalog.dimensions(catalog.metrics[n])]:
            by_dim[(d, units if d else ())].append(n)
    checked = 0
    with MetricStore(Project.resolve(database=built[0])) as store:
        for (dim, _), metrics in by_dim.items():
            result = store.query(metrics, by=[dim] if dim else [], parts=True)
            for row in result.to_dicts():
                value_of = row[dim] if dim else None
                for n in metrics:
                    key = (n, row["period_start"], dim, value_of)
                    assert key in table, key
                    val, num, den, partial = table.pop(key)
                    assert _same(val, row[n]), (key, val, row[n])
                    if f"{n}__numerator" in row:
                        assert _same(num, row[f"{n}__numerator"]), key
                        assert _same(den, row[f"{n}__denominator"]), key
                    assert partial == row["is_partial_period"]
                    checked += 1
    assert table == {}, list(table)[:5]  # no row the query does not give
    assert checked > 10_000
    # kpi_monthly: the totals, counts as integers, the same months.
    cur = con.execute("select * from metrics.kpi_monthly order by month_start_date")
    columns = [d[0] for d in cur.description]
    wide = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    totals = {(m, p): v for m, p, d, _, v, *_ in long if d is None}
    assert {(n, r["month_start_date"]) for r in wide for n in names} == set(totals)
    for r in wide:
        for n in names:
            assert _same(r[n], totals[(n, r["month_start_date"])]), (n, r["month_start_date"])
            if catalog.metrics[n].format == "count" and r[n] is not None:
                assert type(r[n]) is int, n


def test_metric_catalog_table_labels_every_metric(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select metric, label, format, unit, target_value from metrics.metric_catalog"
    ).fetchall()
    found = {r[0]: r for r in rows}
    catalog = load_catalog(PROJECT)
    assert set(found) == set(bi_metrics(catalog))
    assert found["mrr"][2:4] == ("currency", "USD")
    assert found["mql_to_sql"][2:4] == ("percent", "%")
    # data_completeness's target is the definition it references (dbt_project.yml).
    assert (
        found["data_completeness"][4]
        == catalog.definitions["data_quality"]["lead_source_completeness_min"]
    )


def test_table_output_shows_formats(built: tuple[Path, dict[str, Any]]) -> None:
    result = CliRunner().invoke(
        cli, ["query", "mrr", "mql_to_sql", "leads", "--database", str(built[0])]
    )
    assert result.exit_code == 0, result.output
    head, _, *lines = result.stdout.splitlines()
    assert head.split() == ["period_start", "mrr", "(USD)", "mql_to_sql", "leads"]
    assert any(line.rstrip().split()[2].endswith("%") for line in lines if len(line.split()) > 3)
    assert "0.4" not in head


def test_what_if_definitions_move_the_query_and_the_tables(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """sql_to_opportunity's window is {var: slas.conversion_window_days}: an override moves
    it in `revops query --vars` and in a --vars build of the metric tables."""
    what_if = "{revops_overrides: {slas: {conversion_window_days: 1}}}"
    base = _query(built[0], "sql_to_opportunity", "--parts")
    moved = _query(built[0], "sql_to_opportunity", "--parts", "--vars", what_if)
    con = duckdb.connect(str(built[0]), read_only=True)
    try:
        hand = dict(
            con.execute("""
            select cast(date_trunc('month', sql_at) as date)::varchar,
                count(*) filter (where opportunity_at >= sql_at
                                 and opportunity_at <= sql_at + interval 1 day)
            from marts.fct_lead_funnel where sql_at is not null group by 1""").fetchall()
        )
    finally:
        con.close()
    moved_by_month = {r["period_start"]: r["sql_to_opportunity__numerator"] for r in moved}
    assert {k: v for k, v in moved_by_month.items() if k in hand} == hand
    assert sum(r["sql_to_opportunity__numerator"] or 0 for r in moved) < sum(
        r["sql_to_opportunity__numerator"] or 0 for r in base
    )
    db = tmp_path / "what_if.duckdb"
    shutil.copy(built[0], db)
    result = CliRunner().invoke(
        cli,
        [
            "build", "--database", str(db), "--select", "path:models/metrics",
            "--skip-checks", "--vars", what_if, "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    c = duckdb.connect(str(db), read_only=True)
    try:
        table = dict(
            c.execute("""
            select period_start::varchar, numerator from metrics.metric_values
            where metric = 'sql_to_opportunity' and dimension is null""").fetchall()
        )
    finally:
        c.close()
    assert {k: v for k, v in table.items() if k in hand} == hand


def test_the_python_api_answers_warm_from_its_caches(built: tuple[Path, dict[str, Any]]) -> None:
    from revops_cli.metrics import api

    with MetricStore.open(project_dir=PROJECT, database=built[0]) as store:
        first = store.query("mql_to_sql", by=["lead_source"])
        compiled = dict(api._COMPILED)
        again = store.query("mql_to_sql", by=["lead_source"])
        assert compiled == api._COMPILED  # nothing compiled the second time
        assert again.rows == first.rows
        assert first.series("mql_to_sql")[0][:2] == (first.rows[0][0], first.rows[0][2])
        frame = first.to_pandas()
        assert list(frame.columns) == first.columns
    # The store closed its connection: the file can be opened for writing again.
    duckdb.connect(str(built[0])).close()


def test_query_errors_are_one_line_and_exit_2(built: tuple[Path, dict[str, Any]]) -> None:
    runner = CliRunner()
    db = str(built[0])
    result = runner.invoke(cli, ["query", "mqlz", "--database", db])
    assert result.exit_code == 2
    assert result.stderr == "Error: no metric 'mqlz'; did you mean 'mqls'?\n"
    result = runner.invoke(cli, ["query", "mqls", "--by", "stage_name", "--database", db])
    assert result.exit_code == 2
    assert "mqls cannot be sliced by 'stage_name'" in result.stderr
    result = runner.invoke(
        cli,
        ["query", "mqls", "--by", "lead_source", "--where", "1=1; drop table x", "--database", db],
    )
    assert result.exit_code == 2
    assert result.stderr == "Error: --where: must be one expression, got 2 statements\n"
    result = runner.invoke(cli, ["query", "mrr", "--grain", "week", "--database", db])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: mrr cannot be read by week (its grains: month,")
    result = runner.invoke(cli, ["query", "leads", "--where", "stage_name = 'x'", "--database", db])
    assert result.exit_code == 2
    assert "--where: unknown column 'stage_name'" in result.stderr
    result = runner.invoke(cli, ["query", "leads", "--where", "", "--database", db])
    assert result.exit_code == 2
    assert result.stderr == "Error: --where: is empty\n"  # not "no filter"


def test_a_division_by_zero_in_where_is_null_not_inf(built: tuple[Path, dict[str, Any]]) -> None:
    # Unguarded, DuckDB reads 5 / 0 as inf (> 1: every lead) and PostgreSQL fails.
    every = _query(built[0], "leads", "--where", "length(lead_source) > 1")
    assert any(r["leads"] for r in every)
    none = _query(built[0], "leads", "--where", "length(lead_source) / 0 > 1")
    assert not any(r["leads"] for r in none)
