"""`revops report`: one self-contained HTML file a RevOps owner opens in a browser, offline.

Every number is a catalog metric read through the metric engine (what `revops query` gives),
the funnel (revops_cli.funnel), the leaks (revops_cli.leaks), the open alerts (`revops
monitor`'s table), the data-quality results of the last `revops check` and the maturity
audit (revops_cli.audit: catalog metrics and plain SQL it prints). Charts are
Vega-Lite specs built with Altair and drawn by Vega's JavaScript, inlined once in the file
(vl-convert's bundle): nothing is fetched when it opens.

Sections, an executive view first: KPI tiles (the last closed month against the one before
and the target), the funnel, the top leaks and the open alerts; then marketing, sales,
finance (MRR movements as a waterfall, bookings vs invoiced vs collected, AR aging) and
customer success (the health distribution); then data quality (rejected rows by reason,
expectation results in the words `revops check` prints, source freshness); last, the
maturity audit (revops_cli.audit) on the same months.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revops_cli.errors import ConfigError, DatabaseError
from revops_cli.periods import month_start

if TYPE_CHECKING:
    from revops_cli.metrics.api import MetricStore

#: The executive view's KPI tiles.
KPIS = (
    "mrr",
    "arr",
    "nrr",
    "bookings",
    "invoiced",
    "collected",
    "new_customers",
    "logo_churn_rate",
    "pipeline_coverage",
    "accounts_at_risk",
)
#: How many closed months the trend charts show.
HISTORY = 12
#: The MRR waterfall's steps: (label, metric, sign).
WATERFALL = (
    ("new", "new_mrr", 1),
    ("expansion", "expansion_mrr", 1),
    ("reactivation", "reactivation_mrr", 1),
    ("contraction", "contraction_mrr", -1),
    ("churned", "churned_mrr", -1),
)
HEALTH_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}


@dataclass
class Tile:
    metric: str
    label: str
    format: str
    value: Any
    previous: Any
    change: str
    target: str


@dataclass
class Chart:
    title: str
    spec: dict[str, Any]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Tile | Chart | Table | str] = field(default_factory=list)


@dataclass
class Report:
    as_of: date
    month: date  # the last closed month (KPI tiles, waterfall, snapshots)
    unit: str
    build: str | None
    sections: list[Section]

    @property
    def charts(self) -> int:
        return sum(isinstance(b, Chart) for s in self.sections for b in s.blocks)


def report(
    store: MetricStore, unit: str, start: date | None = None, end: date | None = None
) -> Report:
    """Read everything the report shows, through the metric engine: the closed months
    starting in [start, end) (default: the last twelve), the tiles and the funnel on the
    last of them."""
    from revops_cli.funnel import closed_periods

    as_of = store.as_of()
    catalog = store.catalog
    usable = [m for m in _usable(store, _metric_names()) if m in catalog.metrics]
    periods = closed_periods(store.query(usable, grain="month").to_dicts(), as_of)
    if not periods:
        raise ConfigError("no closed month in the data yet: nothing to report")
    closed = [r for r, _ in periods]
    inside = [
        i
        for i, r in enumerate(closed)
        if (start is None or r["period_start"] >= start)
        and (end is None or r["period_start"] < end)
    ]
    if not inside:
        raise ConfigError(
            f"no closed month starts in [--start, --end): the data's closed months run "
            f"{closed[0]['period_start']} to {closed[-1]['period_start']}"
        )
    hi = inside[-1]
    lo = inside[0] if start is not None else max(0, hi - HISTORY + 1)
    months, last = closed[lo : hi + 1], closed[hi]
    previous = closed[hi - 1] if hi > 0 else None
    run = store.published_run()
    build = None if run is None else f"build {run.get('run_id')}"
    sections = [
        _executive(store, usable, (months[0], last, previous), unit),
        _marketing(months, usable),
        _sales(months, usable),
        _finance(store, months, usable, last),
        _customer_success(store, months, usable),
        _data_quality(store),
        _audit(store, months[0]["period_start"], month_start(last["period_start"], 1)),
    ]
    return Report(as_of, last["period_start"], unit, build, sections)


def _metric_names() -> list[str]:
    trend = [
        "leads",
        "mqls",
        "marketing_spend",
        "cost_per_mql",
        "bookings",
        "deals_won",
        "opportunity_win_rate",
        "pipeline_coverage",
        "open_pipeline",
        "starting_mrr",
        "mrr",
        "invoiced",
        "collected",
        "grr",
        "nrr",
        "accounts_at_risk",
    ]
    return list(dict.fromkeys([*KPIS, *trend, *(m for _, m, _ in WATERFALL)]))


def _usable(store: MetricStore, names: list[str]) -> list[str]:
    """The names the catalog has and whose systems are on."""
    catalog, off = store.catalog, set(store.systems_off)
    return [
        n
        for n in names
        if n in catalog.metrics and not any(s in off for s in catalog.systems(catalog.metrics[n]))
    ]


# --- sections ---------------------------------------------------------------------------


def _executive(
    store: MetricStore,
    usable: list[str],
    window: tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None],
    unit: str,
) -> Section:
    from revops_cli.funnel import funnel
    from revops_cli.leaks import leaks

    catalog = store.catalog
    first, last, previous = window
    section = Section("executive", "Executive summary")
    for name in KPIS:
        if name not in usable:
            continue
        metric = catalog.metrics[name]
        value, before = last.get(name), previous.get(name) if previous else None
        section.blocks.append(
            Tile(
                name,
                metric.label,
                metric.format,
                value,
                before,
                _change(value, before, metric.format),
                _target(catalog, metric, value),
            )
        )
    result = funnel(store, "month", last["period_start"])
    counts = [
        {"step": r[0], "metric": r[2], "count": r[4] or 0}
        for r in result.rows
        if r[1] == "count" and r[0] != "touch"
    ]
    rates = {r[0]: (r[4], r[8]) for r in result.rows if r[1] == "-> next"}
    for c in counts:
        rate, note = rates.get(c["step"], (None, ""))
        so_far = " so far" if note.startswith("maturing") else ""  # its own cohort, not older
        c["to next"] = "" if rate is None else f"{rate * 100:.1f}%{so_far}"
    section.blocks.append(
        Chart(
            f"Funnel, {result.period_start:%B %Y}: count per step and conversion to the next",
            _funnel_spec(counts),
        )
    )
    found = leaks(store, first["period_start"], month_start(last["period_start"], 1))
    lost = [{"leak": leak.spec.name, "lost": round(leak.amount, 2)} for leak in found.leaks]
    section.blocks.append(
        Chart(
            f"Top leaks, {found.start:%b %Y} to {last['period_start']:%b %Y} "
            f"({unit}; `revops leaks`)",
            _bar_spec(lost, "leak", "lost", unit, horizontal=True),
        )
    )
    section.blocks.append(
        Table(
            "How each leak is estimated",
            ["leak", "step", f"lost ({unit})", "how estimated"],
            [[f.spec.name, f.spec.step, _money(f.amount), f.spec.how] for f in found.leaks],
        )
    )
    section.blocks.append(_alerts(store))
    return section


def _marketing(months: list[dict[str, Any]], usable: list[str]) -> Section:
    section = Section("marketing", "Marketing")
    section.blocks.append(
        Chart("Leads and MQLs by month", _lines(months, ["leads", "mqls"], usable))
    )
    section.blocks.append(
        Chart("Marketing spend by month", _lines(months, ["marketing_spend"], usable, bar=True))
    )
    section.blocks.append(Chart("Cost per MQL", _lines(months, ["cost_per_mql"], usable)))
    return section


def _sales(months: list[dict[str, Any]], usable: list[str]) -> Section:
    section = Section("sales", "Sales")
    section.blocks.append(
        Chart("Bookings by month", _lines(months, ["bookings"], usable, bar=True))
    )
    section.blocks.append(
        Chart(
            "Open pipeline at each month's end (coverage is a tile: quotas are as of today)",
            _lines(months, ["open_pipeline"], usable),
        )
    )
    section.blocks.append(Chart("Win rate", _lines(months, ["opportunity_win_rate"], usable)))
    return section


def _finance(
    store: MetricStore, months: list[dict[str, Any]], usable: list[str], last: dict[str, Any]
) -> Section:
    section = Section("finance", "Finance")
    section.blocks.append(
        Chart(f"MRR movements, {last['period_start']:%B %Y}", _waterfall(last, usable))
    )
    section.blocks.append(
        Chart(
            "Bookings vs invoiced vs collected by month",
            _lines(months, ["bookings", "invoiced", "collected"], usable, bar=True),
        )
    )
    if "ar_month_end" in _usable(store, ["ar_month_end"]):
        rows = store.query(
            "ar_month_end",
            by=["aging_bucket"],
            start=last["period_start"],
            end=month_start(last["period_start"], 1),
        ).to_dicts()
        data = sorted(
            (
                {"aging_bucket": r["aging_bucket"], "outstanding": float(r["ar_month_end"] or 0)}
                for r in rows
                if r["aging_bucket"] is not None
            ),
            key=lambda d: _bucket_order(str(d["aging_bucket"])),
        )
        section.blocks.append(
            Chart(
                f"AR aging at the end of {last['period_start']:%B %Y}",
                _bar_spec(data, "aging_bucket", "outstanding", None),
            )
        )
    return section


def _customer_success(
    store: MetricStore, months: list[dict[str, Any]], usable: list[str]
) -> Section:
    section = Section("customer_success", "Customer success")
    if _usable(store, ["accounts_scored"]):
        rows = store.query(
            "accounts_scored",
            by=["health_colour"],
            start=months[0]["period_start"],
            end=month_start(months[-1]["period_start"], 1),
        ).to_dicts()
        data = [
            {
                "month": r["period_start"].isoformat(),
                "colour": r["health_colour"],
                "accounts": int(r["accounts_scored"] or 0),
            }
            for r in rows
            if r["health_colour"] is not None
        ]
        section.blocks.append(Chart("Health distribution (accounts by colour)", _health_spec(data)))
    section.blocks.append(
        Chart("Gross and net revenue retention", _lines(months, ["grr", "nrr"], usable))
    )
    return section


def _data_quality(store: MetricStore) -> Section:
    section = Section("data_quality", "Data quality")
    if _usable(store, ["rejections"]):
        rows = store.query("rejections", by=["rejection_reason"]).to_dicts()
        sums: dict[str, int] = {}
        for r in rows:
            if r["rejection_reason"] is not None:
                sums[r["rejection_reason"]] = sums.get(r["rejection_reason"], 0) + int(
                    r["rejections"] or 0
                )
        data = [{"reason": k, "rows": v} for k, v in sorted(sums.items(), key=lambda x: -x[1])]
        section.blocks.append(
            Chart(
                "Rejected raw rows by reason (dq_rejected_rows)",
                _bar_spec(data, "reason", "rows", None, horizontal=True),
            )
        )
    section.blocks.extend(_expectations(store))
    return section


def _audit(store: MetricStore, start: date, end: date) -> Section:
    """The maturity audit (`revops audit`) on the report's months."""
    from revops_cli.audit import STAGES, audit, shown

    result = audit(store, start, end)
    overall = result.stage
    title = "RevOps maturity: stage " + (
        f"{overall} of 5 ({STAGES[overall]}), the lowest of the criteria"
        if overall
        else "not measured"
    )
    rows = [
        [
            f.criterion.name,
            f.criterion.question,
            "-" if f.stage is None else f"{f.stage} {STAGES[f.stage]}",
            "-" if f.value is None else shown(f.value, f.criterion.unit),
            f.next_step,
        ]
        for f in result.findings
    ]
    table = Table(title, ["criterion", "question", "stage", "evidence", "next step"], rows)
    return Section("audit", "Maturity audit", [table])


# --- reads that are not metrics ---------------------------------------------------------


def _alerts(store: MetricStore) -> Table | str:
    from revops_cli.monitor import ALERTS_SCHEMA, ALERTS_TABLE

    try:
        _, rows = store.warehouse.query(
            f"select severity, metric, rule, period_start, message, first_seen_at "
            f"from {ALERTS_SCHEMA}.{ALERTS_TABLE} where resolved_at is null "
            "order by case severity when 'error' then 0 else 1 end, first_seen_at"
        )
    except DatabaseError:  # no alerts table: monitor never ran
        return "Open alerts: none recorded (run `revops monitor` to evaluate the alerts)."
    return Table(
        f"Open alerts ({len(rows)})",
        ["severity", "metric", "rule", "period", "message", "first seen"],
        [[_text(v) for v in r] for r in rows],
    )


def _expectations(store: MetricStore) -> list[Table | Chart | str]:
    from revops_cli.checks.backends import RESULTS_TABLE, results_schema

    table = f"{results_schema()}.{RESULTS_TABLE}"
    try:
        _, rows = store.warehouse.query(
            "select suite, expectation, status, observed_value, message, run_at "
            f"from {table} where run_id = (select run_id from {table} "
            "order by run_at desc limit 1) order by suite, expectation"
        )
    except DatabaseError:  # no results table: nothing checked yet
        return ["Expectations: no results yet (run `revops check` or `revops build`)."]
    if not rows:
        return ["Expectations: no results yet (run `revops check` or `revops build`)."]
    counts: dict[tuple[str, str], int] = {}
    for suite, _, status, *_ in rows:
        counts[(suite, status)] = counts.get((suite, status), 0) + 1
    data = [{"suite": s, "status": st, "expectations": n} for (s, st), n in counts.items()]
    failing = [r for r in rows if r[2] != "pass"]
    fresh = [r for r in rows if r[0] == "raw_sources"]
    out: list[Table | Chart | str] = [
        Chart(
            f"Expectation results of the last check ({rows[0][5]:%Y-%m-%d %H:%M} UTC)",
            _status_spec(data),
        ),
        Table(
            f"Expectations not passing ({len(failing)})",
            ["suite", "expectation", "status", "observed", "message"],
            [[_text(v) for v in r[:5]] for r in failing],
        ),
        Table(
            "Source freshness and volume (suite raw_sources)",
            ["suite", "expectation", "status", "observed", "message"],
            [[_text(v) for v in r[:5]] for r in fresh],
        ),
    ]
    return out


# --- chart specs (Altair) ---------------------------------------------------------------


def _data(values: list[dict[str, Any]]) -> Any:
    """Values inlined in the spec (Altair's Data is untyped)."""
    import altair as alt

    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _spec(chart: Any) -> dict[str, Any]:
    return chart.properties(width="container", height=220).to_dict()  # type: ignore[no-any-return]


def _lines(
    months: list[dict[str, Any]], names: list[str], usable: list[str], bar: bool = False
) -> dict[str, Any]:
    import altair as alt

    names = [n for n in names if n in usable]
    data = [
        {"month": r["period_start"].isoformat(), "metric": n, "value": _float(r.get(n))}
        for r in months
        for n in names
        if r.get(n) is not None
    ]
    base = alt.Chart(_data(data))
    x = alt.X("month:T", title=None, timeUnit="yearmonth")
    tip = [
        alt.Tooltip("month:T", timeUnit="yearmonth"),
        "metric:N",
        alt.Tooltip("value:Q", format=",.4~f"),
    ]
    if bar:
        enc = base.mark_bar().encode(
            x=alt.X("month:O", title=None, timeUnit="yearmonth"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("metric:N", sort=names),
            tooltip=tip,
        )
        if len(names) > 1:
            enc = enc.encode(xOffset=alt.XOffset("metric:N", sort=names))
        return _spec(enc)
    return _spec(
        base.mark_line(point=True).encode(
            x=x, y=alt.Y("value:Q", title=None), color="metric:N", tooltip=tip
        )
    )


def _bar_spec(
    data: list[dict[str, Any]], key: str, value: str, unit: str | None, horizontal: bool = False
) -> dict[str, Any]:
    import altair as alt

    title = f"{value} ({unit})" if unit else value
    # Bars keep the order of ``data`` (largest first, or the buckets' own order).
    order = [str(d[key]) for d in data]
    cat = (
        alt.Y(f"{key}:N", sort=order, title=None)
        if horizontal
        else alt.X(f"{key}:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    )
    num = alt.X(f"{value}:Q", title=title) if horizontal else alt.Y(f"{value}:Q", title=title)
    chart = alt.Chart(_data(data)).mark_bar()
    enc = chart.encode(y=cat, x=num) if horizontal else chart.encode(x=cat, y=num)
    return _spec(enc.encode(tooltip=[f"{key}:N", alt.Tooltip(f"{value}:Q", format=",.2f")]))


def _funnel_spec(counts: list[dict[str, Any]]) -> dict[str, Any]:
    import altair as alt

    order = [c["step"] for c in counts]
    bars = alt.Chart(_data(counts)).encode(
        y=alt.Y("step:N", sort=order, title=None),
        x=alt.X("count:Q", title="count"),
        tooltip=["step:N", "metric:N", "count:Q", "to next:N"],
    )
    text = bars.mark_text(align="left", dx=4).encode(text="to next:N")
    return _spec(alt.layer(bars.mark_bar(), text))


def _waterfall(last: dict[str, Any], usable: list[str]) -> dict[str, Any]:
    """Starting MRR, each movement as a step from the running total, then ending MRR; what
    the movements leave unexplained (currency changes, rounding) is its own step."""
    import altair as alt

    start = _float(last.get("starting_mrr")) or 0.0
    end = _float(last.get("mrr")) or 0.0
    steps: list[dict[str, Any]] = [
        {"step": "starting", "from": 0.0, "to": start, "kind": "balance"}
    ]
    total = start
    for label, name, sign in WATERFALL:
        if name not in usable:
            continue
        amount = sign * (_float(last.get(name)) or 0.0)
        steps.append(
            {
                "step": label,
                "from": total,
                "to": total + amount,
                "kind": "up" if sign > 0 else "down",
            }
        )
        total += amount
    if abs(end - total) >= 0.005:
        steps.append({"step": "fx & other", "from": total, "to": end, "kind": "other"})
    steps.append({"step": "ending", "from": 0.0, "to": end, "kind": "balance"})
    for s in steps:
        s["amount"] = round(float(s["to"]) - float(s["from"]), 2)
    order = [str(s["step"]) for s in steps]
    colours = alt.Scale(
        domain=["balance", "up", "down", "other"],
        range=["#546e7a", "#2e7d32", "#c62828", "#9e9e9e"],
    )
    chart = (
        alt.Chart(_data(steps))
        .mark_bar()
        .encode(
            x=alt.X("step:N", sort=order, title=None),
            y=alt.Y("from:Q", title="MRR", scale=alt.Scale(zero=False)),
            y2="to:Q",
            color=alt.Color("kind:N", scale=colours, legend=None),
            tooltip=["step:N", alt.Tooltip("amount:Q", format=",.2f")],
        )
    )
    return _spec(chart)


def _health_spec(data: list[dict[str, Any]]) -> dict[str, Any]:
    import altair as alt

    scale = alt.Scale(domain=list(HEALTH_COLOURS), range=list(HEALTH_COLOURS.values()))
    chart = (
        alt.Chart(_data(data))
        .mark_bar()
        .encode(
            x=alt.X("month:O", timeUnit="yearmonth", title=None),
            y=alt.Y("accounts:Q", title="accounts"),
            color=alt.Color("colour:N", scale=scale, sort=list(HEALTH_COLOURS)),
            tooltip=[alt.Tooltip("month:T", timeUnit="yearmonth"), "colour:N", "accounts:Q"],
        )
    )
    return _spec(chart)


def _status_spec(data: list[dict[str, Any]]) -> dict[str, Any]:
    import altair as alt

    from revops_cli.checks.results import STATUSES

    palette = ["#2e7d32", "#f9a825", "#c62828", "#6a1b9a", "#9e9e9e"]
    chart = (
        alt.Chart(_data(data))
        .mark_bar()
        .encode(
            y=alt.Y("suite:N", title=None),
            x=alt.X("expectations:Q", title="expectations", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("status:N", scale=alt.Scale(domain=list(STATUSES), range=palette)),
            tooltip=["suite:N", "status:N", "expectations:Q"],
        )
    )
    suites = len({d["suite"] for d in data})
    return _spec(chart) | {"height": max(120, 16 * suites)}


# --- formatting -------------------------------------------------------------------------


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _bucket_order(bucket: str) -> int:
    """An aging bucket's place: current, then by days past due (1-30, 31-60, ..., 90+)."""
    digits = "".join(c if c.isdigit() else " " for c in bucket).split()
    return int(digits[0]) if digits else -1


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _change(value: Any, previous: Any, fmt: str) -> str:
    """Against the previous month: in percentage points for a rate, else relative."""
    if value is None or previous is None:
        return ""
    if fmt == "percent":
        return f"{(float(value) - float(previous)) * 100:+.1f} pp vs previous month"
    if float(previous) == 0:
        return ""
    return (
        f"{(float(value) - float(previous)) / abs(float(previous)) * 100:+.1f}% vs previous month"
    )


def _target(catalog: Any, metric: Any, value: Any) -> str:
    """The monthly target and whether the value meets it (the metric's direction says which
    way)."""
    if metric.target is None or metric.target.grain != "month" or value is None:
        return ""
    goal = catalog.number(metric.target.value)
    from revops_cli.render import metric_value

    better = float(value) >= float(goal)
    if metric.direction == "lower_is_better":
        better = float(value) <= float(goal)
    shown = str(metric_value(goal, metric.format)).strip()
    return f"target {shown}: {'on target' if better else 'off target'}"


# --- HTML -------------------------------------------------------------------------------


def _javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script, for the Vega-Lite version Altair writes."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    # The default snippet sets window.vegaEmbed (the stubs want one: None is the default).
    return vl_convert.javascript_bundle(None, vl_version=vl_version_for_vl_convert())  # type: ignore[arg-type]


CSS = """
body {
  font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;
  margin:0;
  color:#1f2933;
  background:#f5f7fa;
}
header{background:#1f2933;color:#fff;padding:16px 32px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#cbd2d9;font-size:13px}
nav a{color:#9fb3c8;margin-right:12px;font-size:13px}
main{padding:8px 32px 32px}
section {
  background:#fff;
  border-radius:8px;
  margin:16px 0;
  padding:16px 20px;
  box-shadow:0 1px 2px #0002;
}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:14px;margin:16px 0 6px;color:#3e4c59}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
.tile{border:1px solid #e4e7eb;border-radius:6px;padding:10px 12px}
.tile .label{font-size:12px;color:#616e7c}
.tile .value{font-size:22px;font-weight:600;margin:4px 0}
.tile .change,.tile .target{font-size:12px;color:#52606d}
.tile .target.off{color:#c62828}
.tile .target.on{color:#2e7d32}
.chart{width:100%;min-height:240px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 6px;text-align:left;vertical-align:top}
td.num{text-align:right}
.status-pass{color:#2e7d32}
.status-warn{color:#b7791f}
.status-fail,.status-error{color:#c62828}
p.note{font-size:13px;color:#52606d}
"""


def to_html(result: Report) -> str:
    """The report as one HTML file: every style and script inlined."""
    from revops_cli.render import metric_value

    charts: list[dict[str, Any]] = []
    body: list[str] = []
    for section in result.sections:
        body.append(f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>')
        tiles = [b for b in section.blocks if isinstance(b, Tile)]
        if tiles:
            body.append('<div class="tiles">')
            for t in tiles:
                shown = str(metric_value(t.value, t.format)).strip() or "-"
                state = "on" if t.target.endswith(": on target") else "off" if t.target else ""
                body.append(
                    f'<div class="tile" data-metric="{html.escape(t.metric)}" '
                    f'data-value="{"" if t.value is None else html.escape(repr(float(t.value)))}">'
                    f'<div class="label">{html.escape(t.label)}</div>'
                    f'<div class="value">{html.escape(shown)}</div>'
                    f'<div class="change">{html.escape(t.change)}</div>'
                    f'<div class="target {state}">{html.escape(t.target)}</div></div>'
                )
            body.append("</div>")
        for block in section.blocks:
            if isinstance(block, Chart):
                chart_id = f"chart-{len(charts)}"
                charts.append({"id": chart_id, "spec": block.spec})
                title = html.escape(block.title)
                body.append(
                    f'<h3>{title}</h3><div class="chart" id="{chart_id}" '
                    f'data-title="{title}"></div>'
                )
            elif isinstance(block, Table):
                body.append(f"<h3>{html.escape(block.title)}</h3>{_table_html(block)}")
            elif isinstance(block, str):
                body.append(f'<p class="note">{html.escape(block)}</p>')
        body.append("</section>")
    nav = " ".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in result.sections)
    built = f"; {html.escape(result.build)}" if result.build else ""
    specs = json.dumps(charts, default=str).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>revops report, {result.month:%B %Y}</title>
<style>{CSS}</style>
<script>{_javascript()}</script>
</head><body>
<header><h1>Revenue operations report: {result.month:%B %Y}</h1>
<p>Data as of {result.as_of.isoformat()} (the last closed day);
money in {html.escape(result.unit)}{built}.
Every number is a metric of the catalog (<code>revops query</code>).</p>
<nav>{nav}</nav></header>
<main>{"".join(body)}</main>
<script>
const charts = {specs};
Promise.all(charts.map(c => vegaEmbed("#" + c.id, c.spec, {{actions: false, renderer: "svg"}})))
  .then(() => {{ document.body.dataset.chartsRendered = String(charts.length); }})
  .catch(err => {{ console.error(err); document.body.dataset.chartsFailed = String(err); }});
</script>
</body></html>
"""


def write(result: Report, out: Path) -> int:
    """Write the report's HTML to ``out`` (creating its folder); its size in bytes."""
    page = to_html(result).encode("utf-8")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(page)
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return len(page)


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    rows = []
    for r in table.rows:
        cells = []
        for column, value in zip(table.columns, r, strict=True):
            css = f' class="status-{html.escape(value)}"' if column == "status" else ""
            cells.append(f"<td{css}>{html.escape(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{len(table.columns)}">none</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
