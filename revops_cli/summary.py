"""What `revops build` and `revops demo` print."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from revops_cli.build import BuildSummary
from revops_cli.project import Project
from revops_cli.render import render
from revops_cli.warehouse import query

OK_STATUSES = ("success", "pass")
WARN_STATUSES = ("warn",)
FAIL_STATUSES = ("error", "fail", "runtime error")


def build_summary_text(summary: BuildSummary, fmt: str) -> str:
    """The end-of-build summary: nodes per type and status, failures, rejected rows."""
    counts = summary.dbt.counts()
    recon_cols = ["raw table", "raw rows", "accepted", "rejected"]
    if fmt == "json":
        return json.dumps(
            {
                "ok": summary.ok,
                "seconds": round(summary.dbt.seconds, 2),
                "nodes": {k: dict(v) for k, v in counts.items()},
                "failed": [
                    {
                        "name": n.name,
                        "resource_type": n.resource_type,
                        "status": n.status,
                        "failures": n.failures,
                        "message": n.message,
                    }
                    for n in summary.dbt.failed
                ],
                "reconciliation": [
                    dict(
                        zip(
                            ["source_table", "raw_rows", "accepted_rows", "rejected_rows"],
                            r,
                            strict=True,
                        )
                    )
                    for r in summary.reconciliation
                ],
            },
            indent=2,
        )
    rows = []
    for rtype, c in sorted(counts.items()):
        ok = sum(c[s] for s in OK_STATUSES)
        warn = sum(c[s] for s in WARN_STATUSES)
        failed = sum(c[s] for s in FAIL_STATUSES)
        rows.append((rtype, ok, warn, failed, c["skipped"]))
    parts = [
        render(
            ["dbt nodes", "ok", "warn", "failed", "skipped"],
            rows,
            title=f"dbt build: {len(summary.dbt.nodes)} nodes in {summary.dbt.seconds:.1f}s",
        )
    ]
    if summary.dbt.failed:
        parts.append(
            render(
                ["failed", "type", "status", "failures", "message"],
                [
                    (n.name, n.resource_type, n.status, n.failures, (n.message or "")[:80])
                    for n in summary.dbt.failed
                ],
            )
        )
    if summary.reconciliation:
        parts.append(
            render(
                recon_cols,
                summary.reconciliation,
                title="Raw rows: accepted + rejected (see data_quality.dq_rejected_rows)",
            )
        )
    verdict = "PASSED" if summary.ok else f"FAILED ({len(summary.dbt.failed)} failing nodes)"
    parts.append(f"Build {verdict}")
    return "\n\n".join(parts)


#: Stage counts per month from the funnel mart, plus cash from staging (the revenue marts
#: own cash once they land).
FUNNEL_SQL = """
with
leads as (
    select * from marts.fct_lead_funnel
),
stage_events as (
    select 'leads' as stage, created_at as event_at from leads
    union all select 'mqls', mql_at from leads where mql_at is not null
    union all select 'sals', sal_at from leads where sal_at is not null
    union all select 'sqls', sql_at from leads where sql_at is not null
    union all select 'opportunities', opportunity_at from leads where opportunity_at is not null
    union all select 'won', won_at from leads where won_at is not null
),
stages as (
    select
        cast(date_trunc('month', event_at) as date) as month,
        sum(case when stage = 'leads' then 1 else 0 end) as leads,
        sum(case when stage = 'mqls' then 1 else 0 end) as mqls,
        sum(case when stage = 'sals' then 1 else 0 end) as sals,
        sum(case when stage = 'sqls' then 1 else 0 end) as sqls,
        sum(case when stage = 'opportunities' then 1 else 0 end) as opportunities,
        sum(case when stage = 'won' then 1 else 0 end) as won
    from stage_events
    group by 1
),
collected as (
    select
        cast(date_trunc('month', p.attempted_at) as date) as month,
        sum(p.amount * r.to_reporting_rate) as collected
    from staging.stg_billing__payments as p
    inner join intermediate.int_fx_rates_reporting as r
        on r.currency_code = p.currency_code
        and r.rate_month = cast(date_trunc('month', p.attempted_at) as date)
    where p.status in ('succeeded', 'refunded')
    group by 1
)
select
    stages.month,
    cast(stages.leads as integer) as leads,
    cast(stages.mqls as integer) as mqls,
    cast(stages.sals as integer) as sals,
    cast(stages.sqls as integer) as sqls,
    cast(stages.opportunities as integer) as opportunities,
    cast(stages.won as integer) as won,
    round(coalesce(collected.collected, 0), 2) as collected
from stages
left join collected using (month)
order by stages.month
"""

#: (stage, timestamp column, next stage, its column, days column of the transition).
TRANSITIONS = (
    ("lead", "created_at", "mql", "mql_at", "days_lead_to_mql"),
    ("mql", "mql_at", "sal", "sal_at", "days_mql_to_sal"),
    ("sal", "sal_at", "sql", "sql_at", "days_sal_to_sql"),
    ("sql", "sql_at", "opportunity", "opportunity_at", "days_sql_to_opportunity"),
    ("opportunity", "opportunity_at", "won", "won_at", "days_opportunity_to_close"),
)

PERIOD_SQL = """
select
    {stage!r} as stage,
    cast(count(*) as integer) as reached,
    {next_stage!r} as next_stage,
    cast(count({next_col}) as integer) as converted,
    round(100.0 * count({next_col}) / nullif(count(*), 0), 1) as conversion_pct,
    round(percentile_cont(0.5) within group (order by case when {next_col} is not null
        then {days_col} end), 1) as median_days
from marts.fct_lead_funnel
where {col} >= cast('{start}' as timestamp) and {col} < cast('{end}' as timestamp)
"""


def funnel_periods(project: Project) -> list[tuple[str, Any, Any, list[tuple[Any, ...]]]]:
    """The funnel for the last full month and the trailing three months of the data.

    Each stage row counts the leads that reached the stage in the period (a cohort), how many
    of them reached the next stage so far, and the median days it took them; the latest
    cohorts are still maturing.
    """
    _, as_of = query(project, "select max(as_of_at) from marts.fct_opportunities")
    if not as_of or as_of[0][0] is None:
        return []
    this_month = as_of[0][0].date().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    three_back = (last_month - timedelta(days=1)).replace(day=1)
    three_back = (three_back - timedelta(days=1)).replace(day=1)
    out = []
    for label, start in (("last full month", last_month), ("trailing 3 months", three_back)):
        rows = []
        for stage, col, next_stage, next_col, days_col in TRANSITIONS:
            sql = PERIOD_SQL.format(
                stage=stage,
                col=col,
                next_stage=next_stage,
                next_col=next_col,
                days_col=days_col,
                start=start,
                end=this_month,
            )
            rows += query(project, sql)[1]
        out.append((label, start, this_month, rows))
    return out


def funnel_text(project: Project) -> str:
    """The funnel by month, then stage conversion for the last full and trailing 3 months."""
    columns, rows = query(project, FUNNEL_SQL)
    parts = [render(columns, rows, title="Funnel by month (stages from marts.fct_lead_funnel)")]
    for label, start, end, period_rows in funnel_periods(project):
        parts.append(
            render(
                ["stage", "reached", "next stage", "converted", "conversion %", "median days"],
                period_rows,
                title=f"Funnel, {label} ({start} to {end}, exclusive; "
                "recent cohorts still maturing)",
            )
        )
    return "\n\n".join(parts)
