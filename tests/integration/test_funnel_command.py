"""`revops funnel` on the built business: counts and changes recomputed here from the marts
with plain SQL, maturity worked out from the definitions' window and the as-of, and every
value equal to `revops query` for the same period."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

#: metric -> the SQL counting it in one period [?, ?), written from its definition.
COUNTS = {
    "leads": "select count(*) from marts.fct_lead_funnel where created_at >= ? and created_at < ?",
    "mqls": "select count(*) from marts.fct_lead_funnel where mql_at >= ? and mql_at < ?",
    "deals_won": "select count(*) from marts.fct_opportunities "
    "where is_won and closed_at >= ? and closed_at < ?",
    "touches": "select coalesce(sum(touches), 0) from marts.fct_marketing_performance "
    "where month_start_date >= ? and month_start_date < ?",
}


def _month(day: date, back: int = 0) -> tuple[date, date]:
    """[start, end) of the month ``back`` months before ``day``'s."""
    start = day.replace(day=1)
    for _ in range(back):
        start = (start - timedelta(days=1)).replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


@pytest.fixture(scope="module")
def read(built: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    db = built[0]
    result = CliRunner().invoke(cli, ["funnel", "--database", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["metric"]: r for r in json.loads(result.stdout)}
    con = duckdb.connect(str(db), read_only=True)
    try:
        (as_of,) = con.execute("select last_closed_date from marts.dim_as_of").fetchone()  # type: ignore[misc]
        # The last closed month: the as-of's own month when the as-of is its last day.
        last = (
            as_of
            if (as_of + timedelta(days=1)).day == 1
            else as_of.replace(day=1) - timedelta(days=1)
        )
        counts = {
            name: [con.execute(sql, list(_month(last, back))).fetchone()[0] for back in range(4)]  # type: ignore[index]
            for name, sql in COUNTS.items()
        }
    finally:
        con.close()
    return {"rows": rows, "as_of": as_of, "last": last, "counts": counts, "db": db}


def test_counts_and_changes_equal_the_marts(read: dict[str, Any]) -> None:
    rows, counts = read["rows"], read["counts"]
    for name, (value, previous, *older) in counts.items():
        row = rows[name]
        assert (row["value"], row["previous"]) == (value, previous), name
        assert row["change"] == pytest.approx((value - previous) / previous), name
        trailing = [previous, *older]
        assert row["trailing_avg"] == pytest.approx(sum(trailing) / len(trailing)), name
    assert counts["leads"][0] > 100  # a month with data, not zeros compared to zeros


def test_a_conversion_is_maturing_until_its_window_closes(read: dict[str, Any]) -> None:
    definitions = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]["revops"]
    window = definitions["slas"]["conversion_window_days"]
    _, end = _month(read["last"])
    closes = end - timedelta(days=1) + timedelta(days=window)
    row = read["rows"]["lead_to_mql"]
    if closes > read["as_of"]:
        assert row["note"].startswith(f"maturing: its window closes {closes.isoformat()}")
        assert row["change"] is None  # not compared with mature periods as if final
    else:
        assert "maturing: its" not in row["note"]
        assert row["change"] == pytest.approx(row["value"] - row["previous"])
    assert 0 <= row["value"] <= 1


def test_every_value_is_what_revops_query_gives(read: dict[str, Any]) -> None:
    start, end = _month(read["last"])
    for name, row in read["rows"].items():
        result = CliRunner().invoke(
            cli,
            [
                "query",
                name,
                "--database",
                str(read["db"]),
                "--start",
                start.isoformat(),
                "--end",
                end.isoformat(),
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        (queried,) = json.loads(result.stdout)
        expected = queried[name]
        assert row["value"] == pytest.approx(expected if expected is not None else None), name


def test_a_period_outside_the_closed_data_is_one_line_exit_2(read: dict[str, Any]) -> None:
    result = CliRunner().invoke(
        cli, ["funnel", "--database", str(read["db"]), "--period", "2099-01-01"]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "--period 2099-01-01 is in no closed month" in result.stderr


def test_the_table_names_the_period_and_the_as_of(read: dict[str, Any]) -> None:
    start, end = _month(read["last"])
    result = CliRunner().invoke(cli, ["funnel", "--database", str(read["db"])])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        f"Funnel, month {start.isoformat()} to {end.isoformat()} (exclusive; data as of "
        f"{read['as_of'].isoformat()})"
    )
    steps = [line.split()[0] for line in result.stdout.splitlines()[3:] if line.strip()]
    assert steps[0] == "touch" and "retained" in steps


def test_history_starts_with_the_metrics_own_data(read: dict[str, Any]) -> None:
    """In the second month of leads, the trailing average of leads is the first month's
    alone: months before the first lead (marketing data starts earlier) are not its history."""
    con = duckdb.connect(str(read["db"]), read_only=True)
    try:
        (first,) = con.execute("select min(created_at) from marts.fct_lead_funnel").fetchone()  # type: ignore[misc]
        start, end = _month(first.date())
        (leads,) = con.execute(COUNTS["leads"], [start, end]).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    second = end
    result = CliRunner().invoke(
        cli,
        [
            "funnel",
            "--database",
            str(read["db"]),
            "--period",
            second.isoformat(),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    row = next(r for r in json.loads(result.stdout) if r["metric"] == "leads")
    assert row["previous"] == leads and row["trailing_avg"] == pytest.approx(leads)
