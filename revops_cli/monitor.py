"""Monitors: the ``alerts:`` and ``target:`` of every metric, evaluated on the built data,
remembered in the warehouse, and sent to a webhook when they open or resolve.

What a rule reads, named before the numbers:

- Each rule reads its metric at its grain in the last *closed* period (the data's as-of says
  what is closed, never the wall clock); a conversion is read in the last period whose
  cohort window has closed (a maturing cohort's rate can still rise: an alert on it would
  cry wolf).
- ``above`` / ``below``: the value against the threshold. ``change_above`` / ``change_below``:
  the change against the period before, relative for counts and money and in points for
  rates (-0.3 = a fall of 30 % or of 30 points). ``trailing_above`` / ``trailing_below``: the
  same change against the average of the (up to three) mature closed periods before, so
  that one odd month does not set the bar (a conversion falling below its trailing average
  by more than a margin). ``off_target``: the value misses the
  metric's target, in the wrong direction for the metric, by more than the threshold
  (relative); a metric with a ``target:`` and no ``off_target`` rule gets one with
  threshold 0 and severity warn.
- The alerts table (``revops_meta.alerts``) holds one row per rule: first seen, last seen,
  resolved. A rule that still fires is the same alert (last seen moves); a rule that stops
  firing resolves it; a later firing opens a new one. The webhook hears of each alert once
  when it opens and once when it resolves; an undelivered one is sent again next run.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from revops_cli.errors import ConfigError, one_line

if TYPE_CHECKING:
    from revops_cli.metrics.api import MetricStore
    from revops_cli.warehouse import Warehouse

ALERTS_SCHEMA = "revops_meta"
ALERTS_TABLE = "alerts"
ALERT_COLUMNS = (
    ("alert_id", "varchar"),
    ("rule_id", "varchar"),
    ("metric", "varchar"),
    ("rule", "varchar"),
    ("grain", "varchar"),
    ("severity", "varchar"),
    ("period_start", "date"),
    ("value", "double precision"),
    ("threshold", "double precision"),
    ("message", "varchar"),
    ("first_seen_at", "timestamp"),
    ("last_seen_at", "timestamp"),
    ("resolved_at", "timestamp"),
    ("notified", "varchar"),  # the state the webhook last heard: open, resolved or null
)


@dataclass(frozen=True)
class Rule:
    """One rule of one metric."""

    metric: str
    when: str
    threshold: float
    grain: str
    severity: str
    #: which of the metric's alerts (its place in the list; "target" for a target's own):
    #: a rule keeps its identity, and its open alert, when its threshold is edited.
    position: str = "0"

    @property
    def rule_id(self) -> str:
        return f"{self.metric}|{self.when}|{self.grain}|{self.position}"

    @property
    def text(self) -> str:
        return f"{self.when} {self.threshold:g}"


@dataclass
class Reading:
    """A rule evaluated: the period read, its value (and the previous and the target), and
    whether it fires; ``skipped`` says why it could not be read."""

    rule: Rule
    period_start: date | None = None
    value: float | None = None
    previous: float | None = None
    trailing: float | None = None
    target: float | None = None
    fired: bool = False
    message: str = ""
    skipped: str = ""


@dataclass
class Alert:
    """A row of the alerts table, as this run leaves it."""

    status: str  # new, open, resolved
    row: dict[str, Any]


def rules(catalog: Any) -> list[Rule]:
    """Every rule of the catalog: its alerts, and a target's implicit off_target."""
    out = []
    for name in sorted(catalog.metrics):
        metric = catalog.metrics[name]
        for n, alert in enumerate(metric.alerts or []):
            threshold = catalog.number(alert.threshold)
            out.append(Rule(name, alert.when, threshold, alert.grain, alert.severity, str(n)))
        has_own = any(a.when == "off_target" for a in metric.alerts or [])
        if metric.target is not None and not has_own:
            out.append(Rule(name, "off_target", 0.0, metric.target.grain, "warn", "target"))
    return out


def fires(
    when: str,
    threshold: float,
    value: float | None,
    previous: float | None = None,
    target: float | None = None,
    higher_is_better: bool = True,
    rate: bool = False,
    trailing: float | None = None,
) -> bool:
    """Whether a rule fires on one reading (no value: it does not)."""
    if value is None:
        return False
    if when == "above":
        return value > threshold
    if when == "below":
        return value < threshold
    if when in ("change_above", "change_below", "trailing_above", "trailing_below"):
        base = trailing if when.startswith("trailing") else previous
        if base is None or (not rate and base == 0):
            return False
        change = value - base if rate else (value - base) / abs(base)
        return change > threshold if when.endswith("_above") else change < threshold
    if when == "off_target":
        if target is None or target == 0:
            return False
        miss = (
            (target - value) / abs(target) if higher_is_better else (value - target) / abs(target)
        )
        return miss > threshold
    raise ValueError(f"unknown rule {when!r}")


def evaluate(store: MetricStore) -> list[Reading]:
    """Every rule of the catalog read on the built data."""
    from revops_cli.funnel import TRAILING, closed_periods, maturing_until

    catalog = store.catalog
    off = set(store.systems_off)
    as_of = store.as_of()
    readings: list[Reading] = []
    by_grain: dict[str, list[Rule]] = {}
    for rule in rules(catalog):
        metric = catalog.metrics[rule.metric]
        if rule.grain not in catalog.grains(metric):
            readings.append(Reading(rule, skipped=f"{rule.metric} is not defined by {rule.grain}"))
        elif needs := [s for s in catalog.systems(metric) if s in off]:
            readings.append(Reading(rule, skipped=f"needs {', '.join(needs)}, turned off"))
        else:
            by_grain.setdefault(rule.grain, []).append(rule)
    for grain, grain_rules in by_grain.items():
        names = sorted({r.metric for r in grain_rules})
        closed = closed_periods(store.query(names, grain=grain).to_dicts(), as_of)
        for rule in grain_rules:
            metric = catalog.metrics[rule.metric]
            mature = [
                (i, r)
                for i, (r, e) in enumerate(closed)
                if not maturing_until(catalog, metric, e, as_of)
            ]
            if not mature:
                readings.append(Reading(rule, skipped="no closed, mature period yet"))
                continue
            i, row = mature[-1]
            reading = Reading(
                rule, period_start=row["period_start"], value=_float(row[rule.metric])
            )
            if i > 0:
                reading.previous = _float(closed[i - 1][0][rule.metric])
            before = [_float(r[rule.metric]) for _, r in mature[:-1]][-TRAILING:]
            known = [v for v in before if v is not None]
            reading.trailing = sum(known) / len(known) if known else None
            if metric.target is not None:
                reading.target = catalog.number(metric.target.value)
            reading.fired = fires(
                rule.when,
                rule.threshold,
                reading.value,
                reading.previous,
                reading.target,
                metric.direction == "higher_is_better",
                metric.format == "percent",
                reading.trailing,
            )
            reading.message = _message(rule, reading, metric.format)
            readings.append(reading)
    return readings


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _message(rule: Rule, reading: Reading, fmt: str) -> str:
    def show(v: float | None) -> str:
        if v is None:
            return "none"
        if fmt == "percent":
            return f"{v * 100:.1f}%"
        return f"{v:,.0f}" if fmt == "count" else f"{v:,.2f}"

    period = reading.period_start.isoformat() if reading.period_start else "?"
    what = f"{rule.metric} {show(reading.value)} in the {rule.grain} of {period}"
    if rule.when == "off_target":
        return f"{what}: target {show(reading.target)}"
    if rule.when.startswith("change"):
        return f"{what}: was {show(reading.previous)} the {rule.grain} before"
    if rule.when.startswith("trailing"):
        return f"{what}: trailing average {show(reading.trailing)}"
    return f"{what}: threshold {show(rule.threshold)}"


# --- the alerts table ------------------------------------------------------------------


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value))
    if isinstance(value, datetime):
        return f"cast('{value.isoformat(sep=' ')}' as timestamp)"
    if isinstance(value, date):
        return f"cast('{value.isoformat()}' as date)"
    return "'" + str(value).replace("'", "''") + "'"


def _ensure_table(wh: Warehouse) -> None:
    columns = ", ".join(f"{n} {t}" for n, t in ALERT_COLUMNS)
    wh.query(f"create schema if not exists {ALERTS_SCHEMA}")
    wh.query(f"create table if not exists {ALERTS_SCHEMA}.{ALERTS_TABLE} ({columns})")


def record(wh: Warehouse, readings: list[Reading], now: datetime | None = None) -> list[Alert]:
    """Bring the alerts table up to date with this run's readings; the alerts as this run
    leaves them: new, still open, or resolved by it."""
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    table = f"{ALERTS_SCHEMA}.{ALERTS_TABLE}"
    _ensure_table(wh)
    names = [n for n, _ in ALERT_COLUMNS]
    columns, rows = wh.query(f"select {', '.join(names)} from {table} where resolved_at is null")
    open_rows = {r[1]: dict(zip(columns, r, strict=True)) for r in rows}
    out: list[Alert] = []
    for reading in readings:
        if reading.skipped:
            continue
        rule, current = reading.rule, open_rows.pop(reading.rule.rule_id, None)
        if reading.fired and current is None:
            row = {
                "alert_id": f"{rule.rule_id}|{now.isoformat()}",
                "rule_id": rule.rule_id,
                "metric": rule.metric,
                "rule": rule.text,
                "grain": rule.grain,
                "severity": rule.severity,
                "period_start": reading.period_start,
                "value": reading.value,
                "threshold": rule.threshold,
                "message": reading.message,
                "first_seen_at": now,
                "last_seen_at": now,
                "resolved_at": None,
                "notified": None,
            }
            values = ", ".join(_literal(row[n]) for n in names)
            wh.query(f"insert into {table} ({', '.join(names)}) values ({values})")
            out.append(Alert("new", row))
        elif reading.fired and current is not None:
            current.update(
                last_seen_at=now,
                period_start=reading.period_start,
                value=reading.value,
                message=reading.message,
                rule=rule.text,
                threshold=rule.threshold,
                severity=rule.severity,
            )
            _update(wh, current, _MOVING)
            out.append(Alert("open", current))
        elif current is not None:
            current["resolved_at"] = now
            _update(wh, current, ("resolved_at",))
            out.append(Alert("resolved", current))
    # Rules that no longer exist (or could not be read) resolve what they had open.
    for current in open_rows.values():
        current["resolved_at"] = now
        _update(wh, current, ("resolved_at",))
        out.append(Alert("resolved", current))
    # A resolution the webhook never heard of (it was down): told again.
    listed = {a.row["alert_id"] for a in out}
    columns, rows = wh.query(
        f"select {', '.join(names)} from {table} "
        "where resolved_at is not null and notified = 'open'"
    )
    for r in rows:
        row = dict(zip(columns, r, strict=True))
        if row["alert_id"] not in listed:
            out.append(Alert("resolved", row))
    return out


#: What a still-open alert updates each run (its rule may have been edited too).
_MOVING = ("last_seen_at", "period_start", "value", "message", "rule", "threshold", "severity")


def _update(wh: Warehouse, row: dict[str, Any], names: tuple[str, ...]) -> None:
    sets = ", ".join(f"{n} = {_literal(row[n])}" for n in names)
    wh.query(
        f"update {ALERTS_SCHEMA}.{ALERTS_TABLE} set {sets} "
        f"where alert_id = {_literal(row['alert_id'])}"
    )


def mark_notified(wh: Warehouse, alerts: list[Alert]) -> None:
    """Record that the webhook heard of these alerts in their present state."""
    for alert in alerts:
        alert.row["notified"] = "resolved" if alert.status == "resolved" else "open"
        _update(wh, alert.row, ("notified",))


def to_notify(alerts: list[Alert]) -> list[Alert]:
    """The alerts the webhook has not heard of in their present state."""
    return [
        a
        for a in alerts
        if a.row.get("notified") != ("resolved" if a.status == "resolved" else "open")
    ]


# --- the webhook -----------------------------------------------------------------------


def payload(alerts: list[Alert]) -> dict[str, Any]:
    """A Slack-compatible message: one line per alert that opened or resolved."""
    lines = []
    for a in alerts:
        state = "resolved" if a.status == "resolved" else a.row["severity"]
        lines.append(f"[{state}] {a.row['metric']} {a.row['rule']}: {a.row['message']}")
    opened = sum(a.status != "resolved" for a in alerts)
    head = f"revops: {opened} alert(s) open, {len(alerts) - opened} resolved"
    return {"text": "\n".join([head, *lines])}


def deliver(
    url: str,
    body: dict[str, Any],
    *,
    timeout: float = 5.0,
    attempts: int = 3,
    backoff: float = 0.5,
) -> tuple[bool, str]:
    """POST ``body`` as JSON; retry a server error, a timeout or a refused connection up to
    ``attempts`` times with growing pauses; a client error (4xx) is not retried. Returns
    (delivered, what happened)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"--webhook {url!r}: an http:// or https:// URL is expected")
    data = json.dumps(body).encode()
    last = ""
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return True, f"delivered (HTTP {response.status}, attempt {attempt})"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500:
                return False, f"refused by the webhook ({last}); not retried"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = one_line(getattr(exc, "reason", exc) or exc)
        if attempt < attempts:
            time.sleep(backoff * 2 ** (attempt - 1))
    return False, f"not delivered after {attempts} attempts ({last})"


def open_errors(alerts: list[Alert]) -> int:
    """How many error-severity alerts are open after this run."""
    return sum(1 for a in alerts if a.status != "resolved" and a.row["severity"] == "error")
