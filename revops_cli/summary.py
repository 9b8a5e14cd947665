"""What `revops build` and `revops demo` print."""

from __future__ import annotations

import json
from typing import Any

from revops_cli.build import BuildSummary
from revops_cli.dbt_runner import NodeResult
from revops_cli.errors import one_line
from revops_cli.metrics.api import MetricStore
from revops_cli.periods import month_start
from revops_cli.project import Project
from revops_cli.publish import BUILD_SUFFIX, SHADOW_DIR
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
                        "path": n.path,
                        "compiled_path": n.compiled_path,
                    }
                    for n in summary.dbt.failed
                ],
                "sources": [
                    dict(
                        zip(
                            ["system", "adapter", "schema", "metrics_off", "marts_empty"],
                            r,
                            strict=True,
                        )
                    )
                    for r in summary.sources
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
                "notes": summary.notes,
                "publish": {
                    "mode": summary.mode,
                    "published": summary.published,
                    "run_id": summary.run.run_id if summary.run else None,
                    "status": summary.run.status if summary.run else "in-place",
                    "reason": summary.run.reason if summary.run else "",
                },
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
                ["failed", "type", "status", "failures"],
                [(n.name, n.resource_type, n.status, n.failures) for n in summary.dbt.failed],
            )
        )
        # The database's message in full (its cause comes last), one node per line.
        parts.append("\n".join(_failure_line(n) for n in summary.dbt.failed))
    if any(row[1] != "revops" for row in summary.sources):
        parts.append(
            render(
                ["system", "adapter", "schema", "metrics off", "marts built empty"],
                summary.sources,
                title="Sources (revops_sources; a system that is off builds empty)",
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
    parts += [f"Note: {note}" for note in summary.notes]
    verdict = "PASSED" if summary.ok else f"FAILED ({len(summary.dbt.failed)} failing nodes)"
    parts.append(f"Build {verdict}")
    return "\n\n".join(parts)


def _failure_line(node: NodeResult) -> str:
    """A failed node: its file, the SQL dbt ran (where the database's LINE n counts), and the
    database's message in full."""
    where = ", ".join(
        p for p in (node.path, node.compiled_path and f"ran {node.compiled_path}") if p
    )
    where = f" ({where})" if where else ""
    return f"{node.name}{where}: {one_line(node.message or '', limit=100_000)}"


def publication_line(summary: BuildSummary) -> str:
    """The last line of `revops build`: what readers now see."""
    run = summary.run
    if run is None:
        return "Built in place: readers see this build as dbt wrote it, passed or not"
    if run.status == "published":
        why = f" ({run.reason})" if run.reason else ""
        return f"Published build {run.run_id}{why}"
    kept = f"the *{BUILD_SUFFIX} schemas" if summary.mode == "schema-swap" else f"{SHADOW_DIR}/"
    return (
        f"NOT published ({run.reason}): readers still see the last published build; "
        f"this one is kept in {kept} for inspection"
    )


#: The funnel's stage counts by month, and money collected: catalog metrics.
STAGES = ("leads", "mqls", "sals", "sqls", "opportunities_created", "deals_won", "collected")
#: (stage, next stage, the catalog's conversion metric between them).
TRANSITIONS = (
    ("lead", "mql", "lead_to_mql"),
    ("mql", "sal", "mql_to_sal"),
    ("sal", "sql", "sal_to_sql"),
    ("sql", "opportunity", "sql_to_opportunity"),
    ("opportunity", "won", "opportunity_to_won"),
)


def funnel_periods(
    store: MetricStore,
) -> list[tuple[str, Any, Any, list[tuple[Any, ...]]]]:
    """Stage conversion for the last closed month and the trailing three: each row is a
    cohort (the leads that reached the stage in those months), how many of them reached
    the next stage within the catalog's window so far, and the rate. Recent cohorts are
    still maturing."""
    names = [m for _, _, m in TRANSITIONS]
    result = store.query(names, grain="month", parts=True)
    closed = [r for r in result.to_dicts() if not r["is_partial_period"]]
    if not closed:
        return []
    out = []
    for label, n in (("last full month", 1), ("trailing 3 months", 3)):
        months = closed[-n:]
        rows = []
        for stage, next_stage, metric in TRANSITIONS:
            den = sum(int(m[f"{metric}__denominator"] or 0) for m in months)
            num = sum(int(m[f"{metric}__numerator"] or 0) for m in months)
            rate = round(100.0 * num / den, 1) if den else None
            rows.append((stage, den, next_stage, num, rate))
        end = month_start(months[-1]["period_start"], 1)
        out.append((label, months[0]["period_start"], end, rows))
    return out


def funnel_text(project: Project) -> str:
    """The funnel by month, then stage conversion for the last full and trailing 3 months,
    all from the metric catalog (the numbers `revops query` gives)."""
    from revops_cli.render import metric_table

    with MetricStore(project) as store:
        by_month = store.query(list(STAGES), grain="month")
        formats = {n: (m.format, m.unit) for n, m in by_month.metrics.items()}
        parts = [
            "Funnel by month (metrics: "
            + ", ".join(STAGES)
            + ")\n"
            + metric_table(by_month.columns, by_month.rows, formats)
        ]
        for label, start, end, period_rows in funnel_periods(store):
            parts.append(
                render(
                    ["stage", "cohort", "next stage", "converted", "conversion %"],
                    period_rows,
                    title=f"Funnel, {label} ({start} to {end}, exclusive; within "
                    "slas.conversion_window_days; recent cohorts still maturing)",
                )
            )
    return "\n\n".join(parts)
