"""The schema of a metric file (metrics/*.yml): one pydantic model per metric type.

The vocabulary is MetricFlow's (the dbt Semantic Layer), so the export maps one-to-one:
simple, ratio, derived, cumulative and conversion. A number that is also a definition in
dbt_project.yml (a window, a target, a threshold) is referenced, not copied:
``{var: slas.conversion_window_days, unit: day}`` or ``{var: data_quality.x}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from revops_cli.metrics.request import Grain

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
VAR_PATTERN = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$"
UNITS = ("day", "week", "month", "quarter", "year")
WINDOW_PATTERN = r"^[1-9][0-9]* (day|week|month|quarter|year)s?$"
#: An offset may also count periods of whatever grain is queried ("1 period": the previous
#: month by month, the previous quarter by quarter).
OFFSET_PATTERN = r"^[1-9][0-9]* (day|week|month|quarter|year|period)s?$"

Owner = Literal["marketing", "sales", "cs", "finance", "revops"]
Format = Literal["count", "currency", "percent", "days", "hours", "ratio"]
Direction = Literal["higher_is_better", "lower_is_better"]
Agg = Literal["count", "count_distinct", "sum", "avg", "min", "max", "median", "percentile"]
Unit = Literal["day", "week", "month", "quarter", "year"]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
WindowText = Annotated[str, Field(pattern=WINDOW_PATTERN)]
OffsetText = Annotated[str, Field(pattern=OFFSET_PATTERN)]
VarPath = Annotated[str, Field(pattern=VAR_PATTERN)]
#: Aggregations that add up over time and across rows (flows): an empty period is 0.
ADDITIVE = ("count", "sum")


def parse_window(window: str) -> tuple[int, str]:
    """'12 months' -> (12, 'month'); '1 period' -> (1, 'period')."""
    match = re.fullmatch(OFFSET_PATTERN, window)
    if not match:
        raise ValueError(f"not a window: {window!r}")
    return int(window.split()[0]), match.group(1)


class Strict(BaseModel):
    """Unknown keys are mistakes: a typo must not silently change nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class VarRef(Strict):
    """A number defined once in dbt_project.yml (vars.revops), e.g. {var: slas.x}."""

    var: VarPath


class WindowRef(Strict):
    """A window whose length is a definition: {var: slas.conversion_window_days, unit: day}."""

    var: VarPath
    unit: Unit


Number = float | VarRef
Window = WindowText | WindowRef


class Target(Strict):
    """The value the owner aims for, per period of ``grain``."""

    value: Number
    grain: Grain = "month"


class Alert(Strict):
    """A rule the monitor evaluates on the metric's series."""

    when: Literal[
        "above",
        "below",
        "change_above",
        "change_below",
        "trailing_above",
        "trailing_below",
        "off_target",
    ]
    threshold: Number
    grain: Grain = "month"
    severity: Literal["warn", "error"] = "warn"


class MetricBase(Strict):
    """What every metric has, whatever its type."""

    name: Name
    label: str = Field(min_length=1)
    description: str = Field(min_length=10)
    owner: Owner
    format: Format
    direction: Direction
    dimensions: list[Name] | None = None
    #: The grains the metric is defined at (default: every grain its inputs' time columns
    #: allow). A metric built on monthly figures (LTV, say) names [month].
    grains: list[Grain] | None = Field(default=None, min_length=1)
    #: What a value is counted in, when the format does not say it all (default: the
    #: reporting currency for currency, days for days, % for percent).
    unit: str | None = None
    target: Target | None = None
    alerts: list[Alert] = []


class Simple(MetricBase):
    """An aggregation of one model's rows (a measure), bucketed by ``time``.

    Its semantics follow from its keys: a flow (count or sum of events in the period; an
    empty period is 0), a non-additive aggregate (distinct count, mean, median ... over the
    period's rows), a balance (``non_additive: last`` or ``first``: the state at the
    period's last or first snapshot), or, without ``time``, a point-in-time snapshot
    reported for the as-of period only.
    """

    type: Literal["simple"]
    model: Name
    time: Name | None = None
    agg: Agg
    expr: str | None = None
    percentile: float | None = Field(default=None, gt=0, lt=1)
    filter: str | None = None
    non_additive: Literal["first", "last"] | None = None
    fill: Literal["zero", "null"] | None = None

    @model_validator(mode="after")
    def _agg_args(self) -> Simple:
        if self.agg == "percentile" and self.percentile is None:
            raise ValueError("agg: percentile needs 'percentile' (a fraction, e.g. 0.9)")
        if self.agg != "percentile" and self.percentile is not None:
            raise ValueError("'percentile' only goes with agg: percentile")
        if self.time is None and self.non_additive:
            raise ValueError("non_additive needs 'time' (the balance's date)")
        if self.agg not in ("count",) and self.expr is None:
            raise ValueError(f"agg: {self.agg} needs 'expr' (the column or expression)")
        return self

    @property
    def filled(self) -> bool:
        """Empty periods read zero (counts and sums) rather than null."""
        if self.fill is not None:
            return self.fill == "zero"
        return self.agg in ("count", "count_distinct", "sum")


class MetricInput(Strict):
    """Another metric used as an input: filtered, shifted in time, or restricted to a
    cohort (the entities a balance metric counts at the period's start)."""

    metric: Name
    alias: Name | None = None
    filter: str | None = None
    offset_window: OffsetText | None = None
    cohort: Name | None = None

    @property
    def ref(self) -> str:
        """The name an expression refers to it by."""
        return self.alias or self.metric


class Ratio(MetricBase):
    """numerator / denominator at the requested grain, never a mean of ratios."""

    type: Literal["ratio"]
    numerator: MetricInput
    denominator: MetricInput


class Derived(MetricBase):
    """An expression over other metrics (``offset_window`` for period over period); it may
    also use ``period_days``, the number of days in the period."""

    type: Literal["derived"]
    expr: str
    metrics: list[MetricInput] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_refs(self) -> Derived:
        refs = [m.ref for m in self.metrics]
        dupes = sorted({r for r in refs if refs.count(r) > 1})
        if dupes:
            raise ValueError(f"inputs need distinct names (set 'alias'): {dupes}")
        if "period_days" in refs:
            raise ValueError("'period_days' is built in: give that input another alias")
        return self


class Cumulative(MetricBase):
    """A running total (no window), a trailing ``window`` or a ``grain_to_date`` total of a
    flow (a simple count or sum), up to the end of each period."""

    type: Literal["cumulative"]
    metric: Name
    window: Window | None = None
    grain_to_date: Literal["week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year"] | (
        None
    ) = None

    @model_validator(mode="after")
    def _one_kind(self) -> Cumulative:
        if self.window and self.grain_to_date:
            raise ValueError("set 'window' or 'grain_to_date', not both")
        return self


class Event(Strict):
    """One step of a conversion: when it happened (and where, when not the metric's model)."""

    time: Name
    model: Name | None = None
    filter: str | None = None


class Conversion(MetricBase):
    """The share of entities reaching every later step within ``window`` of the first, by the
    period of the first step (its cohort)."""

    type: Literal["conversion"]
    model: Name
    entity: Name
    steps: list[Event] = Field(min_length=2)
    window: Window
    calculation: Literal["conversion_rate", "conversions"] = "conversion_rate"


Metric = Annotated[Simple | Ratio | Derived | Cumulative | Conversion, Field(discriminator="type")]
TYPES: tuple[str, ...] = ("simple", "ratio", "derived", "cumulative", "conversion")


class MetricFile(Strict):
    """One file of the catalog."""

    version: Literal[1] = 1
    metrics: list[Metric] = Field(min_length=1)
