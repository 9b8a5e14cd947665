"""The renderer: a Plan becomes SQL stages (sqlglot expressions), in this order:

- ``calendar``: dim_date with the requested grain's period start for every day;
- ``bounds`` and ``periods``: from the first day with data in any of the catalog's time
  columns to the data's as-of (dim_as_of); per period its end, its days, whether it runs
  past the as-of (``is_partial_period``) or holds it, and each balance source's first and
  last snapshot day;
- per source, ``src__<model>__<time>`` (its rows in range, with each measure's filter and
  value) and ``agg__...`` (every measure of the source in one GROUP BY, GROUPING SETS in
  the BI layout, and the conversions whose entity has one row there); ``daily__`` and
  ``cum__<measure>`` for cumulatives, ``conv__<metric>`` for conversions joined step by step;
- ``measures__<model>``: the stages of one model on one row per period and key;
- ``keys`` (and, in the BI layout, ``presence__<model>``: which stages have each key) and
  ``grid``: every period times every key, each measure filled as its kind says;
- ``wide``: every requested metric as an expression over the grid (an offset joins it again).

A query puts them in one WITH; the BI tables put ``periods``, each ``measures__<model>``
and ``wide`` in dbt models of their own (revops_cli/metrics/generate.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from sqlglot import exp

from revops_cli.metrics.catalog import AS_OF_COLUMN, AS_OF_MODEL, SPINE_MODEL
from revops_cli.metrics.guard import qualify
from revops_cli.metrics.plan import (
    NONE_VALUE,
    TOTAL,
    ConversionMeasure,
    Length,
    Measure,
    Plan,
    Source,
    as_double,
    col,
)

#: The model-or-stage name -> the relation to read (schema.table, a CTE, a dbt ref).
Relation = Callable[[str], exp.Table]

#: Period start of each grain, from dim_date's columns.
_GRAIN_START = {
    "day": "date_day",
    "week": "week_start_date",
    "month": "month_start_date",
    "quarter": "quarter_start_date",
    "year": "year_start_date",
}
#: dim_date columns that partition the fiscal periods.
_FISCAL = {"fiscal_quarter": ("fiscal_year", "fiscal_quarter"), "fiscal_year": ("fiscal_year",)}


class Definition(exp.Expression):
    """A definition (dbt var) used as a number: ``value`` in a query; in a dbt model,
    ``sign`` x ``scale`` x revops.definition(``this``), so a what-if build moves it."""

    arg_types: ClassVar[dict[str, bool]] = {
        "this": True,
        "value": True,
        "sign": True,
        "scale": True,
    }


def unvar(tree: exp.Expr) -> exp.Expr:
    """``tree`` with every definition replaced by its value (for a direct query)."""

    def value(node: exp.Expr) -> exp.Expr:
        if isinstance(node, Definition):
            found: exp.Expr = node.args["value"].copy()
            return found
        return node

    return tree.transform(value)


def _key(tree: exp.Expr) -> str:
    """A text that identifies ``tree`` (its definitions by name, not value)."""
    names = sorted(str(d.name) for d in tree.find_all(Definition))
    return unvar(tree.copy()).sql(dialect="duckdb") + "|" + ",".join(names)


def _date(value: exp.Expr) -> exp.Expr:
    return exp.cast(value, exp.DataType.Type.DATE)


def _amount(amount: int, length: Length, sign: int) -> exp.Expr:
    if length.var is not None:
        return Definition(
            this=length.var,
            value=exp.Literal.number(sign * amount),
            sign=exp.Literal.number(sign),
            scale=exp.Literal.number(length.scale),
        )
    return exp.Literal.number(sign * amount)


def shift(value: exp.Expr, length: Length, sign: int = 1, as_date: bool = True) -> exp.Expr:
    """``value`` moved by ``length`` (backwards with sign -1): a date, or with ``as_date``
    False a timestamp that keeps its time of day (TimestampAdd: Spark's date_add would
    drop it)."""
    out = value
    node = exp.DateAdd if as_date else exp.TimestampAdd
    for unit, amount in (("month", length.months), ("day", length.days)):
        if amount:
            out = node(
                this=out, expression=_amount(amount, length, sign), unit=exp.var(unit.upper())
            )
    return _date(out) if as_date and out is not value else out


def _eq(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return exp.EQ(this=a, expression=b)


def _and(*conds: exp.Expr | None) -> exp.Expr | None:
    found = [c for c in conds if c is not None]
    return exp.and_(*found) if found else None


def _case(cond: exp.Expr | None, value: exp.Expr) -> exp.Expr:
    if cond is None:
        return value
    return exp.Case(ifs=[exp.If(this=cond, true=value)])


def _not_null(value: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=value, expression=exp.Null()))


def _qualify(tree: exp.Expr, table: str) -> exp.Expr:
    """A copy of ``tree`` with its unqualified columns qualified by ``table``."""
    out = tree.copy()
    for column in out.find_all(exp.Column):
        if not column.table:
            column.set("table", exp.to_identifier(table))
    return out


@dataclass
class _Flags:
    """Filter and value columns of a source's rows, named once each."""

    filters: dict[str, tuple[str, exp.Expr]]
    values: dict[str, tuple[str, exp.Expr]]

    def flag(self, tree: exp.Expr) -> str:
        key = _key(tree)
        if key not in self.filters:
            self.filters[key] = (f"_filter_{len(self.filters) + 1}", tree)
        return self.filters[key][0]

    def value(self, tree: exp.Expr) -> str:
        key = _key(tree)
        if key not in self.values:
            self.values[key] = (f"_value_{len(self.values) + 1}", tree)
        return self.values[key][0]


class Renderer:
    """SQL stages for a Plan; ``relation`` resolves model and stage names."""

    def __init__(self, plan: Plan, relation: Relation, stage: Relation | None = None) -> None:
        self.plan = plan
        self.relation = relation
        self.stage = stage or exp.to_table
        self.keys = plan.keys
        self._flags: dict[str, _Flags] = {}

    # --- calendar and periods ------------------------------------------------------------

    def calendar(self) -> exp.Select:
        """Every day of the spine with its period's start (and the starts snapshots and
        grain-to-date windows need)."""
        grain = self.plan.grain
        cols: list[exp.Expr] = [col("date_day"), exp.alias_(self._start(grain), "period_start")]
        extra = {s.time_grain for s in self.plan.balance_sources()} - {"day"}
        extra |= {
            m.accumulate.grain_to_date
            for m in self.plan.measures.values()
            if m.accumulate and m.accumulate.grain_to_date
        }
        for g in sorted(extra):
            cols.append(exp.alias_(self._start(g), f"{g}__start"))
        return exp.select(*cols).from_(self.relation(SPINE_MODEL))

    @staticmethod
    def _start(grain: str) -> exp.Expr:
        if grain in _GRAIN_START:
            return col(_GRAIN_START[grain])
        return exp.Window(
            this=exp.Min(this=col("date_day")), partition_by=[col(c) for c in _FISCAL[grain]]
        )

    def bounds(self) -> exp.Select:
        """The first day with data in any of the catalog's time columns, and the data's
        last closed day."""
        firsts: exp.Query | None = None
        for model, time in self.plan.catalog.time_sources():
            part = exp.select(exp.alias_(exp.Min(this=_date(col(time))), "first_day")).from_(
                self.relation(model)
            )
            firsts = part if firsts is None else exp.union(firsts, part, distinct=False)
        assert firsts is not None
        return (
            exp.select(
                exp.alias_(exp.Min(this=col("first_day", "f")), "first_day"),
                exp.alias_(exp.Max(this=col(AS_OF_COLUMN, "a")), "last_day"),
            )
            .from_(exp.alias_(exp.Subquery(this=firsts), "f", table=True))
            .join(exp.alias_(self.relation(AS_OF_MODEL), "a", table=True), join_type="cross")
        )

    def periods(self, bounds: exp.Expr) -> exp.Select:
        """Periods of the grain from the first with data to the one holding the as-of."""
        c, b = "c", "b"
        last_day = exp.Max(this=col("last_day", b))
        day = col("date_day", c)
        query = (
            exp.select(
                col("period_start", c),
                exp.alias_(shift(exp.Max(this=day.copy()), Length(days=1)), "period_end"),
                exp.alias_(exp.Max(this=day.copy()), "period_last_day"),
                # The day after the period's last closed day: where a running total is read
                # (the period's end, or the as-of in a partial period).
                exp.alias_(
                    shift(
                        exp.Least(this=exp.Max(this=day.copy()), expressions=[last_day.copy()]),
                        Length(days=1),
                    ),
                    "read_end",
                ),
                exp.alias_(
                    exp.Sum(
                        this=exp.Case(
                            ifs=[
                                exp.If(
                                    this=exp.LTE(this=day.copy(), expression=col("last_day", b)),
                                    true=exp.Literal.number(1),
                                )
                            ],
                            default=exp.Literal.number(0),
                        )
                    ),
                    "period_days",
                ),
                exp.alias_(
                    exp.GT(this=exp.Max(this=day.copy()), expression=last_day.copy()),
                    "is_partial_period",
                ),
                exp.alias_(
                    exp.and_(
                        exp.LTE(this=exp.Min(this=day.copy()), expression=last_day.copy()),
                        exp.GTE(this=exp.Max(this=day.copy()), expression=last_day.copy()),
                    ),
                    "is_as_of_period",
                ),
                exp.alias_(last_day.copy(), "last_closed_date"),
            )
            .from_(exp.alias_(exp.to_table("calendar"), c, table=True))
            .join(exp.alias_(bounds, b, table=True), join_type="cross")
        )
        for i, source in enumerate(self.plan.balance_sources()):
            s = f"s{i + 1}"
            assert source.time is not None
            extent = exp.select(
                exp.alias_(exp.Min(this=_date(col(source.time))), "lo"),
                exp.alias_(exp.Max(this=_date(col(source.time))), "hi"),
            ).from_(self.relation(source.model))
            query = query.join(
                exp.alias_(exp.Subquery(this=extent), s, table=True), join_type="cross"
            )
            on_spine = exp.and_(
                exp.GTE(this=day.copy(), expression=col("lo", s)),
                exp.LTE(
                    this=day.copy(),
                    expression=exp.Least(this=col("hi", s), expressions=[col("last_day", b)]),
                ),
            )
            if source.time_grain != "day":
                on_spine = exp.and_(
                    on_spine, _eq(day.copy(), col(f"{source.time_grain}__start", c))
                )
            for edge, agg in (("first", exp.Min), ("last", exp.Max)):
                query = query.select(
                    exp.alias_(
                        agg(this=_case(on_spine.copy(), day.copy())),
                        f"snapshot_{edge}__{source.key}",
                    ),
                    append=True,
                    copy=False,
                )
        return query.group_by(col("period_start", c)).having(
            exp.and_(
                exp.GTE(
                    this=exp.Max(this=day.copy()), expression=exp.Min(this=col("first_day", b))
                ),
                exp.LTE(this=exp.Min(this=day.copy()), expression=last_day.copy()),
            )
        )

    # --- sources -------------------------------------------------------------------------

    def flags(self, source: Source) -> _Flags:
        """The named filter and value columns of ``source``'s rows (filled while planning
        its aggregates, so render src after them)."""
        return self._flags.setdefault(source.key, _Flags({}, {}))

    def _conds(self, measure: Measure) -> list[str]:
        """The flag columns a measure's rows must pass."""
        flags = self.flags(measure.source)
        names = [flags.flag(f) for f in measure.filters]
        if self.plan.where is not None:
            names.append("_where")
        if measure.cohort is not None:
            names.append(f"_cohort__{measure.cohort.key}")
        return names

    def _measure_agg(self, measure: Measure, table: str | None = None) -> exp.Expr:
        """``measure`` aggregated over its source's rows (columns of src__...)."""
        flags = self.flags(measure.source)
        conds: list[exp.Expr] = [col(n, table) for n in self._conds(measure)]
        if measure.edge:
            conds.append(_eq(col("_day", table), col(f"_snapshot_{measure.edge}", table)))
        cond = _and(*conds)
        value = col(flags.value(measure.expr), table) if measure.expr is not None else None
        agg = measure.agg
        if agg == "count":
            out: exp.Expr = (
                exp.Count(this=exp.Star())
                if cond is None
                else exp.Count(this=_case(cond, exp.Literal.number(1)))
            )
        elif agg == "count_distinct":
            assert value is not None
            out = exp.Count(this=exp.Distinct(expressions=[_case(cond, value)]))
        elif agg in ("sum", "min", "max"):
            assert value is not None
            out = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[agg](this=_case(cond, value))
        elif agg == "avg":
            assert value is not None
            out = exp.Avg(this=_case(cond, as_double(value)))
        else:
            assert value is not None
            fraction = 0.5 if agg == "median" else float(measure.percentile or 0.5)
            out = exp.WithinGroup(
                this=exp.PercentileCont(this=exp.Literal.number(fraction)),
                expression=exp.Order(expressions=[exp.Ordered(this=_case(cond, as_double(value)))]),
            )
        return out

    def _dims(self, unit: str) -> tuple[str, ...]:
        return self.plan.unit_dimensions(unit)

    def _group(
        self, query: exp.Select, lead: exp.Expr, dims: tuple[str, ...], table: str | None
    ) -> exp.Select:
        """GROUP BY the period (or day) and the keys: one set of every dimension for a
        query, GROUPING SETS of each dimension alone (and the total) for the BI tables."""
        if not self.plan.long:
            return query.group_by(lead, *[col(d, table) for d in dims])
        sets = [exp.Tuple(expressions=[lead.copy()])]
        sets += [exp.Tuple(expressions=[lead.copy(), col(d, table)]) for d in dims]
        return query.group_by(exp.GroupingSets(expressions=sets))

    def _key_selects(self, dims: tuple[str, ...], table: str | None) -> list[exp.Expr]:
        """The key columns of an aggregate: the dimensions, or (BI) which dimension a row
        of the grouping sets is by and its value ('*' for the total)."""
        if not self.plan.long:
            return [col(d, table) for d in dims]
        total = exp.Literal.string(TOTAL)
        if not dims:
            return [exp.alias_(total, "dimension"), exp.alias_(total.copy(), "dimension_value")]
        which = exp.Case(
            ifs=[exp.If(this=_not_null(col(d, table)), true=exp.Literal.string(d)) for d in dims],
            default=total,
        )
        value = exp.Coalesce(
            this=col(dims[0], table),
            expressions=[*(col(d, table) for d in dims[1:]), total.copy()],
        )
        return [exp.alias_(which, "dimension"), exp.alias_(value, "dimension_value")]

    def _dim_column(self, name: str, model: str, table: str = "f") -> exp.Expr:
        """A dimension as text, '(none)' for null (a text column is not cast)."""
        value: exp.Expr = col(name, table)
        kind = self.plan.catalog.models[model].columns.get(name, "").lower()
        if not kind.startswith(("varchar", "text", "string", "character varying")):
            value = exp.cast(value, exp.DataType.Type.VARCHAR)
        return exp.alias_(
            exp.Coalesce(this=value, expressions=[exp.Literal.string(NONE_VALUE)]), name
        )

    def _source_dims(self, source: Source) -> tuple[str, ...]:
        """Dimensions a source's rows carry: those of every stage reading it."""
        dims: dict[str, None] = {}
        for m in self.plan.measures.values():
            if m.source == source:
                dims.update(dict.fromkeys(self._dims(m.unit)))
        for c in self.plan.conversions.values():
            if c.steps[0].source == source:
                dims.update(dict.fromkeys(self._dims(c.unit)))
        return tuple(dims)

    def _entities(self, source: Source) -> list[str]:
        found: dict[str, None] = {}
        for c in self.plan.conversions.values():
            for step in c.steps[:1] if c.row_local else c.steps:
                if step.source == source:
                    found[c.entity] = None
        return list(found)

    def agg(self, source: Source) -> exp.Select:
        """Every non-cumulative measure of a time source, one pass over its rows."""
        unit = f"agg__{source.key}"
        dims = self._dims(unit)
        measures = [m for m in self.plan.measures.values() if m.unit == unit]
        convs = [c for c in self.plan.conversions.values() if c.unit == unit]
        query = exp.select(
            col("period_start"),
            *self._key_selects(dims, None),
            *[exp.alias_(self._measure_agg(m), m.key) for m in measures],
            *[a for c in convs for a in self._row_local_conversion(c)],
        ).from_(f"src__{source.key}")
        if self.plan.where is not None:
            query = query.where(col("_where"))
        return self._group(query, col("period_start"), dims, None)

    def _row_local_conversion(self, conv: ConversionMeasure) -> list[exp.Expr]:
        """A conversion whose steps are all on each entity's one row: the cohort is the
        source's rows (its first step's), and a later step is reached when its time is on
        the row, in order, within the window of the first."""
        first = conv.steps[0]
        flags = self.flags(first.source)
        cohort = [col(flags.flag(f)) for f in first.filters]
        if self.plan.where is not None:
            cohort.append(col("_where"))
        start = col(first.source.time or "")
        reached: list[exp.Expr] = []
        previous: exp.Expr = start
        for step in conv.steps[1:]:
            time = col(step.source.time or "")
            reached.append(
                exp.and_(
                    exp.GTE(this=time.copy(), expression=previous.copy()),
                    exp.LTE(
                        this=time.copy(),
                        expression=shift(start.copy(), conv.window, as_date=False),
                    ),
                    # a step after the data's as-of is not known yet
                    exp.LTE(this=_date(time.copy()), expression=col("last_closed_date", "p")),
                    *step.filters,
                )
            )
            previous = time
        # A flag of the source's rows (its unqualified columns are the model's).
        flag = flags.flag(exp.and_(*reached))
        entity = col(f"_entity__{conv.entity}")
        den_cond = _and(*cohort)
        num_cond = _and(*[c.copy() for c in cohort], col(flag))
        return [
            exp.alias_(
                exp.Count(this=exp.Distinct(expressions=[_case(num_cond, entity.copy())])),
                f"{conv.key}__num",
            ),
            exp.alias_(
                exp.Count(this=exp.Distinct(expressions=[_case(den_cond, entity.copy())])),
                f"{conv.key}__den",
            ),
        ]

    def snapshot(self, source: Source) -> exp.Select:
        """A model without time, aggregated once and placed in the as-of period."""
        unit = f"agg__{source.key}"
        dims = self._dims(unit)
        measures = [m for m in self.plan.measures.values() if m.unit == unit]
        inner = (
            exp.select(
                col("period_start", "p"),
                *[self._dim_column(d, source.model) for d in dims],
                *self._row_columns(source, measures),
            )
            .from_(exp.alias_(self.relation(source.model), "f", table=True))
            .join(exp.alias_(self.stage("periods"), "p", table=True), join_type="cross")
            .where(col("is_as_of_period", "p"))
        )
        if self.plan.where is not None:
            inner = inner.where(qualify(self.plan.where, "f"), append=True)
        query = exp.select(
            col("period_start"),
            *self._key_selects(dims, None),
            *[exp.alias_(self._measure_agg(m), m.key) for m in measures],
        ).from_(exp.alias_(exp.Subquery(this=inner), "r", table=True))
        return self._group(query, col("period_start"), dims, None)

    def _row_columns(self, source: Source, measures: list[Measure]) -> list[exp.Expr]:
        """Filter flags and values of ``measures`` (and --where) on ``source``'s rows."""
        for m in measures:
            self._conds(m)
            if m.expr is not None:
                self.flags(source).value(m.expr)
        flags = self.flags(source)
        out: list[exp.Expr] = []
        if self.plan.where is not None:
            out.append(exp.alias_(qualify(self.plan.where, "f"), "_where"))
        out += [exp.alias_(_qualify(t, "f"), n) for n, t in flags.filters.values()]
        out += [exp.alias_(_qualify(t, "f"), n) for n, t in flags.values.values()]
        return out

    def src(self, source: Source) -> exp.Select:
        """``source``'s rows in range, each with its period, keys, flags and values."""
        assert source.time is not None
        measures = [m for m in self.plan.measures.values() if m.source == source]
        time = col(source.time, "f")
        cols: list[exp.Expr] = [
            col("period_start", "p"),
            exp.alias_(_date(time.copy()), "_day"),
            exp.alias_(time.copy(), "_ts"),
            *[self._dim_column(d, source.model) for d in self._source_dims(source)],
            *[exp.alias_(col(e, "f"), f"_entity__{e}") for e in self._entities(source)],
        ]
        cols += self._row_columns(source, measures)
        if source in self.plan.balance_sources():
            for edge in ("first", "last"):
                cols.append(
                    exp.alias_(col(f"snapshot_{edge}__{source.key}", "p"), f"_snapshot_{edge}")
                )
        for cohort in dict.fromkeys(m.cohort for m in measures if m.cohort is not None):
            assert cohort is not None and cohort.entity is not None
            member = _and(
                _eq(_date(time.copy()), col(f"snapshot_first__{source.key}", "p")),
                *[qualify(f, "f") for f in cohort.filters],
                qualify(self.plan.where, "f") if self.plan.where is not None else None,
            )
            assert member is not None
            # A member has a row at the period's first snapshot that passes the cohort's
            # filter: every row of the entity in the period carries it (a boolean).
            cols.append(
                exp.alias_(
                    exp.EQ(
                        this=exp.Window(
                            this=exp.Max(
                                this=exp.Case(
                                    ifs=[exp.If(this=member, true=exp.Literal.number(1))],
                                    default=exp.Literal.number(0),
                                )
                            ),
                            partition_by=[col("period_start", "p"), qualify(cohort.entity, "f")],
                        ),
                        expression=exp.Literal.number(1),
                    ),
                    f"_cohort__{cohort.key}",
                )
            )
        return (
            exp.select(*cols)
            .from_(exp.alias_(self.relation(source.model), "f", table=True))
            .join(
                exp.alias_(exp.to_table("calendar"), "c", table=True),
                on=_eq(col("date_day", "c"), _date(time.copy())),
                join_type="inner",
            )
            .join(
                exp.alias_(self.stage("periods"), "p", table=True),
                on=_eq(col("period_start", "p"), col("period_start", "c")),
                join_type="inner",
            )
            .where(
                exp.and_(
                    _not_null(time.copy()),
                    exp.LTE(this=col("date_day", "c"), expression=col("last_closed_date", "p")),
                )
            )
        )

    def cumulative(self, measure: Measure) -> tuple[exp.Select, exp.Select]:
        """A flow summed by day, then over each period's window of days."""
        acc = measure.accumulate
        assert acc is not None
        dims = self._dims(measure.unit)
        daily = exp.select(
            col("_day"),
            *self._key_selects(dims, None),
            exp.alias_(self._measure_agg(measure), "_value"),
        ).from_(f"src__{measure.source.key}")
        if self.plan.where is not None:
            daily = daily.where(col("_where"))
        daily = self._group(daily, col("_day"), dims, None)
        on: list[exp.Expr] = [exp.LT(this=col("_day", "d"), expression=col("read_end", "p"))]
        query = exp.select(
            col("period_start", "p"),
            *[col(k, "d") for k in self.keys],
            exp.alias_(exp.Sum(this=col("_value", "d")), measure.key),
        ).from_(exp.alias_(self.stage("periods"), "p", table=True))
        if acc.window is not None:
            on.append(
                exp.GTE(
                    this=col("_day", "d"), expression=shift(col("read_end", "p"), acc.window, -1)
                )
            )
        elif acc.grain_to_date:
            query = query.join(
                exp.alias_(exp.to_table("calendar"), "cg", table=True),
                on=_eq(col("date_day", "cg"), col("period_last_day", "p")),
                join_type="inner",
            )
            on.append(
                exp.GTE(this=col("_day", "d"), expression=col(f"{acc.grain_to_date}__start", "cg"))
            )
        query = query.join(
            exp.alias_(exp.to_table(f"daily__{measure.key}"), "d", table=True),
            on=exp.and_(*on),
            join_type="inner",
        ).group_by(col("period_start", "p"), *[col(k, "d") for k in self.keys])
        return daily, query

    def conversion(self, conv: ConversionMeasure) -> exp.Select:
        """The cohort (first step, by its period) and those reaching each later step, in
        order, within the window of the first."""
        dims = self._dims(conv.unit)
        entity = f"_entity__{conv.entity}"
        first = conv.steps[0]
        conds = [col(self.flags(first.source).flag(f), "s0") for f in first.filters]
        if self.plan.where is not None:
            conds.append(col("_where", "s0"))
        last = f"s{len(conv.steps) - 1}"
        reached = _case(_not_null(col(entity, last)), col(entity, "s0"))
        query = exp.select(
            col("period_start", "s0"),
            *self._key_selects(dims, "s0"),
            exp.alias_(exp.Count(this=exp.Distinct(expressions=[reached])), f"{conv.key}__num"),
            exp.alias_(
                exp.Count(this=exp.Distinct(expressions=[col(entity, "s0")])), f"{conv.key}__den"
            ),
        ).from_(exp.alias_(exp.to_table(f"src__{first.source.key}"), "s0", table=True))
        deadline = shift(col("_ts", "s0"), conv.window, as_date=False)
        for i, step in enumerate(conv.steps[1:], start=1):
            alias, before = f"s{i}", f"s{i - 1}"
            on = [
                _eq(col(entity, alias), col(entity, before)),
                exp.GTE(this=col("_ts", alias), expression=col("_ts", before)),
                exp.LTE(this=col("_ts", alias), expression=deadline.copy()),
                *[col(self.flags(step.source).flag(f), alias) for f in step.filters],
            ]
            query = query.join(
                exp.alias_(exp.to_table(f"src__{step.source.key}"), alias, table=True),
                on=exp.and_(*on),
                join_type="left",
            )
        if conds:
            query = query.where(exp.and_(*conds))
        return self._group(query, col("period_start", "s0"), dims, "s0")

    # --- models, keys, grid, wide --------------------------------------------------------

    def models(self) -> list[str]:
        """The models whose stages the plan aggregates, in plan order."""
        return list(dict.fromkeys(self.plan.home(u) for u in self.plan.units()))

    def unit_columns(self, unit: str) -> list[str]:
        """The measure columns a stage produces."""
        cols = [m.key for m in self.plan.measures.values() if m.unit == unit]
        for c in self.plan.conversions.values():
            if c.unit == unit:
                cols += [f"{c.key}__num", f"{c.key}__den"]
        return cols

    def model_units(self, model: str) -> list[str]:
        """The stages homed at ``model``."""
        return [u for u in self.plan.units() if self.plan.home(u) == model]

    def model_sources(self, model: str) -> list[Source]:
        """The time sources ``model``'s stages read (a conversion's later step may be on
        another model)."""
        found: dict[str, Source] = {}
        for unit in self.model_units(model):
            for m in self.plan.measures.values():
                if m.unit == unit and m.source.time is not None:
                    found[m.source.key] = m.source
            for c in self.plan.conversions.values():
                if c.unit == unit:
                    steps = c.steps[:1] if c.row_local else c.steps
                    found.update({step.source.key: step.source for step in steps})
        return list(found.values())

    def model_body(self, model: str) -> list[tuple[str, exp.Query]]:
        """The aggregating stages of ``model`` (render its sources after these: they name
        the filter and value columns the sources must carry)."""
        body: list[tuple[str, exp.Query]] = []
        for unit in self.model_units(model):
            if unit.startswith("agg__"):
                source = self.plan.sources[unit[len("agg__") :]]
                stage = self.snapshot(source) if source.time is None else self.agg(source)
                body.append((unit, stage))
            elif unit.startswith("cum__"):
                measure = self.plan.measures[unit[len("cum__") :]]
                daily, cum = self.cumulative(measure)
                body += [(f"daily__{measure.key}", daily), (unit, cum)]
            else:
                conv = next(c for c in self.plan.conversions.values() if c.unit == unit)
                body.append((unit, self.conversion(conv)))
        # (A row-local conversion is in its source's agg__ stage above.)
        return body

    def model_merge(self, model: str) -> exp.Select:
        """``measures__<model>``: its stages on one row per period and key, each with a
        flag saying whether that stage has the key."""
        units = self.model_units(model)
        keys = ["period_start", *self.keys]
        if len(units) == 1:
            return exp.select(
                *[col(k) for k in keys],
                exp.alias_(exp.Literal.number(1), f"_in__{units[0]}"),
                *[col(c) for c in self.unit_columns(units[0])],
            ).from_(units[0])
        union: exp.Query | None = None
        for unit in units:
            part = exp.select(*[col(k) for k in keys]).from_(unit)
            union = part if union is None else exp.union(union, part, distinct=True)
        assert union is not None
        aliases = {u: f"u{i + 1}" for i, u in enumerate(units)}
        query = exp.select(
            *[col(k, "k") for k in keys],
            *[
                exp.alias_(
                    exp.Case(
                        ifs=[
                            exp.If(
                                this=_not_null(col("period_start", aliases[u])),
                                true=exp.Literal.number(1),
                            )
                        ],
                        default=exp.Literal.number(0),
                    ),
                    f"_in__{u}",
                )
                for u in units
            ],
            *[col(c, aliases[u]) for u in units for c in self.unit_columns(u)],
        ).from_(exp.alias_(exp.Subquery(this=union), "k", table=True))
        for unit in units:
            a = aliases[unit]
            query = query.join(
                exp.alias_(exp.to_table(unit), a, table=True),
                on=exp.and_(*[_eq(col(k, a), col(k, "k")) for k in keys]),
                join_type="left",
            )
        return query

    def model_stages(self, model: str) -> list[tuple[str, exp.Query]]:
        """Everything ``model`` contributes, its sources first, its merge last."""
        body = self.model_body(model)
        sources = [(f"src__{s.key}", self.src(s)) for s in self.model_sources(model)]
        return [*sources, *body, (f"measures__{model}", self.model_merge(model))]

    def keys_stage(self) -> exp.Query | None:
        """Every key any model's stages have (None without keys)."""
        if not self.keys:
            return None
        union: exp.Query | None = None
        for model in self.models():
            part = (
                exp.select(*[col(k) for k in self.keys])
                .distinct()
                .from_(self.stage(f"measures__{model}"))
            )
            union = part if union is None else exp.union(union, part, distinct=True)
        return union

    def _fill(self, measure: Measure, value: exp.Expr) -> exp.Expr:
        zero = exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
        kind = measure.kind
        if measure.accumulate is not None:
            return zero
        if kind == "balance":
            snap = col(f"snapshot_{measure.edge}__{measure.source.key}", "p")
            return _case(_not_null(snap), zero if measure.fill else value)
        if kind == "snapshot":
            return _case(col("is_as_of_period", "p"), zero if measure.fill else value)
        return zero if measure.fill else value

    def grid(self) -> exp.Select:
        """Every period times every key, each measure filled as its kind says."""
        models = self.models()
        alias = {m: f"m{i + 1}" for i, m in enumerate(models)}
        cols: list[exp.Expr] = [
            col("period_start", "p"),
            col("period_end", "p"),
            col("period_days", "p"),
            col("is_partial_period", "p"),
            *[col(k, "k") for k in self.keys],
        ]
        if self.plan.long:
            # Whether a stage has the key in any period (presence__<model>): a metric's
            # rows by a dimension are the values its own stages have.
            cols += [
                exp.alias_(
                    exp.Coalesce(
                        this=col(f"_in__{u}", f"q{models.index(self.plan.home(u)) + 1}"),
                        expressions=[exp.Literal.number(0)],
                    ),
                    f"_in__{u}",
                )
                for u in self.plan.units()
            ]
        for measure in self.plan.measures.values():
            a = alias[measure.source.model]
            cols.append(exp.alias_(self._fill(measure, col(measure.key, a)), measure.key))
        for conv in self.plan.conversions.values():
            a = alias[conv.steps[0].source.model]
            for part in ("num", "den"):
                name = f"{conv.key}__{part}"
                cols.append(
                    exp.alias_(
                        exp.Coalesce(this=col(name, a), expressions=[exp.Literal.number(0)]), name
                    )
                )
        query = exp.select(*cols).from_(exp.alias_(self.stage("periods"), "p", table=True))
        if self.keys:
            query = query.join(exp.alias_(self.stage("keys"), "k", table=True), join_type="cross")
        for model in models:
            a = alias[model]
            on = _and(
                _eq(col("period_start", a), col("period_start", "p")),
                *[_eq(col(k, a), col(k, "k")) for k in self.keys],
            )
            query = query.join(
                exp.alias_(self.stage(f"measures__{model}"), a, table=True),
                on=on,
                join_type="left",
            )
        if self.plan.long:
            for i, model in enumerate(models):
                q = f"q{i + 1}"
                query = query.join(
                    exp.alias_(exp.to_table(f"presence__{model}"), q, table=True),
                    on=exp.and_(*[_eq(col(k, q), col(k, "k")) for k in self.keys]),
                    join_type="left",
                )
        return query

    def presence(self, model: str) -> exp.Select:
        """Which of ``model``'s stages have each key, in any period."""
        return (
            exp.select(
                *[col(k) for k in self.keys],
                *[
                    exp.alias_(exp.Max(this=col(f"_in__{u}")), f"_in__{u}")
                    for u in self.model_units(model)
                ],
            )
            .from_(self.stage(f"measures__{model}"))
            .group_by(*[col(k) for k in self.keys])
        )

    def wide(self) -> exp.Select:
        """Every requested metric (and its parts) per period and key."""
        cols: list[exp.Expr] = [
            col("period_start", "w0"),
            col("is_partial_period", "w0"),
            *[col(k, "w0") for k in self.keys],
        ]
        if self.plan.long:
            cols += [col(f"_in__{u}", "w0") for u in self.plan.units()]
        for out in self.plan.outputs:
            name = out.metric.name
            cols.append(exp.alias_(out.value.copy(), name))
            if self.plan.parts or self.plan.long:
                for part, tree in (("numerator", out.numerator), ("denominator", out.denominator)):
                    if tree is not None:
                        cols.append(exp.alias_(as_double(tree.copy()), f"{name}__{part}"))
        query = exp.select(*cols).from_(exp.alias_(self.stage("grid"), "w0", table=True))
        for length, alias in self.plan.shifts.items():
            if alias == "w0":
                continue
            on = _and(
                _eq(col("period_start", alias), shift(col("period_start", "w0"), length, -1)),
                *[_eq(col(k, alias), col(k, "w0")) for k in self.keys],
            )
            query = query.join(
                exp.alias_(self.stage("grid"), alias, table=True), on=on, join_type="left"
            )
        return query

    # --- one query -----------------------------------------------------------------------

    def query(self) -> exp.Select:  # noqa: C901
        """The whole request as one statement: period_start, is_partial_period, the
        dimensions, one column per metric (counts as integers), within --start/--end."""
        stages: list[tuple[str, exp.Query]] = [
            ("calendar", self.calendar()),
            ("periods", self.periods(exp.Subquery(this=self.bounds()))),
        ]
        models = self.models()
        bodies = [(m, self.model_body(m)) for m in models]
        sources = {src.key: src for m in models for src in self.model_sources(m)}
        stages += [(f"src__{key}", self.src(source)) for key, source in sources.items()]
        for model, body in bodies:
            stages += [*body, (f"measures__{model}", self.model_merge(model))]
        keys = self.keys_stage()
        if keys is not None:
            stages.append(("keys", keys))
        if self.plan.long:
            stages += [(f"presence__{m}", self.presence(m)) for m in models]
        stages += [("grid", self.grid()), ("wide", self.wide())]
        final = exp.select(
            col("period_start"), col("is_partial_period"), *[col(d) for d in self.keys]
        )
        for out in self.plan.outputs:
            name = out.metric.name
            value: exp.Expr = col(name)
            if out.metric.format == "count":
                value = exp.cast(value, exp.DataType.Type.BIGINT)
            final = final.select(exp.alias_(value, name), append=True, copy=False)
            if self.plan.parts and out.numerator is not None:
                final = final.select(
                    col(f"{name}__numerator"), col(f"{name}__denominator"), append=True, copy=False
                )
        final = final.from_("wide")
        bounds: list[exp.Expr] = []
        if self.plan.start:
            bounds.append(
                exp.GTE(
                    this=col("period_start"),
                    expression=_date(exp.Literal.string(self.plan.start.isoformat())),
                )
            )
        if self.plan.end:
            bounds.append(
                exp.LT(
                    this=col("period_start"),
                    expression=_date(exp.Literal.string(self.plan.end.isoformat())),
                )
            )
        if bounds:
            final = final.where(exp.and_(*bounds))
        final = final.order_by(*[exp.Ordered(this=col(c)) for c in ["period_start", *self.keys]])
        used = _references(stages)
        for name, stage in stages:
            final = final.with_(
                name, as_=stage, materialized=True if used.get(name, 0) > 1 else None, copy=False
            )
        return final


def _references(stages: list[tuple[str, exp.Query]]) -> dict[str, int]:
    """How many times each stage is read by the others."""
    names = {n for n, _ in stages}
    counts: dict[str, int] = {}
    for _, stage in stages:
        for table in stage.find_all(exp.Table):
            if table.name in names and not table.db:
                counts[table.name] = counts.get(table.name, 0) + 1
    return counts
