"""`revops query` and the generated metric tables on the built demo database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration


def _query(db: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["query", *args, "--database", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


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


def test_metric_tables_match_the_query(
    built: tuple[Path, dict[str, Any]], con: duckdb.DuckDBPyConnection
) -> None:
    rows = _query(built[0], "leads", "mql_to_sql", "--by", "channel_group")
    long = con.execute("""
        select period_start::varchar, dimension_value, metric, value from metrics.metric_values
        where dimension = 'channel_group' and metric in ('leads', 'mql_to_sql')""").fetchall()
    got = {(p, d, m): v for p, d, m, v in long}
    assert len(got) == 2 * len(rows)
    for r in rows:
        for metric in ("leads", "mql_to_sql"):
            assert got[(r["period_start"], r["channel_group"], metric)] == pytest.approx(
                r[metric], nan_ok=True
            )
    wide = dict(
        con.execute("select month_start_date::varchar, leads from metrics.kpi_monthly").fetchall()
    )
    totals = {r["period_start"]: r["leads"] for r in _query(built[0], "leads")}
    # kpi_monthly spans every metric's months; leads' own months must agree, the rest be 0.
    assert {k: v for k, v in wide.items() if k in totals} == totals
    assert all(v == 0 for k, v in wide.items() if k not in totals)


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
