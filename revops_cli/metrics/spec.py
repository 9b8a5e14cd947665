"""The schema of a metric file (metrics/*.yml): one pydantic model per metric type.

The vocabulary is MetricFlow's (the dbt Semantic Layer), so the export maps one-to-one:
simple, ratio, derived, cumulative and conversion.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
WINDOW_PATTERN = r"^[1-9][0-9]* (day|week|month|quarter|year)s?$"

Owner = Literal["marketing", "sales", "cs", "finance", "revops"]
Format = Literal["count", "currency", "percent", "days", "ratio"]
Direction = Literal["higher_is_better", "lower_is_better"]
Agg = Literal["count", "count_distinct", "sum", "avg", "min", "max", "median", "percentile"]
Grain = Literal["day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year"]
GRAINS: tuple[str, ...] = Grain.__args__  # type: ignore[attr-defined]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Window = Annotated[str, Field(pattern=WINDOW_PATTERN)]


def parse_window(window: str) -> tuple[int, str]:
    """'12 months' -> (12, 'month')."""
    match = re.fullmatch(WINDOW_PATTERN, window)
    if not match:
        raise ValueError(f"not a window: {window!r}")
    return int(window.split()[0]), match.group(1)


class Strict(BaseModel):
    """Unknown keys are mistakes: a typo must not silently change nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(Strict):
    """The value the owner aims for, per period of ``grain``."""

    value: float
    grain: Grain = "month"


class Alert(Strict):
    """A rule the monitor evaluates on the metric's series."""

    when: Literal["above", "below", "change_above", "change_below", "off_target"]
    threshold: float
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
    target: Target | None = None
    alerts: list[Alert] = []


class Simple(MetricBase):
    """An aggregation of one model's rows, bucketed by ``time``; without ``time`` (a quota, a
    current snapshot) the same value stands in every period."""

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
    """Another metric used as an input, optionally filtered or shifted in time."""

    metric: Name
    alias: Name | None = None
    filter: str | None = None
    offset_window: Window | None = None

    @property
    def ref(self) -> str:
        """The name an expression refers to it by."""
        return self.alias or self.metric


class Ratio(MetricBase):
    """sum(numerator) / sum(denominator) at the requested grain, never a mean of ratios."""

    type: Literal["ratio"]
    numerator: MetricInput
    denominator: MetricInput


class Derived(MetricBase):
    """An expression over other metrics (``offset_window`` for period over period)."""

    type: Literal["derived"]
    expr: str
    metrics: list[MetricInput] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_refs(self) -> Derived:
        refs = [m.ref for m in self.metrics]
        dupes = sorted({r for r in refs if refs.count(r) > 1})
        if dupes:
            raise ValueError(f"inputs need distinct names (set 'alias'): {dupes}")
        return self


class Cumulative(MetricBase):
    """A running total (no window), a trailing ``window`` or a ``grain_to_date`` total of a
    simple metric."""

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
