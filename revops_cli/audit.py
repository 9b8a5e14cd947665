"""`revops audit`: how mature the company's revenue operations are, scored from its data.

Five stages, as RevOps maturity models lay them out (e.g. knowledgelib.io's revenue
operations assessment; afrexai's RevOps maturity model): 1 ad hoc (siloed tools, numbers that
disagree), 2 emerging, 3 defined (shared definitions, one key across systems), 4 managed
(measured hand-offs, closed loops, alerts in use), 5 optimized (a predictive, automated
revenue engine).

Each criterion is one number from the built marts, with the query that gave it, and four
thresholds: the stage is 1 plus the thresholds the number meets. The company's stage is the
lowest of its criteria's (a stage is reached when every criterion has reached it), and each
criterion says what would take it to its next stage. A criterion the data cannot measure
(no row to judge, a source turned off) is "not measured" and does not count.

Semantics: the evidence window is whole months, the last twelve closed by the data's as-of
(as `revops leaks`), or [--start, --end); each criterion's cohort is named in its question.
Catalog metrics are read through the metric engine (a ratio as its summed numerator over
its summed denominator); the rest is plain SQL on the marts, printed as it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from revops_cli.errors import ConfigError, DatabaseError

if TYPE_CHECKING:
    from revops_cli.metrics.api import MetricStore

STAGES = {
    1: "ad hoc",
    2: "emerging",
    3: "defined",
    4: "managed",
    5: "optimized",
}
COLUMNS = ("criterion", "question", "stage", "stage_name", "value", "unit", "next_step", "query")


@dataclass(frozen=True)
class Criterion:
    """One criterion: where its number comes from and the thresholds of stages 2 to 5."""

    name: str
    question: str
    unit: str  # share | days | rules
    levels: tuple[float, float, float, float]  # met by the value: stage 2, 3, 4, 5
    action: str  # what to do to move the number
    sql: str | None = None  # one number; {marts}, {start}, {end} are filled in
    metric: str | None = None  # a catalog ratio, summed over the window
    complement: bool = False  # the criterion is 1 - the ratio (accuracy from an error rate)
    needs: str = ""  # what the data lacks to measure it (no sql, no metric)

    @property
    def higher_is_better(self) -> bool:
        return self.levels[0] < self.levels[-1]

    def stage(self, value: float) -> int:
        met = [(value >= t) if self.higher_is_better else (value <= t) for t in self.levels]
        return 1 + sum(met)


CRITERIA = (
    Criterion(
        "lifecycle_causes",
        "Stages entered (MQL, SAL, SQL, opportunity) by leads created in the window that "
        "record the event that caused them, in order",
        "share",
        (0.5, 0.75, 0.9, 0.98),
        "trigger every lifecycle stage from a recorded data event (definitions/lifecycle)",
        sql="""
select sum(
        case when mql_at is not null and mql_cause is not null then 1 else 0 end
        + case when sal_at is not null and sal_cause is not null then 1 else 0 end
        + case when sql_at is not null and sql_cause is not null then 1 else 0 end
        + case when opportunity_at is not null and opportunity_cause is not null
            then 1 else 0 end
        - case when has_out_of_order_stages then 1 else 0 end
    ) * 1.0 / nullif(sum(
        case when mql_at is not null then 1 else 0 end
        + case when sal_at is not null then 1 else 0 end
        + case when sql_at is not null then 1 else 0 end
        + case when opportunity_at is not null then 1 else 0 end
    ), 0)
from {marts}.fct_lead_funnel
where created_at >= '{start}' and created_at < '{end}'""",
    ),
    Criterion(
        "loss_reasons",
        "Deals lost in the window with a loss reason recorded",
        "share",
        (0.5, 0.75, 0.9, 0.98),
        "make the loss reason required when a deal is closed lost in the CRM",
        sql="""
select avg(case when is_missing_loss_reason then 0.0 else 1.0 end)
from {marts}.fct_opportunities
where stage_name = 'closed_lost' and closed_at >= '{start}' and closed_at < '{end}'""",
    ),
    Criterion(
        "rejection_reasons",
        "MQLs sales rejected in the window with a reason marketing can act on",
        "share",
        (0.5, 0.75, 0.9, 0.98),
        "make sales give a rejection reason when they reject an MQL, and review them with "
        "marketing",
        sql="""
select avg(case when rejection_reason is null then 0.0 else 1.0 end)
from {marts}.fct_lead_funnel
where rejected_at >= '{start}' and rejected_at < '{end}'""",
    ),
    Criterion(
        "account_key",
        "Billing customers (all, at the as-of) matched to a CRM account: one account key "
        "across systems",
        "share",
        (0.75, 0.9, 0.95, 0.99),
        "write the CRM account id on every billing customer (fct_unmatched_account_records "
        "lists those without one)",
        sql="""
select sum(case when account_source = 'billing_only' then 0 else billing_customer_count end)
    * 1.0 / nullif(sum(billing_customer_count), 0)
from {marts}.dim_accounts""",
    ),
    Criterion(
        "duplicates",
        "Duplicate CRM contact records among people created in the window (duplicate_rate)",
        "share",
        (0.1, 0.05, 0.02, 0.01),
        "merge duplicates in the CRM and match new leads on email before creating a record",
        metric="duplicate_rate",
    ),
    Criterion(
        "contact_decay",
        "CRM contacts whose e-mail bounced or was not verified in the last year (data decay)",
        "share",
        (0.3, 0.2, 0.1, 0.05),
        "verify e-mails and job titles on a schedule, and record bounces in the CRM",
        needs="the raw contract has no e-mail bounce or last-verified date to measure it by",
    ),
    Criterion(
        "rejected_rows",
        "Raw rows staging rejected at the last load (rejected_row_rate)",
        "share",
        (0.05, 0.02, 0.01, 0.005),
        "fix the rows dq_rejected_rows lists at their source system",
        metric="rejected_row_rate",
    ),
    Criterion(
        "signature_to_invoice",
        "Median days from a deal won in the window to its customer's first invoice",
        "days",
        (30, 15, 7, 3),
        "issue the first invoice from the signed deal automatically (CRM to billing)",
        sql="""
select percentile_cont(0.5) within group (order by days)
from (
    select {datediff} as days
    from {marts}.fct_revenue_reconciliation as deals
    inner join (
        select customer_id, min(issued_at) as first_issued_at
        from {marts}.fct_invoices
        group by customer_id
    ) as invoices on deals.customer_id = invoices.customer_id
    where deals.won_at >= '{start}' and deals.won_at < '{end}'
        and invoices.first_issued_at >= deals.won_at
) as cohort""",
    ),
    Criterion(
        "invoice_to_cash",
        "Median days from issue to payment of invoices issued and paid in the window",
        "days",
        (60, 45, 30, 15),
        "collect by card or direct debit and chase overdue invoices on a schedule",
        sql="""
select percentile_cont(0.5) within group (order by days_to_collect)
from {marts}.fct_invoices
where issued_at >= '{start}' and issued_at < '{end}' and days_to_collect is not null""",
    ),
    Criterion(
        "forecast_accuracy",
        "Accuracy of the weekly current-quarter forecasts of the fiscal quarters that closed "
        "in the window: 1 - sum |forecast - booked| / sum booked (forecast_accuracy)",
        "share",
        (0.5, 0.7, 0.8, 0.9),
        "keep every open deal's stage current and close dead deals, so the pipeline the "
        "forecast weighs is real (fct_forecast_snapshots)",
        metric="forecast_error_rate",
        complement=True,
    ),
    Criterion(
        "alerts_in_use",
        "Alert and target rules in metrics/*.yml that `revops monitor` evaluates (0 until it "
        "has run on this warehouse)",
        "rules",
        (1, 3, 5, 10),
        "declare alerts and targets on the metrics each team owns and run `revops monitor` "
        "after every build",
    ),
)


@dataclass
class Finding:
    """A criterion's evidence: its number (None: not measured) and the query behind it."""

    criterion: Criterion
    value: float | None
    query: str
    note: str = ""

    @property
    def stage(self) -> int | None:
        return None if self.value is None else self.criterion.stage(self.value)

    @property
    def next_step(self) -> str:
        stage = self.stage
        if stage is None or self.note:
            return self.note
        if stage == 5:
            return "keep it there"
        c = self.criterion
        target = shown(c.levels[stage - 1], c.unit)
        way = "at least" if c.higher_is_better else "at most"
        return f"{way} {target} for stage {stage + 1} ({STAGES[stage + 1]}): {c.action}"


@dataclass
class Audit:
    start: date
    end: date  # exclusive
    as_of: date
    findings: list[Finding]

    @property
    def stage(self) -> int | None:
        stages = [f.stage for f in self.findings if f.stage is not None]
        return min(stages) if stages else None


def audit(store: MetricStore, start: date | None = None, end: date | None = None) -> Audit:
    """Score every criterion on the months starting in [start, end) (default: the last
    twelve closed by the as-of)."""
    from revops_cli.leaks import default_window

    as_of = store.as_of()
    first, stop = default_window(as_of)
    start, end = start or first, end or stop
    if start >= end:
        raise ConfigError(f"--start {start} must be before --end {end}")
    findings = [_finding(store, c, start, end) for c in CRITERIA]
    return Audit(start, end, as_of, findings)


def _finding(store: MetricStore, c: Criterion, start: date, end: date) -> Finding:
    if c.metric is not None:
        return _metric_finding(store, c, start, end)
    if c.sql is not None:
        return _sql_finding(store, c, start, end)
    if c.needs:
        return Finding(c, None, "", f"not measured: {c.needs}")
    return _alerts_finding(store, c)


def _sql_finding(store: MetricStore, c: Criterion, start: date, end: date) -> Finding:
    from revops_cli.metrics.catalog import AS_OF_MODEL

    marts = store.catalog.models[AS_OF_MODEL].schema
    sql = (
        (c.sql or "")
        .strip()
        .format(
            marts=marts, start=start.isoformat(), end=end.isoformat(), datediff=_datediff(store)
        )
    )
    try:
        _, rows = store.warehouse.query(sql)
    except DatabaseError as exc:
        return Finding(c, None, sql, f"not measured: {exc}")
    value = rows[0][0] if rows else None
    if value is None:
        return Finding(c, None, sql, "not measured: no row in the window to judge")
    return Finding(c, float(value), sql)


def _datediff(store: MetricStore) -> str:
    """Days from won_at to first_issued_at, in the warehouse's dialect."""
    first, won = "invoices.first_issued_at", "deals.won_at"
    return {
        "postgres": f"extract(epoch from {first} - {won}) / 86400.0",
        "spark": f"(unix_timestamp({first}) - unix_timestamp({won})) / 86400.0",
        "databricks": f"(unix_timestamp({first}) - unix_timestamp({won})) / 86400.0",
        "snowflake": f"datediff('second', {won}, {first}) / 86400.0",
        "bigquery": f"timestamp_diff({first}, {won}, second) / 86400.0",
    }.get(store.dialect, f"epoch({first} - {won}) / 86400.0")


def _metric_finding(store: MetricStore, c: Criterion, start: date, end: date) -> Finding:
    from revops_cli.metrics.request import Request

    name = c.metric or ""
    catalog = store.catalog
    metric = catalog.metrics.get(name)
    if metric is None:
        return Finding(c, None, "", f"not measured: {name} is not in the catalog")
    off = [s for s in catalog.systems(metric) if s in set(store.systems_off)]
    if off:
        return Finding(c, None, "", f"not measured: needs {', '.join(off)}, turned off")
    # A snapshot (its inputs have no time column) is reported for the as-of period only,
    # which may fall after the window: read it whole.
    snapshot = all(
        getattr(catalog.metrics[m.metric], "time", "") is None
        for m in (metric.numerator, metric.denominator)  # type: ignore[union-attr]
    )
    window = (None, None) if snapshot else (start, end)
    request = Request([name], "month", (), None, window[0], window[1], True)
    rows = store.run(request).to_dicts()
    num = sum(float(r.get(f"{name}__numerator") or 0) for r in rows)
    den = sum(float(r.get(f"{name}__denominator") or 0) for r in rows)
    value = num / den if den else None
    if value is not None and c.complement:
        value = 1 - value
    return _metric_result(c, value, request, store)


def _metric_result(c: Criterion, value: float | None, request: Any, store: MetricStore) -> Finding:
    sql = store.compile(request).sql
    if value is None:
        return Finding(c, None, sql, "not measured: no row in the window to judge")
    return Finding(c, value, sql)


def _alerts_finding(store: MetricStore, c: Criterion) -> Finding:
    from revops_cli.monitor import ALERTS_SCHEMA, ALERTS_TABLE

    rules = sum(len(m.alerts) + (m.target is not None) for m in store.catalog.metrics.values())
    sql = f"select count(*) from {ALERTS_SCHEMA}.{ALERTS_TABLE}"
    try:
        store.warehouse.query(sql)
    except DatabaseError:  # no alerts table: the monitor never ran
        note = f"{rules} rules declared, never evaluated: run `revops monitor` after every build"
        return Finding(c, 0.0, sql, note)
    return Finding(c, float(rules), sql)


def shown(value: float, unit: str) -> str:
    """A criterion's number as the audit prints it."""
    if unit == "share":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:g} {unit}"


def audit_rows(result: Audit) -> list[tuple[Any, ...]]:
    """Rows of COLUMNS, one per criterion, in CRITERIA's order."""
    return [
        (
            f.criterion.name,
            f.criterion.question,
            f.stage,
            STAGES.get(f.stage or 0),
            None if f.value is None else round(f.value, 4),
            f.criterion.unit,
            f.next_step,
            f.query,
        )
        for f in result.findings
    ]


def audit_text(result: Audit, fmt: str = "table", unit: str | None = None) -> str:
    """The criteria as a table (stage, evidence, next step) with the overall stage, or
    JSON / CSV with each criterion's query."""
    from revops_cli.render import render

    rows = audit_rows(result)
    if fmt != "table":
        return render(COLUMNS, rows, fmt)
    overall = result.stage
    title = (
        f"RevOps maturity, months {result.start.isoformat()} to {result.end.isoformat()} "
        f"(exclusive; data as of {result.as_of.isoformat()}): stage "
        + (f"{overall} ({STAGES[overall]})" if overall else "not measured")
        + ", the lowest of the criteria"
    )
    cells = [
        (
            name,
            "-" if stage is None else f"{stage} {stage_name}",
            "-" if value is None else shown(value, u),
            step,
        )
        for name, _q, stage, stage_name, value, u, step, _sql in rows
    ]
    lines = [render(["criterion", "stage", "evidence", "next step"], cells, title=title)]
    lines.append("The query behind each number: revops audit --format json")
    return "\n".join(lines)
