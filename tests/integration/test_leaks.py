"""`revops leaks` against the generator's truth: a business generated with broken invoicing
(the knob leaves 30 % of won customers never invoiced) ranks that leak first, and its size is
within 10 % of what the generator left uninvoiced (truth.won_deals, converted here from the
seed's rates); the drill-down and the other leaks are recomputed from the marts in plain SQL."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.generator import generate

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
#: The business of `revops demo`, with the leak made on purpose.
KNOBS = {"broken_invoicing": 0.3}
INVOICE_WITHIN_DAYS = 45  # dbt_project.yml revenue.invoice_within_days, stated by hand


def _rates() -> dict[tuple[str, str], float]:
    with (ROOT / "seeds" / "currency_rates.csv").open(newline="") as fh:
        return {
            (r["currency_code"], r["rate_month"][:7]): float(r["usd_per_unit"])
            for r in csv.DictReader(fh)
        }


def _leaks(db: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["leaks", "--database", str(db), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("leaky") / "revops.duckdb"
    generate(db, ROOT, seed=42, scale=1.0, knobs=KNOBS)
    result = CliRunner().invoke(cli, ["build", "--database", str(db), "--skip-checks"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def window(leaky: Path) -> tuple[date, date, date]:
    """The whole history: from the first month to the month after the as-of's."""
    con = duckdb.connect(str(leaky), read_only=True)
    try:
        start, knobs = con.execute("select start_date, knobs from truth.run").fetchone()  # type: ignore[misc]
        assert json.loads(knobs) == KNOBS  # the truth says which leak was made
        (as_of,) = con.execute("select last_closed_date from marts.dim_as_of").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    return start, (as_of + timedelta(days=1)), as_of


def test_the_leak_made_largest_ranks_first_within_ten_percent_of_truth(
    leaky: Path, window: tuple[date, date, date]
) -> None:
    start, end, as_of = window
    rows = _leaks(leaky, "--start", start.isoformat(), "--end", end.isoformat())
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["leak"] == "never_invoiced", [(r["leak"], r["amount"]) for r in rows]
    assert rows[0]["amount"] > rows[1]["amount"]
    rates = _rates()
    con = duckdb.connect(str(leaky), read_only=True)
    try:
        deals = con.execute(
            "select won_at, currency_code, amount, billing from truth.won_deals"
        ).fetchall()
    finally:
        con.close()
    # Truth: deals won early enough to judge whose billing never issued an invoice.
    cutoff = as_of - timedelta(days=INVOICE_WITHIN_DAYS)
    truth = sum(
        float(amount) * rates[(currency, f"{won_at:%Y-%m}")]
        for won_at, currency, amount, billing in deals
        if billing != "billed" and won_at.date() <= cutoff
    )
    made = sum(
        float(amount) * rates[(currency, f"{won_at:%Y-%m}")]
        for won_at, currency, amount, billing in deals
        if billing == "never_invoiced" and won_at.date() <= cutoff
    )
    assert made > 0.6 * truth  # the knob made most of it
    estimate = rows[0]["amount"]
    assert abs(estimate - truth) <= 0.10 * truth, (estimate, truth)


def test_drill_down_and_other_leaks_equal_the_marts(
    leaky: Path, window: tuple[date, date, date]
) -> None:
    start, end, _ = window
    rows = {
        r["leak"]: r for r in _leaks(leaky, "--start", start.isoformat(), "--end", end.isoformat())
    }
    con = duckdb.connect(str(leaky), read_only=True)
    try:
        by_owner = con.execute(
            "select o.owner_id, sum(o.reporting_amount) as lost "
            "from marts.fct_revenue_reconciliation as r "
            "join marts.fct_opportunities as o using (opportunity_id) "
            "where r.invoice_count = 0 and r.won_date + interval 45 day <= "
            "(select last_closed_date from marts.dim_as_of) "
            "and r.won_date >= ? and r.won_date < ? "
            "group by 1 order by lost desc, 1 limit 3",
            [start, end],
        ).fetchall()
        churned = con.execute(
            "select 12 * coalesce(sum(churned_mrr_reporting), 0) from marts.fct_mrr "
            "where month_start_date >= ? and month_start_date < ?",
            [start, end],
        ).fetchone()[0]  # type: ignore[index]
        unpaid = con.execute(
            "select coalesce(sum(outstanding_reporting), 0) from marts.fct_invoices "
            "where issued_date >= ? and issued_date < ? "
            "and days_past_due > 30 and failed_payment_count = 0",
            [start, end],
        ).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    owners = rows["never_invoiced"]["drill_down"]["deal_owner_id"]
    assert [(o["value"], o["amount"]) for o in owners] == [
        (owner, pytest.approx(float(lost), abs=0.01)) for owner, lost in by_owner
    ]
    assert rows["churned"]["amount"] == pytest.approx(float(churned), abs=0.01)
    assert rows["unpaid_past_due"]["amount"] == pytest.approx(float(unpaid), abs=0.01)
    assert sum(r["share"] for r in rows.values()) == pytest.approx(1, abs=0.001)


def test_without_the_knob_the_leak_is_small(built: tuple[Path, dict[str, Any]]) -> None:
    """The session's business (no knob) loses few bookings to invoicing, and by default the
    window is the last twelve closed months."""
    rows = _leaks(built[0])
    never = next(r for r in rows if r["leak"] == "never_invoiced")
    assert never["rank"] > 1
    result = CliRunner().invoke(cli, ["leaks", "--database", str(built[0])])
    assert result.exit_code == 0, result.output
    assert "Revenue leaks, months " in result.output and "never_invoiced" in result.output


def test_bad_window_is_one_line(built: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(built[0], db)
    result = CliRunner().invoke(
        cli, ["leaks", "--database", str(db), "--start", "2026-01-01", "--end", "2025-01-01"]
    )
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "before --end" in result.output
