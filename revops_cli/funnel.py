"""The funnel of one period, from first touch to retained revenue, on the built data.

Every number is a catalog metric read through the metric engine (what `revops query`
gives): no SQL of its own. For each step: its count and its money, and its conversion to the
next step; each against the previous period and the trailing average of the periods before.

Semantics, named before the numbers:

- Counts and money are flows (events in the period: leads created, deals won, cash
  collected), except the retained step, a balance (paying customers and MRR at the period's
  end) with its rate of gross revenue retention. Money is in the reporting currency.
- The change against the previous period is relative for counts and money, and in
  percentage points for rates (a fraction in JSON: 0.02 is 2 points). A metric's history
  starts with its first period with data: the periods before it (another source starting
  earlier) count neither as its previous period nor in its trailing average.
- A conversion is a cohort rate: of the step's entities in the period, the share reaching the
  next step within the catalog's window. A cohort whose window has not closed by the data's
  as-of (dim_as_of) is *maturing*: its rate can still rise, so it is marked, and its change
  against mature periods is not shown.
- The chosen period is a closed one (the last, unless --period names another); the data's
  as-of, never the wall clock, says what is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from revops_cli.errors import ConfigError
from revops_cli.periods import add_months

if TYPE_CHECKING:
    from revops_cli.metrics.api import MetricStore

#: How many periods before the chosen one the trailing average takes.
TRAILING = 3


@dataclass(frozen=True)
class Step:
    """One step of the funnel and the catalog metrics that measure it."""

    name: str
    count: str | None  # how many reached it in the period
    money: str | None  # what it is worth (reporting currency)
    money_is: str | None
    rate: str | None  # its conversion to the next step (or its own rate)


STEPS = (
    Step("touch", "touches", "marketing_spend", "spend", None),
    Step("lead", "leads", None, None, "lead_to_mql"),
    Step("mql", "mqls", None, None, "mql_to_sal"),
    Step("sal", "sals", None, None, "sal_to_sql"),
    Step("sql", "sqls", None, None, "sql_to_opportunity"),
    Step("opportunity", "opportunities_created", None, None, "opportunity_to_won"),
    Step("won", "deals_won", "bookings", "bookings", None),
    Step("invoiced", None, "invoiced", "invoiced", "collection_rate"),
    Step("collected", None, "collected", "collected", None),
    Step("retained", "paying_customers", "mrr", "MRR at the period's end", "grr"),
)

COLUMNS = (
    "step",
    "measure",
    "metric",
    "format",
    "value",
    "previous",
    "change",
    "trailing_avg",
    "note",
)


@dataclass
class Funnel:
    """The funnel of one period: rows of COLUMNS, and what it was read from."""

    grain: str
    period_start: date
    period_end: date  # exclusive
    as_of: date
    rows: list[tuple[Any, ...]]
    skipped: list[str]  # metrics not shown, with why


def funnel(store: MetricStore, grain: str = "month", period: date | None = None) -> Funnel:
    """The funnel of the closed period of ``grain`` holding ``period`` (default: the last
    closed one)."""
    catalog = store.catalog
    usable, skipped = _usable(store, grain)
    as_of = store.as_of()
    periods = closed_periods(store.query(usable, grain=grain).to_dicts(), as_of)
    if not periods:
        raise ConfigError(f"no closed {grain} in the data yet: nothing to show")
    index = _chosen(periods, period, grain)
    chosen, end = periods[index]
    rows = []
    for step in STEPS:
        rate_is = "rate" if step.rate in ("grr", "collection_rate") else "-> next"
        for measure, name in (
            ("count", step.count),
            (step.money_is or "money", step.money),
            (rate_is, step.rate),
        ):
            if name in usable:
                metric = catalog.metrics[name]
                # The periods before this metric's data began (a source starting later
                # than another) are not its history: neither previous nor trailing.
                began = next(
                    (i for i, (r, _) in enumerate(periods) if r.get(name) not in (None, 0)),
                    index,
                )
                before = periods[max(began, index - TRAILING) : index]
                compared = _compare(catalog, metric, (chosen, end), before, as_of)
                rows.append((step.name, measure, name, metric.format, *compared))
    return Funnel(grain, chosen["period_start"], end, as_of, rows, skipped)


def _usable(store: MetricStore, grain: str) -> tuple[list[str], list[str]]:
    """The steps' metrics that can be read by ``grain``, and why the others cannot."""
    catalog = store.catalog
    off = set(store.systems_off)
    usable, skipped = [], []
    for name in [m for s in STEPS for m in (s.count, s.money, s.rate) if m]:
        metric = catalog.metrics.get(name)
        if metric is None:
            skipped.append(f"{name}: not in the catalog")
        elif grain not in catalog.grains(metric):
            skipped.append(f"{name}: not defined by {grain}")
        elif needs := [s for s in catalog.systems(metric) if s in off]:
            skipped.append(f"{name}: needs {', '.join(needs)}, turned off in revops_sources")
        else:
            usable.append(name)
    return usable, skipped


def _compare(
    catalog: Any,
    metric: Any,
    chosen: tuple[dict[str, Any], date],
    before: list[tuple[dict[str, Any], date]],
    as_of: date,
) -> tuple[Any, ...]:
    """(value, previous, change, trailing average, note) of one metric in the chosen
    period against the periods before it."""
    name = metric.name
    maturing = maturing_until(catalog, metric, chosen[1], as_of)
    whole = metric.format == "count"
    value = _number(chosen[0].get(name), whole)
    history = [_number(r.get(name), whole) for r, _ in before]
    previous = history[-1] if history else None
    known = [v for v in history if v is not None]
    trailing = sum(known) / len(known) if known else None
    change = None
    if metric.format == "percent" and value is not None and previous is not None:
        change = None if maturing else value - previous  # in points: a rate's change
    elif value is not None and previous and not maturing:
        change = (value - previous) / abs(previous)
    young = sum(1 for _, e in before if maturing_until(catalog, metric, e, as_of))
    notes = []
    if maturing:
        notes.append(f"maturing: its window closes {maturing.isoformat()}")
    if young:
        notes.append(f"{young} of the {len(before)} periods before still maturing")
    return value, previous, change, trailing, "; ".join(notes)


def closed_periods(rows: list[dict[str, Any]], as_of: date) -> list[tuple[dict[str, Any], date]]:
    """The closed periods of a metric result, each with its end (exclusive): a period ends
    where the next begins, the last the day after the as-of."""
    ends = [r["period_start"] for r in rows[1:]] + [as_of + timedelta(days=1)]
    return [(r, e) for r, e in zip(rows, ends, strict=True) if not r["is_partial_period"]]


def _number(value: Any, whole: bool = False) -> float | None:
    """A metric value as a float (an int for a whole count)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if whole and number.is_integer() else number


def _chosen(periods: list[tuple[dict[str, Any], date]], period: date | None, grain: str) -> int:
    """The index of the closed period holding ``period`` (the last one when None)."""
    if period is None:
        return len(periods) - 1
    for i, (row, end) in enumerate(periods):
        if row["period_start"] <= period < end:
            return i
    first, last = periods[0][0]["period_start"], periods[-1][1]
    raise ConfigError(
        f"--period {period.isoformat()} is in no closed {grain} of the data "
        f"(closed periods run from {first.isoformat()} to {last.isoformat()}, exclusive)"
    )


def maturing_until(catalog: Any, metric: Any, end: date, as_of: date) -> date | None:
    """For a conversion, the day its cohort's window closes when that is after the as-of
    (the rate can still rise); None when the cohort is mature or the metric no cohort rate."""
    from revops_cli.metrics.spec import Conversion

    if not isinstance(metric, Conversion):
        return None
    n, unit, _ = catalog.window(metric.window)
    days = {"day": 1, "week": 7}.get(unit)
    closes = (
        end - timedelta(days=1) + timedelta(days=n * days)
        if days
        else add_months(end - timedelta(days=1), n if unit == "month" else 12 * n)
    )
    return closes if closes > as_of else None


def funnel_text(result: Funnel, fmt: str = "table", unit: str | None = None) -> str:
    """The funnel as a table (values as their metric's format says, changes as signed %),
    or JSON / CSV with the raw numbers."""
    from revops_cli.render import render

    if fmt != "table":
        return render(COLUMNS, result.rows, fmt)
    from revops_cli.render import metric_value, number_text

    cells = [
        (
            step,
            measure,
            name,
            metric_value(value, shown, " so far" if note.startswith("maturing") else ""),
            metric_value(previous, shown),
            number_text(_change_text(change, shown)),
            metric_value(trailing, shown),
            note,
        )
        for step, measure, name, shown, value, previous, change, trailing, note in result.rows
    ]
    money = f" (money in {unit})" if unit else ""
    title = (
        f"Funnel, {result.grain} {result.period_start.isoformat()} to "
        f"{result.period_end.isoformat()} (exclusive; data as of {result.as_of.isoformat()})"
        f"{money}: previous {result.grain}, trailing average of up to {TRAILING}"
    )
    heads = ["step", "measure", "metric", "value", "previous", "change", "trailing avg", "note"]
    text = render(heads, cells, title=title)
    if result.skipped:
        text += "\nNot shown: " + "; ".join(result.skipped)
    return text


def _change_text(change: float | None, fmt: str) -> str:
    """A relative change as a signed %, a rate's as signed percentage points."""
    if change is None:
        return ""
    return f"{change * 100:+.1f} pp" if fmt == "percent" else f"{change * 100:+.1f}%"
