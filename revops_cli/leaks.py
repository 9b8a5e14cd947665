"""Where revenue leaks: the steps from won deal to retained revenue, ranked by money lost.

Every number is a catalog metric read through the metric engine (what `revops query`
gives; metrics/leaks.yml and retention.yml): no SQL of its own. Semantics, named before the
numbers:

- The window is whole months: those starting in [start, end), by default the last twelve
  closed by the data's as-of (dim_as_of, never the wall clock).
- Cohort leaks (never invoiced, unpaid past due, failed payments not recovered) take the
  window's cohort (deals won, invoices issued in it) and judge it on the as-of: money that
  should have arrived by then and did not. A cohort too young to judge is not counted yet
  (e.g. a deal won less than revenue.invoice_within_days before the as-of).
- Flow leaks (churned, contracted MRR) are the MRR lost in the window's months, annualised
  (x 12: the ARR lost), so that they weigh like the bookings and invoices of the others.
- Money is in the reporting currency, each amount at the rate of the date that defines it.
- Each leak is drilled down by the dimensions its metric offers: the largest values of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from revops_cli.errors import ConfigError
from revops_cli.periods import month_start

if TYPE_CHECKING:
    from revops_cli.metrics.api import MetricStore

#: How many values of each dimension a drill-down shows.
TOP = 3
#: The default window, in closed months before the as-of.
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class LeakSpec:
    """One leak: the catalog metric that measures it, and how its size is estimated."""

    name: str
    step: str  # where in the funnel the money is lost
    metric: str
    how: str
    factor: int = 1  # 12: monthly MRR annualised
    drill: tuple[str, ...] = ()


LEAKS = (
    LeakSpec(
        "never_invoiced",
        "won -> invoiced",
        "never_invoiced_bookings",
        "bookings of deals won in the window with nothing invoiced "
        "revenue.invoice_within_days after the win",
        drill=("deal_owner_id", "deal_lead_source", "account_id"),
    ),
    LeakSpec(
        "unpaid_past_due",
        "invoiced -> collected",
        "unpaid_past_due",
        "outstanding on the window's invoices more than 30 days past due on the as-of "
        "(no failed payment)",
        drill=("account_id",),
    ),
    LeakSpec(
        "failed_payments",
        "invoiced -> collected",
        "failed_payments_unrecovered",
        "outstanding on the window's invoices whose payment failed and was not recovered",
        drill=("account_id",),
    ),
    LeakSpec(
        "churned",
        "retained",
        "churned_mrr",
        "MRR of customers who left in the window x 12 (ARR lost)",
        factor=12,
        drill=("account_id",),
    ),
    LeakSpec(
        "contracted",
        "retained",
        "contraction_mrr",
        "MRR given up by customers who stayed x 12 (ARR lost)",
        factor=12,
        drill=("account_id",),
    ),
)

COLUMNS = ("rank", "leak", "step", "metric", "amount", "share", "how", "drill_down")


@dataclass
class Leak:
    """One leak's size in the window and its drill-down: dimension -> [(value, amount)]."""

    spec: LeakSpec
    amount: float
    drill: dict[str, list[tuple[Any, float]]] = field(default_factory=dict)


@dataclass
class Leaks:
    """The leaks of a window, largest first."""

    start: date
    end: date  # exclusive
    as_of: date
    leaks: list[Leak]
    skipped: list[str]

    @property
    def total(self) -> float:
        return sum(leak.amount for leak in self.leaks)


def default_window(as_of: date, months: int = DEFAULT_MONTHS) -> tuple[date, date]:
    """The ``months`` whole months closed by ``as_of`` (a month is closed on its last day)."""
    nxt = month_start(as_of, 1)
    end = nxt if (nxt - as_of).days == 1 else month_start(as_of, 0)
    return month_start(end, -months), end


def leaks(store: MetricStore, start: date | None = None, end: date | None = None) -> Leaks:
    """The leaks of the months starting in [start, end) (default: the last twelve closed)."""
    as_of = store.as_of()
    first, stop = default_window(as_of)
    start, end = start or first, end or stop
    if start >= end:
        raise ConfigError(f"--start {start} must be before --end {end}")
    catalog = store.catalog
    off = set(store.systems_off)
    found, skipped = [], []
    for spec in LEAKS:
        metric = catalog.metrics.get(spec.metric)
        if metric is None:
            skipped.append(f"{spec.name}: {spec.metric} is not in the catalog")
            continue
        if needs := [s for s in catalog.systems(metric) if s in off]:
            skipped.append(f"{spec.name}: needs {', '.join(needs)}, turned off in revops_sources")
            continue
        amount = _total(store, spec, start, end)
        drill = {dim: _top(store, spec, dim, start, end) for dim in spec.drill}
        found.append(Leak(spec, amount, drill))
    found.sort(key=lambda leak: -leak.amount)
    return Leaks(start, end, as_of, found, skipped)


def _total(store: MetricStore, spec: LeakSpec, start: date, end: date) -> float:
    rows = store.query(spec.metric, grain="month", start=start, end=end).to_dicts()
    return sum(float(r[spec.metric] or 0) for r in rows) * spec.factor


def _top(
    store: MetricStore, spec: LeakSpec, dim: str, start: date, end: date
) -> list[tuple[Any, float]]:
    rows = store.query(spec.metric, grain="month", by=[dim], start=start, end=end).to_dicts()
    sums: dict[Any, float] = {}
    for r in rows:
        sums[r[dim]] = sums.get(r[dim], 0.0) + float(r[spec.metric] or 0) * spec.factor
    ranked = sorted(((v, a) for v, a in sums.items() if a > 0), key=lambda x: (-x[1], str(x[0])))
    return ranked[:TOP]


def leaks_rows(result: Leaks) -> list[tuple[Any, ...]]:
    """Rows of COLUMNS: one per leak, largest first (share of all the leaks found)."""
    total = result.total
    return [
        (
            rank,
            leak.spec.name,
            leak.spec.step,
            leak.spec.metric,
            round(leak.amount, 2),
            round(leak.amount / total, 4) if total else None,
            leak.spec.how,
            {
                dim: [{"value": v, "amount": round(a, 2)} for v, a in top]
                for dim, top in leak.drill.items()
            },
        )
        for rank, leak in enumerate(result.leaks, start=1)
    ]


def leaks_text(result: Leaks, fmt: str = "table", unit: str | None = None) -> str:
    """The ranking as a table with each leak's drill-down under it, or JSON / CSV."""
    from revops_cli.render import metric_value, render

    rows = leaks_rows(result)
    if fmt == "json":
        return render(COLUMNS, rows, fmt)
    if fmt == "csv":
        flat = [(*r[:-1], _drill_text(r[-1], "csv")) for r in rows]
        return render(COLUMNS, flat, fmt)
    money = f"; money in {unit}" if unit else ""
    title = (
        f"Revenue leaks, months {result.start.isoformat()} to {result.end.isoformat()} "
        f"(exclusive; data as of {result.as_of.isoformat()}{money}), largest first"
    )
    cells = [
        (
            rank,
            name,
            step,
            metric_value(amount, "currency"),
            metric_value(share, "percent"),
            how,
        )
        for rank, name, step, _metric, amount, share, how, _drill in rows
    ]
    lines = [render(["rank", "leak", "step", "lost", "share", "how estimated"], cells, title=title)]
    for r in rows:
        if text := _drill_text(r[-1], "table"):
            lines.append(f"  {r[1]}: {text}")
    if result.skipped:
        lines.append("Not shown: " + "; ".join(result.skipped))
    return "\n".join(lines)


def _drill_text(drill: dict[str, list[dict[str, Any]]], fmt: str) -> str:
    from revops_cli.render import metric_value

    parts = []
    for dim, top in drill.items():
        if top:
            shown = ", ".join(
                f"{t['value']} "
                + (str(t["amount"]) if fmt == "csv" else str(metric_value(t["amount"], "currency")))
                for t in top
            )
            parts.append(f"{dim}: {shown}")
    return "; ".join(parts)
