"""The bookings forecast (fct_forecast_snapshots) on a generated business three years long,
growing: what each quarter actually booked equals the generator's truth (truth.won_deals at
the seed's rates); the booked-so-far and open pipeline at a snapshot are recomputed here
from fct_opportunities' dates (not the stage history the model reads); the interval covers
the truth at its stated rate within sampling error; forecast_accuracy and forecast_bias
equal plain SQL on the snapshots."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.generator import generate

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FC = "marts.fct_forecast_snapshots"


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("forecast") / "revops.duckdb"
    generate(db, ROOT, seed=11, scale=0.5, months=36)
    result = CliRunner().invoke(cli, ["build", "--database", str(db), "--skip-checks"])
    assert result.exit_code == 0, result.output
    return db


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _fiscal_quarter_start(day: date, first_month: int) -> date:
    offset = (day.month - first_month) % 3
    month = day.month - offset
    return date(day.year - (month < 1), (month - 1) % 12 + 1, 1)


def test_actual_bookings_equal_the_generators_truth(business: Path) -> None:
    with (ROOT / "seeds" / "currency_rates.csv").open(newline="") as fh:
        rates = {
            (r["currency_code"], r["rate_month"][:7]): float(r["usd_per_unit"])
            for r in csv.DictReader(fh)
        }
    first_month = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]["revops"][
        "fiscal_year_start_month"
    ]
    truth: dict[date, float] = defaultdict(float)
    for won_at, currency, amount in _rows(
        business, "select won_at, currency_code, amount from truth.won_deals"
    ):
        usd = float(amount) * rates[(currency, f"{won_at:%Y-%m}")]
        truth[_fiscal_quarter_start(won_at.date(), first_month)] += usd
    actuals = _rows(
        business,
        f"select distinct quarter_start_date, actual_amount from {FC} "
        "where actual_amount is not null",
    )
    assert len(actuals) >= 10
    for start, actual in actuals:
        # a deal won on the last evening of a quarter may be the next one's in UTC
        assert float(actual) == pytest.approx(truth[start], rel=0.02), start


def test_a_snapshot_sees_only_what_had_happened_by_then(business: Path) -> None:
    rows = _rows(
        business,
        f"select snapshot_date, quarter_start_date, booked_amount, open_pipeline_amount "
        f"from {FC} where horizon = 'current' order by snapshot_date",
    )
    assert len(rows) > 100
    for snapshot, start, booked, open_pipeline in rows[:: len(rows) // 8]:
        ((by_hand_booked, by_hand_open),) = _rows(
            business,
            "select coalesce(sum(reporting_amount) filter (where is_won "
            f"and cast(closed_at as date) between '{start}' and '{snapshot}'), 0), "
            "coalesce(sum(reporting_amount) filter (where cast(created_at as date) <= "
            f"'{snapshot}' and (closed_at is null or cast(closed_at as date) > '{snapshot}')), 0) "
            "from marts.fct_opportunities",
        )
        assert float(booked) == pytest.approx(float(by_hand_booked), abs=0.01), snapshot
        # the model finds open deals through the stage history: the same deals
        assert float(open_pipeline) == pytest.approx(float(by_hand_open), rel=0.01), snapshot


def test_the_interval_covers_the_truth_at_its_stated_rate(business: Path) -> None:
    ((scored, covered, nominal, quarters),) = _rows(
        business,
        "select count(*), count(*) filter (where actual_amount between forecast_lower_amount "
        "and forecast_upper_amount), max(interval_coverage), count(distinct quarter_start_date) "
        f"from {FC} where forecast_lower_amount is not null and actual_amount is not null",
    )
    nominal = float(nominal)
    assert nominal == pytest.approx(0.8)
    assert scored >= 60 and quarters >= 5
    # The weekly forecasts of one quarter share its outcome: about 13 per quarter and
    # horizon move together, so the sample is worth scored / 13 independent draws.
    effective = scored / 13
    sd = math.sqrt(nominal * (1 - nominal) / effective)
    print(f"interval coverage {covered}/{scored} (nominal {nominal}, sd {sd:.3f})")
    assert abs(covered / scored - nominal) <= 3 * sd, (covered, scored, sd)


def test_accuracy_and_bias_equal_plain_sql(business: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            *("query", "forecast_accuracy", "forecast_bias", "--grain", "year"),
            *("--database", str(business), "--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    engine = {r["period_start"][:4]: r for r in json.loads(result.stdout)}
    by_hand = _rows(
        business,
        "select year(quarter_end_date), 1 - sum(absolute_error_amount) / sum(actual_amount), "
        f"sum(error_amount) / sum(actual_amount) from {FC} "
        "where horizon = 'current' and actual_amount is not null "
        "and forecast_amount is not null group by 1",
    )
    assert by_hand
    for year, accuracy, bias in by_hand:
        assert engine[str(year)]["forecast_accuracy"] == pytest.approx(float(accuracy), abs=1e-9)
        assert engine[str(year)]["forecast_bias"] == pytest.approx(float(bias), abs=1e-9)
    # Three years of history: the later forecasts are good ones.
    last = max(by_hand)
    assert float(last[1]) > 0.7, by_hand
