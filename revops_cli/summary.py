"""What `revops build` and `revops demo` print."""

from __future__ import annotations

import json

from revops_cli.build import BuildSummary, query
from revops_cli.project import Project
from revops_cli.render import render

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


FUNNEL_SQL = """
with
people as (
    select email, min(created_at) as created_at
    from staging.stg_crm__contacts
    group by email
),
accepted as (
    select contact_id, min(occurred_at) as accepted_at
    from staging.stg_crm__lifecycle_events
    where event_detail = 'sales_accepted'
    group by contact_id
),
collected as (
    select
        date_trunc('month', p.attempted_at) as month,
        sum(p.amount * r.usd_per_unit) as collected_usd
    from staging.stg_billing__payments as p
    inner join reference.currency_rates as r
        on r.currency_code = p.currency_code
        and r.rate_month = cast(date_trunc('month', p.attempted_at) as date)
    where p.status in ('succeeded', 'refunded')
    group by 1
),
months as (
    select distinct date_trunc('month', created_at) as month from people
),
final as (
    select
        cast(m.month as date) as month,
        (select count(*) from people where date_trunc('month', created_at) = m.month) as leads,
        (select count(*) from accepted where date_trunc('month', accepted_at) = m.month)
            as sales_accepted,
        (select count(*) from staging.stg_crm__opportunities as o
            where date_trunc('month', o.created_at) = m.month) as opportunities,
        (select count(*) from staging.stg_crm__opportunities as o
            where o.is_won and date_trunc('month', o.closed_at) = m.month) as won,
        (select count(*) from staging.stg_billing__customers as c
            where date_trunc('month', c.created_at) = m.month) as new_customers,
        coalesce((select round(collected_usd, 2) from collected as c where c.month = m.month), 0)
            as collected_usd
    from months as m
)
select * from final order by month
"""


def funnel_text(project: Project) -> str:
    """A first funnel per month from the staged data (people deduplicated by email)."""
    columns, rows = query(project, FUNNEL_SQL)
    return render(columns, rows, title="Funnel by month (staged data; people by unique email)")
