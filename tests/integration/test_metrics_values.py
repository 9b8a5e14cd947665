"""Every catalog metric, queried through the compiler, against SQL written by hand here.

The reference queries bucket by ``date_trunc`` on the marts directly (no dim_date, no grid,
no CTE machinery), so a compiler mistake cannot cancel itself out. Balances are read at each
month's own rows (monthly and daily marts have one every month), snapshots in the as-of
month only, and the retention rates over the customers paying at the month's start.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from revops_cli.metrics.catalog import load_catalog
from revops_cli.metrics.compiler import compile_query
from revops_cli.metrics.request import Request

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]


def m(t: str) -> str:
    return f"cast(date_trunc('month', {t}) as date)"


def simple(agg: str, model: str, time: str, where: str = "true") -> str:
    return (
        f"select {m(time)} as month, {agg} as value from {model} "
        f"where {time} is not null and ({where}) group by 1"
    )


def ratio(num: str, den: str) -> str:
    return (
        f"select coalesce(n.month, d.month) as month, "
        f"cast(coalesce(n.value, 0) as double) / nullif(d.value, 0) as value "
        f"from ({num}) n full join ({den}) d on n.month = d.month"
    )


def snapshot(agg: str, model: str, where: str = "true") -> str:
    """A point-in-time value: the as-of month's, no other."""
    return (
        f"select {m('a.last_closed_date')} as month, (select {agg} from {model} where {where})"
        " as value from marts.dim_as_of as a"
    )


LF = "marts.fct_lead_funnel"
OPP = "marts.fct_opportunities"
MP = "marts.fct_marketing_performance"
MRR = "marts.fct_mrr"
#: Active users' quotas in USD (the demo's reporting currency) at the as-of month's rate,
#: from staging and the rates seed.
QUOTAS = (
    "(select u.monthly_quota_amount * r.usd_per_unit as quota_usd, u.is_active"
    " from staging.stg_crm__users as u join reference.currency_rates as r"
    " on r.currency_code = u.quota_currency_code and cast(r.rate_month as date) ="
    " (select date_trunc('month', last_closed_date) from marts.dim_as_of)) as quotas"
)
INV = "marts.fct_invoices"
FC = "marts.fct_forecast_snapshots"


def conversion(a: str, b: str, days: int) -> str:
    return (
        f"select {m(a)} as month, count(*) filter (where {b} >= {a} and {b} <= {a} + "
        f"interval {days} day) / count(*) as value from {LF} where {a} is not null group by 1"
    )


def last_sum(
    expr: str,
    model: str,
    time: str,
    where: str = "true",
    first: bool = False,
    grain: str = "month",
    fill: str = "0",
) -> str:
    """A balance: ``expr`` over the rows of each month's last (or first) snapshot, the
    snapshots being every day, week start or month start (``grain``) from the model's first
    to its last row; a snapshot without rows is 0 (``fill``), a month without one absent."""
    step = {"day": "1 day", "week": "7 day", "month": "1 month"}[grain]
    edge = "min" if first else "max"
    value = f"(select {expr} from {model} where {time} = p.snap and ({where}))"
    if fill:
        value = f"coalesce({value}, {fill})"
    return (
        f"with e as (select min({time}) as lo, max({time}) as hi from {model}), "
        f"snaps as (select cast(unnest(generate_series(e.lo, e.hi, interval {step})) as date)"
        " as snap from e), "
        "picked as (select cast(date_trunc('month', snap) as date) as month, "
        f"{edge}(snap) as snap from snaps group by 1) "
        f"select p.month, {value} as value from picked as p"
    )


BOOKINGS = simple("sum(reporting_amount)", OPP, "closed_at", "is_won")
WON = simple("count(*)", OPP, "closed_at", "is_won")
CLOSED = simple("count(*)", OPP, "closed_at", "is_closed")
SPEND = simple("sum(spend_reporting_amount)", MP, "month_start_date")
NEW_CUSTOMERS = simple("count(*)", MRR, "month_start_date", "movement_type = 'new'")
NEW_MRR = simple("sum(new_mrr_reporting)", MRR, "month_start_date")
MRR_END = last_sum("sum(ending_mrr_reporting)", MRR, "month_start_date")
START_MRR = last_sum("sum(starting_mrr_reporting)", MRR, "month_start_date", first=True)
PIPELINE = "marts.fct_pipeline_daily"
PAYMENTS = "marts.fct_payments"
AGING = "marts.fct_invoice_aging"
HEALTH = "marts.fct_account_health"
CHURNED = simple("count(distinct customer_id)", MRR, "month_start_date", "movement_type = 'churn'")
AT_START = last_sum(
    "count(distinct customer_id) filter (where starting_mrr_reporting > 0)",
    MRR,
    "month_start_date",
    first=True,
)
PAYING = last_sum("count(distinct customer_id) filter (where is_paying)", MRR, "month_start_date")


def mov(col: str) -> str:
    return simple(f"sum({col})", MRR, "month_start_date")


def combine(expr: str, **parts: str) -> str:
    """Join monthly series by month and compute ``expr`` over their values."""
    names = list(parts)
    first = names[0]
    sql = f"select {first}.month as month, {expr} as value from ({parts[first]}) {first}"
    for n in names[1:]:
        sql += f" left join ({parts[n]}) {n} on {n}.month = {first}.month"
    return sql


REFERENCE: dict[str, str] = {
    # funnel
    "leads": simple("count(*)", LF, "created_at"),
    "mqls": simple("count(*)", LF, "mql_at"),
    "sals": simple("count(*)", LF, "sal_at"),
    "sqls": simple("count(*)", LF, "sql_at"),
    "opportunities_created": simple("count(*)", OPP, "created_at"),
    "mql_rejections": simple("count(*)", LF, "mql_at", "rejected_at is not null"),
    "mql_rejection_rate": simple(
        "count(*) filter (where rejected_at is not null) / count(*)", LF, "mql_at"
    ),
    "lead_to_mql": conversion("created_at", "mql_at", 90),
    "mql_to_sal": conversion("mql_at", "sal_at", 90),
    "sal_to_sql": conversion("sal_at", "sql_at", 90),
    "opportunity_to_won": conversion("opportunity_at", "won_at", 90),
    "mql_to_sql": conversion("mql_at", "sql_at", 30),
    "sql_to_opportunity": conversion("sql_at", "opportunity_at", 90),
    "lead_to_customer": conversion("created_at", "won_at", 365),
    "mql_to_won_funnel": (
        f"select {m('mql_at')} as month, count(*) filter (where sal_at >= mql_at "
        "and sql_at >= sal_at and opportunity_at >= sql_at and won_at >= opportunity_at "
        "and won_at <= mql_at + interval 180 day) / count(*) as value "
        f"from {LF} where mql_at is not null group by 1"
    ),
    "median_lead_response_hours": simple("median(response_hours)", LF, "created_at"),
    "response_sla_compliance": simple(
        "count(*) filter (where is_response_sla_met) / count(*)", LF, "created_at"
    ),
    "median_mql_response_hours": simple("median(mql_response_hours)", LF, "mql_at"),
    "mql_response_sla_compliance": simple(
        "count(*) filter (where is_mql_response_sla_met) / count(*)", LF, "mql_at"
    ),
    # pipeline
    "open_pipeline": last_sum("sum(open_reporting_amount)", PIPELINE, "date_day", grain="day"),
    "open_opportunities": last_sum(
        "sum(open_opportunity_count)", PIPELINE, "date_day", grain="day"
    ),
    "sales_quota": snapshot("sum(quota_usd)", QUOTAS, "is_active"),
    "pipeline_coverage": combine(
        "p.value / q.value",
        q=snapshot("sum(quota_usd)", QUOTAS, "is_active"),
        p=last_sum("sum(open_reporting_amount)", PIPELINE, "date_day", grain="day"),
    ),
    "deals_won": WON,
    "deals_closed": CLOSED,
    "opportunity_win_rate": ratio(WON, CLOSED),
    "average_deal_size": ratio(BOOKINGS, WON),
    "sales_cycle_days": simple("avg(days_to_close)", OPP, "closed_at", "is_won"),
    "sales_cycle_days_median": simple("median(days_to_close)", OPP, "closed_at", "is_won"),
    "pipeline_velocity": combine(
        "o.value * (b.value / w.value) * (w.value / c.value) / s.value",
        o=last_sum("sum(open_opportunity_count)", PIPELINE, "date_day", grain="day"),
        b=BOOKINGS,
        w=WON,
        c=CLOSED,
        s=simple("avg(days_to_close)", OPP, "closed_at", "is_won"),
    ),
    "stagnant_deals": snapshot("count(*)", OPP, "is_open and is_stagnant"),
    "forecast_bookings": simple("sum(reporting_amount)", OPP, "expected_close_date"),
    "forecast_actual_bookings": simple("sum(actual_amount)", FC, "quarter_end_date", "is_scored"),
    "forecast_absolute_error": simple(
        "sum(absolute_error_amount)", FC, "quarter_end_date", "is_scored"
    ),
    "forecast_error": simple("sum(error_amount)", FC, "quarter_end_date", "is_scored"),
    "forecast_error_rate": simple(
        "sum(absolute_error_amount) / sum(actual_amount)", FC, "quarter_end_date", "is_scored"
    ),
    "forecast_accuracy": simple(
        "1 - sum(absolute_error_amount) / sum(actual_amount)", FC, "quarter_end_date", "is_scored"
    ),
    "forecast_bias": simple(
        "sum(error_amount) / sum(actual_amount)", FC, "quarter_end_date", "is_scored"
    ),
    # marketing
    "marketing_spend": SPEND,
    "attributed_leads": simple("sum(leads)", MP, "month_start_date"),
    "touches": simple("sum(touches)", MP, "month_start_date"),
    "attributed_mqls": simple("sum(mqls)", MP, "month_start_date"),
    "attributed_opportunities": simple("sum(opportunities)", MP, "month_start_date"),
    "cost_per_lead": simple("sum(spend_reporting_amount) / sum(leads)", MP, "month_start_date"),
    "cost_per_mql": simple("sum(spend_reporting_amount) / sum(mqls)", MP, "month_start_date"),
    "cost_per_qualified_opportunity": simple(
        "sum(spend_reporting_amount) / sum(opportunities)", MP, "month_start_date"
    ),
    "cac": ratio(SPEND, NEW_CUSTOMERS),
    "cac_payback_months": combine(
        "(s.value / c.value) / (n.value / c.value)", s=SPEND, c=NEW_CUSTOMERS, n=NEW_MRR
    ),
    # revenue
    "bookings": BOOKINGS,
    "bookings_trailing_12m": (
        f"select mo.month, (select sum(reporting_amount) from {OPP} where is_won and "
        "closed_at >= mo.month - interval 11 month and closed_at < mo.month + interval 1 month)"
        f" as value from (select distinct {m('closed_at')} as month from {OPP} "
        "where is_won) mo"
    ),
    "bookings_ytd": (
        f"select mo.month, (select sum(reporting_amount) from {OPP} where is_won and "
        "closed_at < mo.month + interval 1 month and closed_at >= make_date("
        "year(mo.month) - (case when month(mo.month) < 2 then 1 else 0 end), 2, 1)) as value "
        f"from (select distinct {m('closed_at')} as month from {OPP} where is_won) mo"
    ),
    "invoiced": simple("sum(due_reporting)", INV, "issued_date"),
    "gross_collected": simple("sum(gross_collected_reporting)", PAYMENTS, "attempted_date"),
    "refunds": simple("sum(refunded_reporting)", PAYMENTS, "refunded_date", "is_refunded"),
    "collected": combine(
        "coalesce(g.value, 0) - coalesce(r.value, 0)",
        g=simple("sum(gross_collected_reporting)", PAYMENTS, "attempted_date"),
        r=simple("sum(refunded_reporting)", PAYMENTS, "refunded_date", "is_refunded"),
    ),
    "invoiced_due": simple("sum(due_reporting)", INV, "due_date"),
    "collected_on_due": simple("sum(net_collected_reporting)", INV, "due_date"),
    "collection_rate": simple("sum(net_collected_reporting) / sum(due_reporting)", INV, "due_date"),
    "days_to_collect_median": simple("median(days_to_collect)", INV, "paid_date"),
    "ar_month_end": last_sum("sum(outstanding_reporting)", AGING, "as_of_date", grain="day"),
    "dso": combine(
        "a.value / i.value * day(last_day(a.month))",
        a=last_sum("sum(outstanding_reporting)", AGING, "as_of_date", grain="day"),
        i=simple("sum(due_reporting)", INV, "issued_date"),
    ),
    "bad_debt": simple("sum(written_off_reporting)", INV, "written_off_date", "is_written_off"),
    "ar_over_30_days": snapshot("sum(outstanding_reporting)", INV, "days_past_due > 30"),
    # leaks: written from the deals and invoices, not the leak columns the metrics read
    "never_invoiced_bookings": simple(
        "sum(o.reporting_amount)",
        f"marts.fct_revenue_reconciliation as r join {OPP} as o using (opportunity_id)",
        "r.won_date",
        "r.invoice_count = 0 and r.won_date + interval 45 day"
        " <= (select last_closed_date from marts.dim_as_of)",
    ),
    "unpaid_past_due": simple(
        "sum(outstanding_reporting)",
        INV,
        "issued_date",
        "days_past_due > 30 and failed_payment_count = 0",
    ),
    "failed_payments_unrecovered": simple(
        "sum(outstanding_reporting)",
        INV,
        "issued_date",
        "failed_payment_count > 0 and days_past_due > 0",
    ),
    "booked_not_collected_gap": simple(
        "sum(booked_not_collected_reporting)", "marts.fct_revenue_reconciliation", "won_date"
    ),
    # retention
    "mrr": MRR_END,
    "arr": combine("r.value * 12", r=MRR_END),
    "mrr_growth": (
        f"select cur.month, cur.value / prev.value - 1 as value from ({MRR_END}) cur "
        f"join ({MRR_END}) prev on prev.month = cur.month - interval 1 month"
    ),
    "starting_mrr": START_MRR,
    "new_mrr": NEW_MRR,
    "expansion_mrr": mov("expansion_mrr_reporting"),
    "contraction_mrr": mov("contraction_mrr_reporting"),
    "churned_mrr": mov("churned_mrr_reporting"),
    "reactivation_mrr": mov("reactivation_mrr_reporting"),
    # Cohort NRR and GRR: the movements of the customers paying at the month's start.
    "nrr": simple(
        "sum(starting_mrr_reporting + case when starting_mrr_reporting > 0 then "
        "expansion_mrr_reporting + reactivation_mrr_reporting - contraction_mrr_reporting "
        "- churned_mrr_reporting else 0 end) / sum(starting_mrr_reporting)",
        MRR,
        "month_start_date",
    ),
    "grr": simple(
        "sum(starting_mrr_reporting - case when starting_mrr_reporting > 0 then "
        "contraction_mrr_reporting + churned_mrr_reporting else 0 end) "
        "/ sum(starting_mrr_reporting)",
        MRR,
        "month_start_date",
    ),
    "new_customers": NEW_CUSTOMERS,
    "customers_at_start": AT_START,
    "churned_customers": CHURNED,
    "logo_churn_rate": ratio(CHURNED, AT_START),
    "paying_customers": PAYING,
    "arpa": ratio(MRR_END, PAYING),
    "ltv": combine(
        "(r.value / p.value) / (c.value / s.value)", r=MRR_END, p=PAYING, c=CHURNED, s=AT_START
    ),
    # support and health
    "tickets": simple("count(*)", "marts.fct_support_tickets", "opened_at"),
    "first_response_hours_median": simple(
        "median(first_response_seconds / 3600.0)", "marts.fct_support_tickets", "opened_at"
    ),
    "accounts_at_risk": last_sum(
        "count(distinct account_id) filter (where health_colour = 'red')",
        HEALTH,
        "week_start_date",
        grain="week",
    ),
    "accounts_turned_worse": simple(
        "count(distinct account_id)",
        HEALTH,
        "week_start_date",
        "is_colour_change and previous_health_colour is not null and health_colour <> "
        "previous_health_colour and (health_colour = 'red' or previous_health_colour = 'green')",
    ),
    "accounts_scored": last_sum(
        "count(distinct account_id)", HEALTH, "week_start_date", grain="week"
    ),
    "health_score": last_sum("avg(health_score)", HEALTH, "week_start_date", grain="week", fill=""),
    # system health
    "data_completeness": simple(
        "count(*) filter (where has_lead_source) / count(*)", LF, "created_at"
    ),
    "crm_records": simple("sum(crm_record_count)", "marts.dim_contacts", "created_at"),
    "duplicate_crm_records": simple(
        "sum(crm_record_count - 1)", "marts.dim_contacts", "created_at"
    ),
    "duplicate_rate": simple(
        "sum(crm_record_count - 1) / sum(crm_record_count)", "marts.dim_contacts", "created_at"
    ),
    "raw_rows": snapshot("sum(raw_rows)", "data_quality.dq_row_reconciliation"),
    "rejected_rows": snapshot("sum(rejected_rows)", "data_quality.dq_row_reconciliation"),
    "rejections": snapshot("count(*)", "data_quality.dq_rejected_rows"),
    "rejected_row_rate": snapshot(
        "sum(rejected_rows) / sum(raw_rows)", "data_quality.dq_row_reconciliation"
    ),
}


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


@pytest.fixture(scope="module")
def answer(built: tuple[Path, dict[str, Any]]) -> dict[str, dict[Any, float | None]]:
    catalog = load_catalog(PROJECT)
    names = [n for n in sorted(catalog.metrics) if "month" in catalog.grains(catalog.metrics[n])]
    sql = compile_query(catalog, Request(names, grain="month"))
    con = duckdb.connect(str(built[0]), read_only=True)
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    assert columns[:2] == ["period_start", "is_partial_period"]
    return {c: {r[0]: _num(r[i]) for r in rows} for i, c in enumerate(columns) if i > 1}


def test_every_catalog_metric_has_a_reference() -> None:
    assert sorted(REFERENCE) == sorted(load_catalog(PROJECT).metrics)


def test_periods_run_from_the_first_data_to_the_as_of(
    answer: dict[str, dict[Any, float | None]], coverage: list[Any]
) -> None:
    months = coverage
    assert len(months) >= 12
    for name, series in answer.items():
        assert sorted(series) == months, name


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_metric_matches_hand_written_sql(
    name: str, answer: dict[str, dict[Any, float | None]], con: duckdb.DuckDBPyConnection
) -> None:
    got = answer[name]
    expected = {month: _num(v) for month, v in con.execute(REFERENCE[name]).fetchall()}
    assert got, name
    checked = 0
    for month, want in expected.items():
        if month not in got:
            continue  # outside the periods the data covers (e.g. a close date to come)
        assert _same(got[month], want), (name, month, want, got[month])
        checked += 1
    assert checked >= 1, (name, expected, got)
    # Periods with no rows at all read 0 for flows, null for the rest; a snapshot's
    # other months are null.
    empty = set(got) - set(expected)
    metric = load_catalog(PROJECT).metrics[name]
    if metric.type == "simple" and getattr(metric, "non_additive", None) is None:
        fill = 0.0 if metric.filled and metric.time else None  # type: ignore[union-attr]
        assert all(got[p] == fill for p in empty), (name, {p: got[p] for p in empty})
