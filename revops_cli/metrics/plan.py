"""The planner: a request over the catalog becomes a Plan of measures grouped by source.

The vocabulary is MetricFlow's. A *measure* is one aggregation of one model's rows, and its
semantics decide how a period gets its value:

- a **flow** (count or sum of events): the period's rows; an empty period is 0;
- a **non-additive** aggregate (distinct count, mean, median, percentile, min, max): computed
  from the period's rows at the requested grain, never from finer periods;
- a **balance** (``non_additive: first | last``): the rows of the period's first or last
  *snapshot*, the spine days (days, week starts or month starts, as the time column holds)
  that the model covers; the metric's filter selects rows within that snapshot and never
  chooses it; a snapshot without matching rows is 0, a period without a snapshot is null;
- a **point-in-time snapshot** (no time column): reported for the as-of period only.

A metric is an expression over measures: ratio, derived (with period offsets and
``period_days``), cumulative (a flow summed over a window of days), or conversion (a
cohort's entities reaching later steps within a window). Measures that read the same
(model, time column) share one scan, and identical measures are planned once.

Periods run from the first with data in any of the catalog's time columns to the one
holding the data's as-of (dim_as_of.last_closed_date), the same for every query; a period
running past that day is flagged ``is_partial_period``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from revops_cli.errors import ConfigError
from revops_cli.metrics.catalog import BUILTINS, Catalog
from revops_cli.metrics.guard import parse_expression
from revops_cli.metrics.request import GRAINS, Request
from revops_cli.metrics.spec import (
    Conversion,
    Cumulative,
    Derived,
    Metric,
    MetricInput,
    Ratio,
    Simple,
    parse_window,
)

#: The value a null dimension takes, so that it is a group of its own.
NONE_VALUE = "(none)"
#: The dimension and value of total rows in the long (BI) layout, inside the plan.
TOTAL = "*"
#: A period of each grain as (months, days), for "N period" offsets.
PERIOD_LENGTH = {
    "day": (0, 1),
    "week": (0, 7),
    "month": (1, 0),
    "quarter": (3, 0),
    "year": (12, 0),
    "fiscal_quarter": (3, 0),
    "fiscal_year": (12, 0),
}
#: Window units as (months, days) each.
UNIT_LENGTH = {"day": (0, 1), "week": (0, 7), "month": (1, 0), "quarter": (3, 0), "year": (12, 0)}


@dataclass(frozen=True)
class Length:
    """A span of months and days. When it is a definition (``var``, a dbt var path), the
    span is ``scale`` months or days per unit of the definition's value."""

    months: int = 0
    days: int = 0
    var: str | None = None
    scale: int = 1

    @classmethod
    def of(cls, n: int, unit: str, var: str | None = None) -> Length:
        months, days = UNIT_LENGTH[unit]
        return cls(months * n, days * n, var, months or days)

    def __add__(self, other: Length) -> Length:
        return Length(self.months + other.months, self.days + other.days)

    @property
    def unit(self) -> tuple[str, int]:
        """One dateadd's part and amount (a window is months or days, never both)."""
        return ("month", self.months) if self.months else ("day", self.days)


ZERO = Length()


@dataclass(frozen=True)
class Source:
    """One scan: a model by one time column (``time`` None: a snapshot read whole)."""

    key: str
    model: str
    time: str | None
    time_grain: str


@dataclass(frozen=True)
class Accumulate:
    """A cumulative's window: trailing ``window``, ``grain_to_date``, or all history."""

    window: Length | None = None
    grain_to_date: str | None = None


@dataclass(frozen=True)
class Measure:
    """One aggregation over one source (see the module docstring for its kinds)."""

    key: str
    source: Source
    agg: str
    expr: exp.Expr | None
    percentile: float | None
    filters: tuple[exp.Expr, ...]
    edge: str | None
    cohort: Measure | None
    fill: bool
    accumulate: Accumulate | None = None
    dimensions: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """flow, nonadditive, balance or snapshot."""
        if self.source.time is None:
            return "snapshot"
        if self.edge:
            return "balance"
        return "flow" if self.agg in ("count", "sum") else "nonadditive"

    @property
    def unit(self) -> str:
        """The stage that computes it: its source's aggregate, or its own cumulative."""
        return f"cum__{self.key}" if self.accumulate else f"agg__{self.source.key}"

    @property
    def entity(self) -> exp.Expr | None:
        """A cohort measure's entity: the expression it counts distinct."""
        return self.expr


@dataclass(frozen=True)
class Step:
    """One step of a conversion: its source's rows that pass ``filters``."""

    source: Source
    filters: tuple[exp.Expr, ...]


@dataclass(frozen=True)
class ConversionMeasure:
    """Entities of a cohort (the first step, by its period) and how many reached every later
    step in order within ``window`` of the first."""

    key: str
    entity: str
    steps: tuple[Step, ...]
    window: Length
    dimensions: tuple[str, ...] = ()
    #: Every step on one model whose entity is unique there: each entity's steps are on
    #: its one row, so the conversion is counted in that source's pass, without a join.
    row_local: bool = False

    @property
    def unit(self) -> str:
        if self.row_local:
            return f"agg__{self.steps[0].source.key}"
        return f"conv__{self.key}"


@dataclass(frozen=True)
class Output:
    """A requested metric: its value, numerator and denominator as expressions over the
    measure grid (aliases w0, w1 ... for offsets), the stages it reads, its dimensions."""

    metric: Metric
    value: exp.Expr
    numerator: exp.Expr | None
    denominator: exp.Expr | None
    units: tuple[str, ...]
    dimensions: tuple[str, ...]


@dataclass
class Plan:
    """Everything a renderer needs, independent of the SQL dialect."""

    catalog: Catalog
    grain: str
    dimensions: tuple[str, ...]
    long: bool
    where: exp.Expr | None
    start: date | None
    end: date | None
    parts: bool
    sources: dict[str, Source] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    conversions: dict[str, ConversionMeasure] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    shifts: dict[Length, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        """The key columns of every stage after the sources."""
        return ["dimension", "dimension_value"] if self.long else list(self.dimensions)

    def unit_dimensions(self, unit: str) -> tuple[str, ...]:
        """The dimensions a stage groups by: the requested ones (a query), or every one a
        measure of it may be sliced by (the BI tables)."""
        if not self.long:
            return self.dimensions
        dims: dict[str, None] = {}
        for m in self.measures.values():
            if m.unit == unit:
                dims.update(dict.fromkeys(m.dimensions))
        for c in self.conversions.values():
            if c.unit == unit:
                dims.update(dict.fromkeys(c.dimensions))
        return tuple(dims)

    def units(self) -> list[str]:
        """Every stage that aggregates, in plan order."""
        found = [m.unit for m in self.measures.values()]
        found += [c.unit for c in self.conversions.values()]
        return list(dict.fromkeys(found))

    def home(self, unit: str) -> str:
        """The model a stage belongs to (its source's, or its cohort step's)."""
        for m in self.measures.values():
            if m.unit == unit:
                return m.source.model
        for c in self.conversions.values():
            if c.unit == unit:
                return c.steps[0].source.model
        raise KeyError(unit)

    def balance_sources(self) -> list[Source]:
        """Sources a balance or a cohort reads snapshots of."""
        found = [m.source for m in self.measures.values() if m.edge or m.cohort]
        return list(dict.fromkeys(found))

    def alias(self, shift: Length) -> str:
        """The grid's alias for values ``shift`` earlier (w0: the period itself)."""
        if shift not in self.shifts:
            self.shifts[shift] = f"w{len(self.shifts)}"
        return self.shifts[shift]


@dataclass(frozen=True)
class _Ctx:
    """How an input reaches a leaf: extra filters, a cohort, a shift, a name for variants."""

    filters: tuple[exp.Expr, ...] = ()
    cohort: str | None = None
    shift: Length = ZERO
    hint: str | None = None


@dataclass(frozen=True)
class _Value:
    value: exp.Expr
    numerator: exp.Expr | None = None
    denominator: exp.Expr | None = None
    units: tuple[str, ...] = ()


def col(name: str, table: str | None = None) -> exp.Column:
    """A column, optionally qualified."""
    return exp.column(name, table=table)


def as_double(value: exp.Expr) -> exp.Expr:
    """``value`` as a 64-bit float."""
    return exp.cast(value, exp.DataType.Type.DOUBLE)


def safe_div(num: exp.Expr, den: exp.Expr) -> exp.Expr:
    """num / den in floating point, null when den is 0 (PostgreSQL raises otherwise)."""
    return exp.Div(
        this=as_double(num), expression=exp.Nullif(this=den, expression=exp.Literal.number(0))
    )


def guard_divisions(tree: exp.Expr) -> exp.Expr:
    """Every division in ``tree`` as a safe division, nested ones too (deepest first:
    sqlglot's transform does not revisit a subtree it has just replaced)."""
    for div in reversed(list(tree.find_all(exp.Div))):
        safe = safe_div(div.this, div.expression)
        if div is tree:
            tree = safe
        else:
            div.replace(safe)
    return tree


def _canon(tree: exp.Expr | None) -> str:
    return "" if tree is None else tree.sql(dialect="duckdb")


class Planner:
    """Builds the Plan for a request (or for every metric, in the BI tables' long layout)."""

    def __init__(self, catalog: Catalog, request: Request, long: bool = False) -> None:
        if request.grain not in GRAINS:
            raise ConfigError(f"grain {request.grain!r}: expected one of {', '.join(GRAINS)}")
        if not request.metrics:
            raise ConfigError("name at least one metric")
        if request.start and request.end and request.start >= request.end:
            raise ConfigError(f"--start {request.start} is not before --end {request.end}")
        self.catalog = catalog
        metrics = [catalog.get(n) for n in dict.fromkeys(request.metrics)]
        dims = tuple(dict.fromkeys(request.dimensions))
        allowed_everywhere: set[str] | None = None
        for metric in metrics:
            allowed = catalog.dimensions(metric)
            allowed_everywhere = (
                set(allowed) if allowed_everywhere is None else allowed_everywhere & set(allowed)
            )
            for d in dims:
                if d not in allowed:
                    raise ConfigError(
                        f"{metric.name} cannot be sliced by '{d}' "
                        f"(its dimensions: {', '.join(allowed) or 'none'})"
                    )
            grains = catalog.grains(metric)
            if request.grain not in grains:
                raise ConfigError(
                    f"{metric.name} cannot be read by {request.grain} (its grains: "
                    f"{', '.join(grains) or 'none'}; its time columns or its definition "
                    "set them)"
                )
        where = None
        if request.where is not None:  # an empty --where is a mistake, not "no filter"
            # Any column every metric may be sliced by, asked for with --by or not; a
            # division in it is null where its divisor is 0, on every engine.
            where = guard_divisions(
                parse_expression(request.where, sorted(allowed_everywhere or ()), what="--where")
            )
        self.metrics = metrics
        self.plan = Plan(
            catalog=catalog,
            grain=request.grain,
            dimensions=dims,
            long=long,
            where=where,
            start=request.start,
            end=request.end,
            parts=request.parts,
        )
        self.plan.alias(ZERO)
        #: Metric-type dispatch, in one place.
        self.dispatch: dict[type, Callable[[Metric, _Ctx], _Value]] = {
            Simple: self._simple,  # type: ignore[dict-item]
            Ratio: self._ratio,  # type: ignore[dict-item]
            Derived: self._derived,  # type: ignore[dict-item]
            Cumulative: self._cumulative,  # type: ignore[dict-item]
            Conversion: self._conversion,  # type: ignore[dict-item]
        }
        self._measure_names: dict[tuple[object, ...], str] = {}

    def build(self) -> Plan:
        """Plan every requested metric."""
        for metric in self.metrics:
            val = self.value(metric, _Ctx())
            self.plan.outputs.append(
                Output(
                    metric=metric,
                    value=val.value,
                    numerator=val.numerator,
                    denominator=val.denominator,
                    units=val.units,
                    dimensions=tuple(self.catalog.dimensions(metric)),
                )
            )
        return self.plan

    # --- metrics -----------------------------------------------------------------------

    def value(self, metric: Metric, ctx: _Ctx) -> _Value:
        """``metric``'s value (and parts) as an expression over the measure grid."""
        return self.dispatch[type(metric)](metric, ctx)

    def _input(self, parent: Metric, inp: MetricInput, ctx: _Ctx, role: str) -> _Value:
        filters = ctx.filters
        if inp.filter:
            columns = self.catalog.leaf_columns(self.catalog.metrics[inp.metric])
            filters = (
                *filters,
                parse_expression(inp.filter, columns, what=f"filter of {parent.name}.{role}"),
            )
        shift = ctx.shift
        if inp.offset_window:
            n, unit = parse_window(inp.offset_window)
            if unit == "period":
                months, days = PERIOD_LENGTH[self.plan.grain]
                shift = shift + Length(months * n, days * n)
            else:
                shift = shift + Length.of(n, unit)
        modified = inp.filter or inp.cohort
        hint = f"{parent.name}__{inp.alias or role}" if modified else ctx.hint
        sub = _Ctx(filters, inp.cohort or ctx.cohort, shift, hint)
        return self.value(self.catalog.metrics[inp.metric], sub)

    def _simple(self, metric: Simple, ctx: _Ctx) -> _Value:
        measure = self.measure(metric, ctx)
        return _Value(col(measure.key, self.plan.alias(ctx.shift)), units=(measure.unit,))

    def _cumulative(self, metric: Cumulative, ctx: _Ctx) -> _Value:
        base = self.catalog.metrics[metric.metric]
        assert isinstance(base, Simple)
        window = None
        if metric.window is not None:
            n, unit, var = self.catalog.window(metric.window)
            window = Length.of(n, unit, var)
        accumulate = Accumulate(window=window, grain_to_date=metric.grain_to_date)
        hint = ctx.hint or metric.name
        measure = self.measure(base, _Ctx(ctx.filters, ctx.cohort, ctx.shift, hint), accumulate)
        return _Value(col(measure.key, self.plan.alias(ctx.shift)), units=(measure.unit,))

    def _ratio(self, metric: Ratio, ctx: _Ctx) -> _Value:
        num = self._input(metric, metric.numerator, ctx, "numerator")
        den = self._input(metric, metric.denominator, ctx, "denominator")
        return _Value(
            safe_div(num.value, den.value), num.value, den.value, (*num.units, *den.units)
        )

    def _derived(self, metric: Derived, ctx: _Ctx) -> _Value:
        tree = parse_expression(
            metric.expr,
            [*(m.ref for m in metric.metrics), *BUILTINS],
            what=f"expr of {metric.name}",
            boolean=False,
        )
        values = {inp.ref: self._input(metric, inp, ctx, inp.ref) for inp in metric.metrics}
        alias = self.plan.alias(ctx.shift)

        def swap(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column):
                if node.name in values:
                    value = values[node.name].value.copy()
                    return value if isinstance(value, exp.Column) else exp.paren(value)
                return col(node.name, alias)  # a builtin: a column of the grid
            return node

        tree = guard_divisions(tree.transform(swap))
        units = tuple(u for v in values.values() for u in v.units)
        return _Value(tree, units=units)

    def _conversion(self, metric: Conversion, ctx: _Ctx) -> _Value:
        if ctx.cohort:
            raise ConfigError(f"a cohort cannot restrict the conversion {metric.name}")
        conv = self.conversion(metric, ctx)
        alias = self.plan.alias(ctx.shift)
        num, den = col(f"{conv.key}__num", alias), col(f"{conv.key}__den", alias)
        value = safe_div(num, den) if metric.calculation == "conversion_rate" else num.copy()
        return _Value(value, num.copy(), den.copy(), (conv.unit,))

    # --- measures ----------------------------------------------------------------------

    def source(self, model: str, time: str | None) -> Source:
        """The scan of ``model`` by ``time`` (planned once)."""
        key = f"{model}__{time}" if time else f"{model}__snapshot"
        if key not in self.plan.sources:
            grain = self.catalog.models[model].time_grain(time) if time else ""
            self.plan.sources[key] = Source(key, model, time, grain)
        return self.plan.sources[key]

    def _name(self, identity: tuple[object, ...], wanted: str) -> str:
        if identity in self._measure_names:
            return self._measure_names[identity]
        taken = set(self._measure_names.values())
        name, i = wanted, 2
        while name in taken:
            name, i = f"{wanted}_{i}", i + 1
        self._measure_names[identity] = name
        return name

    def measure(self, metric: Simple, ctx: _Ctx, accumulate: Accumulate | None = None) -> Measure:
        """The measure ``metric`` reads under ``ctx`` (planned once, however reached)."""
        columns = list(self.catalog.models[metric.model].columns)
        expr = (
            parse_expression(metric.expr, columns, what=f"expr of {metric.name}", boolean=False)
            if metric.expr
            else None
        )
        own = (
            (parse_expression(metric.filter, columns, what=f"filter of {metric.name}"),)
            if metric.filter
            else ()
        )
        filters = tuple(sorted({_canon(f): f for f in (*own, *ctx.filters)}.items()))
        cohort = None
        if ctx.cohort:
            leader = self.catalog.metrics[ctx.cohort]
            assert isinstance(leader, Simple)
            cohort = self.measure(leader, _Ctx())
        source = self.source(metric.model, metric.time)
        identity = (
            source.key,
            metric.agg,
            _canon(expr),
            metric.percentile,
            tuple(k for k, _ in filters),
            metric.non_additive,
            cohort.key if cohort else None,
            metric.filled,
            accumulate,
        )
        wanted = ctx.hint if (ctx.hint and (ctx.filters or ctx.cohort or accumulate)) else None
        key = self._name(identity, wanted or metric.name)
        dims = tuple(self.catalog.dimensions(metric))
        found = self.plan.measures.get(key)
        if found is not None:
            if set(dims) - set(found.dimensions):
                found = Measure(**{**found.__dict__, "dimensions": (*found.dimensions, *dims)})
                self.plan.measures[key] = found
            return found
        measure = Measure(
            key=key,
            source=source,
            agg=metric.agg,
            expr=expr,
            percentile=metric.percentile,
            filters=tuple(f for _, f in filters),
            edge=metric.non_additive,
            cohort=cohort,
            fill=metric.filled,
            accumulate=accumulate,
            dimensions=dims,
        )
        self.plan.measures[key] = measure
        return measure

    def conversion(self, metric: Conversion, ctx: _Ctx) -> ConversionMeasure:
        """The conversion measure of ``metric``; ``ctx.filters`` slice its cohort step."""
        n, unit, var = self.catalog.window(metric.window)
        steps: list[Step] = []
        for i, step in enumerate(metric.steps):
            model = step.model or metric.model
            columns = list(self.catalog.models[model].columns)
            filters = (
                (parse_expression(step.filter, columns, what=f"filter of {metric.name}"),)
                if step.filter
                else ()
            )
            if i == 0:
                filters = (*filters, *ctx.filters)
            steps.append(Step(self.source(model, step.time), filters))
        identity = ("conversion", metric.name, tuple(_canon(f) for f in ctx.filters))
        key = self._name(identity, ctx.hint or metric.name)
        models = {s.source.model for s in steps}
        row_local = len(models) == 1 and metric.entity in (
            self.catalog.models[metric.model].unique_columns
        )
        if key not in self.plan.conversions:
            self.plan.conversions[key] = ConversionMeasure(
                key=key,
                entity=metric.entity,
                steps=tuple(steps),
                window=Length.of(n, unit, var),
                dimensions=tuple(self.catalog.dimensions(metric)),
                row_local=row_local,
            )
        return self.plan.conversions[key]


def build_plan(catalog: Catalog, request: Request, long: bool = False) -> Plan:
    """The plan answering ``request`` (``long``: the BI tables' layout, every dimension)."""
    return Planner(catalog, request, long).build()
