"""Compile metrics to SQL: sqlglot expressions all the way, then one dialect at the end.

The query has the same shape for every request:

- ``calendar``: dim_date with the start of every grain's period for each day (fiscal
  quarters and years from dim_date's fiscal columns);
- ``spine`` and ``grid``: every period the data (or the requested range) covers, times every
  combination of the requested dimensions' values, so empty periods appear;
- one ``rows__*`` CTE per leaf (the model's rows after filters), one ``series__*`` CTE per
  metric, dense on the grid (counts and sums read 0 in an empty period, the rest null);
- a final select joining the series to the grid, within --start/--end.

A ratio divides the numerator's and the denominator's values at the requested grain, so it is
sum(numerator) / sum(denominator) there, never a mean of ratios.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from revops_cli.errors import ConfigError
from revops_cli.metrics.catalog import SPINE_MODEL, Catalog
from revops_cli.metrics.guard import parse_expression, qualify
from revops_cli.metrics.spec import (
    GRAINS,
    Conversion,
    Cumulative,
    Derived,
    Metric,
    MetricInput,
    Ratio,
    Simple,
    parse_window,
)

#: dbt adapter type -> sqlglot dialect.
DIALECTS = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "databricks": "databricks",
    "spark": "spark",
}
NONE_VALUE = "(none)"

Relation = Callable[[str], exp.Table]


def dialect_for(adapter_type: str) -> str:
    """The sqlglot dialect for a dbt adapter type."""
    try:
        return DIALECTS[adapter_type]
    except KeyError as exc:
        raise ConfigError(
            f"no SQL dialect for target type {adapter_type!r} (supported: {', '.join(DIALECTS)})"
        ) from exc


@dataclass(frozen=True)
class Request:
    """What to compute: metrics at a grain, by dimensions, filtered, within [start, end)."""

    metrics: Sequence[str]
    grain: str = "month"
    dimensions: Sequence[str] = ()
    where: str | None = None
    start: date | None = None
    end: date | None = None
    parts: bool = False


def schema_relation(catalog: Catalog) -> Relation:
    """Models as schema.name (the folder's fixed +schema), for queries outside dbt."""

    def relation(name: str) -> exp.Table:
        return exp.table_(name, db=catalog.models[name].schema)

    return relation


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def _date(value: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)


def _shift(value: exp.Expr, amount: int, unit: str) -> exp.Expr:
    return exp.DateAdd(
        this=value, expression=exp.Literal.number(amount), unit=exp.var(unit.upper())
    )


def _and(conditions: Sequence[exp.Expr]) -> exp.Expr | None:
    return exp.and_(*conditions) if conditions else None


def _double(value: exp.Expr) -> exp.Expr:
    return exp.cast(value, exp.DataType.Type.DOUBLE)


def _safe_div(num: exp.Expr, den: exp.Expr) -> exp.Expr:
    return exp.Div(
        this=_double(num), expression=exp.Nullif(this=den, expression=exp.Literal.number(0))
    )


def _guard_divisions(tree: exp.Expr) -> exp.Expr:
    """Every division in ``tree`` as num / nullif(den, 0), nested ones too (deepest first:
    sqlglot's transform does not revisit a subtree it has just replaced). PostgreSQL raises
    on a division by zero where DuckDB returns null."""
    for div in reversed(list(tree.find_all(exp.Div))):
        safe = _safe_div(div.this, div.expression)
        if div is tree:
            tree = safe
        else:
            div.replace(safe)
    return tree


def _on(left: str, right: str, dims: Sequence[str], period: exp.Expr | None = None) -> exp.Expr:
    period_match = period if period is not None else _col("_period", left)
    conds: list[exp.Expr] = [exp.EQ(this=_col("_period", right), expression=period_match)]
    conds += [exp.EQ(this=_col(d, right), expression=_col(d, left)) for d in dims]
    return exp.and_(*conds)


@dataclass
class _State:
    rows: list[tuple[str, exp.Query]] = field(default_factory=list)
    ctes: list[tuple[str, exp.Query]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    leaf_rows: list[str] = field(default_factory=list)
    dim_sources: list[str] = field(default_factory=list)


class Compiler:
    """Builds one query for a Request against a Catalog."""

    def __init__(self, catalog: Catalog, request: Request, relation: Relation | None = None):
        self.catalog = catalog
        self.request = request
        self.relation = relation or schema_relation(catalog)
        if request.grain not in GRAINS:
            raise ConfigError(f"grain {request.grain!r}: expected one of {', '.join(GRAINS)}")
        if not request.metrics:
            raise ConfigError("name at least one metric")
        if request.start and request.end and request.start >= request.end:
            raise ConfigError(f"--start {request.start} is not before --end {request.end}")
        self.metrics = [catalog.get(n) for n in dict.fromkeys(request.metrics)]
        self.dims = list(dict.fromkeys(request.dimensions))
        for metric in self.metrics:
            allowed = catalog.dimensions(metric)
            for d in self.dims:
                if d not in allowed:
                    raise ConfigError(
                        f"{metric.name} cannot be sliced by '{d}' "
                        f"(its dimensions: {', '.join(allowed) or 'none'})"
                    )
        self.where = (
            parse_expression(request.where, self.dims, what="--where") if request.where else None
        )
        if self.where is not None and not self.dims:
            # --where may only use the dimensions asked for: that is what keeps it portable
            # across every metric in the request.
            pass
        self.state = _State()

    # --- the public entry ----------------------------------------------------------------

    def query(self) -> exp.Select:
        """The whole query: period_start, the dimensions, one column per metric."""
        series = [self._series(m, ()) for m in self.metrics]
        head = self._head()
        # The series meet in one long relation pivoted by conditional aggregation: one join
        # whatever the number of metrics (a join per metric defeats planners past ~50).
        long: exp.Query | None = None
        for metric, name in zip(self.metrics, series, strict=True):
            part = exp.select(
                exp.alias_(exp.Literal.string(metric.name), "_metric"),
                "_period",
                *self.dims,
                *[exp.alias_(_double(_col(c)), c) for c in ("_value", "_num", "_den")],
            ).from_(name)
            long = part if long is None else exp.union(long, part, distinct=False, copy=False)
        assert long is not None
        self.state.ctes.append(("long_values", long))
        final = exp.select(exp.alias_(_col("_period", "g"), "period_start"))
        final = final.select(*[_col(d, "g") for d in self.dims], append=True, copy=False)
        columns = [("_value", "")]
        if self.request.parts:
            columns += [("_num", "__numerator"), ("_den", "__denominator")]
        for metric in self.metrics:
            for col, suffix in columns:
                pick = exp.Case(
                    ifs=[
                        exp.If(
                            this=exp.EQ(
                                this=_col("_metric", "l"),
                                expression=exp.Literal.string(metric.name),
                            ),
                            true=_col(col, "l"),
                        )
                    ]
                )
                final = final.select(
                    exp.alias_(exp.Max(this=pick), f"{metric.name}{suffix}"),
                    append=True,
                    copy=False,
                )
        final = final.join(
            exp.alias_(exp.to_table("long_values"), "l", table=True),
            on=_on("g", "l", self.dims),
            join_type="left",
        )
        final = final.group_by(_col("_period", "g"), *[_col(d, "g") for d in self.dims])
        final = final.from_(exp.alias_(exp.to_table("grid"), "g", table=True))
        bounds: list[exp.Expr] = []
        if self.request.start:
            bounds.append(exp.GTE(this=_col("_period", "g"), expression=_date(self.request.start)))
        if self.request.end:
            bounds.append(exp.LT(this=_col("_period", "g"), expression=_date(self.request.end)))
        if bounds:
            final = final.where(exp.and_(*bounds))
        final = final.order_by(
            exp.Ordered(this=exp.column("period_start")),
            *[exp.Ordered(this=exp.column(d)) for d in self.dims],
        )
        ctes = [*head[:2], *self.state.rows, *head[2:], *self.state.ctes]
        shared = {"calendar", "bounds", "spine", "dim_values", "grid", *self._shared()}
        for name, cte in ctes:
            final = final.with_(
                name, as_=cte, materialized=True if name in shared else None, copy=False
            )
        return final

    def _shared(self) -> list[str]:
        """Series read by more than one consumer: computed once, not once per reader."""
        counts: dict[str, int] = {}
        for _, cte in self.state.ctes:
            for table in cte.find_all(exp.Table):
                counts[table.name] = counts.get(table.name, 0) + 1
        return [n for n, c in counts.items() if c > 1 and n.startswith(("series__", "rows__"))]

    # --- calendar, spine and grid --------------------------------------------------------

    def _head(self) -> list[tuple[str, exp.Query]]:
        dd = self.relation(SPINE_MODEL)
        cal = exp.select(
            "date_day",
            exp.alias_(_col("date_day"), "day_start"),
            exp.alias_(_col("week_start_date"), "week_start"),
            exp.alias_(_col("month_start_date"), "month_start"),
            exp.alias_(_col("quarter_start_date"), "quarter_start"),
            exp.alias_(_col("year_start_date"), "year_start"),
            exp.alias_(
                exp.Window(
                    this=exp.Min(this=_col("date_day")),
                    partition_by=[_col("fiscal_year"), _col("fiscal_quarter")],
                ),
                "fiscal_quarter_start",
            ),
            exp.alias_(
                exp.Window(this=exp.Min(this=_col("date_day")), partition_by=[_col("fiscal_year")]),
                "fiscal_year_start",
            ),
        ).from_(dd)
        grain_col = f"{self.request.grain}_start"
        periods = (
            exp.select(
                exp.alias_(_col(grain_col), "_period"),
                exp.alias_(_shift(exp.Max(this=_col("date_day")), 1, "day"), "_period_end"),
            )
            .from_("calendar")
            .group_by(_col(grain_col))
        )
        days = [exp.select("_day").from_(name) for name in self.state.leaf_rows]
        if not days:
            # Snapshot metrics only (no time column): the period holding today, unless a
            # range is given.
            days = [exp.select(exp.alias_(exp.CurrentDate(), "_day"))]
        union: exp.Query = days[0]
        for d in days[1:]:
            union = exp.union(union, d, distinct=False, copy=False)
        bounds = exp.select(
            exp.alias_(exp.Min(this=_col("_day")), "_lo"),
            exp.alias_(exp.Max(this=_col("_day")), "_hi"),
        ).from_(exp.alias_(exp.Subquery(this=union), "u", table=True))
        in_data = exp.and_(
            exp.GT(this=_col("_period_end", "p"), expression=_col("_lo", "b")),
            exp.LTE(this=_col("_period", "p"), expression=_col("_hi", "b")),
        )
        if self.request.start and self.request.end:
            in_range = exp.and_(
                exp.GT(this=_col("_period_end", "p"), expression=_date(self.request.start)),
                exp.LT(this=_col("_period", "p"), expression=_date(self.request.end)),
            )
            in_data = exp.or_(exp.paren(in_data), exp.paren(in_range))
        spine = (
            exp.select(_col("_period", "p"), _col("_period_end", "p"))
            .from_(exp.alias_(exp.to_table("periods"), "p", table=True))
            .join(exp.alias_(exp.to_table("bounds"), "b", table=True), join_type="cross")
            .where(in_data)
        )
        head: list[tuple[str, exp.Query]] = [
            ("calendar", cal),
            ("periods", periods),
            ("bounds", bounds),
            ("spine", spine),
        ]
        if self.dims:
            values: exp.Query = exp.select(*self.dims).from_(self.state.dim_sources[0])
            for name in self.state.dim_sources[1:]:
                values = exp.union(
                    values, exp.select(*self.dims).from_(name), distinct=True, copy=False
                )
            head.append(("dim_values", values))
            grid = (
                exp.select(
                    _col("_period", "s"),
                    _col("_period_end", "s"),
                    *[_col(d, "v") for d in self.dims],
                )
                .from_(exp.alias_(exp.to_table("spine"), "s", table=True))
                .join(exp.alias_(exp.to_table("dim_values"), "v", table=True), join_type="cross")
            )
        else:
            grid = exp.select("_period", "_period_end").from_("spine")
        head.append(("grid", grid))
        return head

    # --- series ----------------------------------------------------------------------------

    def _add(self, base: str, query: exp.Query, early: bool = False) -> str:
        name = base
        taken = {n for n, _ in [*self.state.rows, *self.state.ctes]}
        i = 2
        while name in taken:
            name = f"{base}_{i}"
            i += 1
        early = early or base.startswith("rows__")
        (self.state.rows if early else self.state.ctes).append((name, query))
        return name

    def _series(self, metric: Metric, filters: tuple[str, ...]) -> str:
        """The CTE holding ``metric``'s values on the grid (columns _period, dims, _value,
        _num, _den); ``filters`` come from ratio and derived inputs."""
        key = repr((metric.name, filters))
        if key in self.state.names:
            return self.state.names[key]
        if isinstance(metric, Simple):
            name = self._simple(metric, filters)
        elif isinstance(metric, Cumulative):
            base = self.catalog.metrics[metric.metric]
            assert isinstance(base, Simple)
            name = self._simple(base, filters, cumulative=metric)
        elif isinstance(metric, Ratio):
            name = self._ratio(metric, filters)
        elif isinstance(metric, Derived):
            name = self._derived(metric, filters)
        else:
            name = self._conversion(metric, filters)
        self.state.names[key] = name
        return name

    def _input(self, inp: MetricInput, filters: tuple[str, ...]) -> str:
        extra = (*filters, inp.filter) if inp.filter else filters
        return self._series(self.catalog.metrics[inp.metric], extra)

    def _filters(
        self, model: str, own: Sequence[str | None], filters: tuple[str, ...], what: str
    ) -> list[exp.Expr]:
        columns = list(self.catalog.models[model].columns)
        out = [
            qualify(parse_expression(text, columns, what=what), "f")
            for text in [*own, *filters]
            if text
        ]
        if self.where is not None:
            out.append(qualify(self.where, "f"))
        return out

    def _dim_selects(self, table: str = "f") -> list[exp.Expr]:
        return [
            exp.alias_(
                exp.Coalesce(
                    this=exp.cast(_col(d, table), exp.DataType.Type.VARCHAR),
                    expressions=[exp.Literal.string(NONE_VALUE)],
                ),
                d,
            )
            for d in self.dims
        ]

    def _simple(
        self, metric: Simple, filters: tuple[str, ...], cumulative: Cumulative | None = None
    ) -> str:
        columns = list(self.catalog.models[metric.model].columns)
        value: exp.Expr = (
            qualify(
                parse_expression(
                    metric.expr, columns, what=f"expr of {metric.name}", boolean=False
                ),
                "f",
            )
            if metric.expr
            else exp.Literal.number(1)
        )
        own = self._filters(metric.model, [metric.filter], filters, f"filter of {metric.name}")
        if metric.time is None:
            return self._constant(metric, value, own)
        conds = [exp.Not(this=exp.Is(this=_col(metric.time, "f"), expression=exp.Null())), *own]
        rows = (
            exp.select(
                exp.alias_(exp.cast(_col(metric.time, "f"), exp.DataType.Type.DATE), "_day"),
                *self._dim_selects(),
                exp.alias_(value, "_v"),
            )
            .from_(exp.alias_(self.relation(metric.model), "f", table=True))
            .where(exp.and_(*conds))
        )
        rows_name = self._add(f"rows__{metric.name}", rows)
        self.state.leaf_rows.append(rows_name)
        self.state.dim_sources.append(rows_name)
        agg = self._aggregate(metric, _col("_v", "r"))
        grain_col = f"{self.request.grain}_start"
        dims_r = [_col(d, "r") for d in self.dims]
        if cumulative is not None:
            lower: list[exp.Expr] = []
            sparse = exp.select(_col("_period", "p"), *dims_r, exp.alias_(agg, "_value")).from_(
                exp.alias_(exp.to_table("spine"), "p", table=True)
            )
            on: list[exp.Expr] = [
                exp.LT(this=_col("_day", "r"), expression=_col("_period_end", "p"))
            ]
            if cumulative.window:
                n, unit = parse_window(cumulative.window)
                on.append(
                    exp.GTE(
                        this=_col("_day", "r"),
                        expression=_shift(_col("_period_end", "p"), -n, unit),
                    )
                )
            elif cumulative.grain_to_date:
                sparse = sparse.join(
                    exp.alias_(exp.to_table("calendar"), "cg", table=True),
                    on=exp.EQ(this=_col("date_day", "cg"), expression=_col("_period", "p")),
                    join_type="inner",
                )
                on.append(
                    exp.GTE(
                        this=_col("_day", "r"),
                        expression=_col(f"{cumulative.grain_to_date}_start", "cg"),
                    )
                )
            sparse = sparse.join(
                exp.alias_(exp.to_table(rows_name), "r", table=True),
                on=exp.and_(*on, *lower),
                join_type="inner",
            ).group_by(_col("_period", "p"), *dims_r)
            filled = metric.filled
            label = cumulative.name
        else:
            source: exp.Expr = exp.alias_(exp.to_table(rows_name), "r", table=True)
            joined = (
                exp.select(exp.alias_(_col(grain_col, "c"), "_period"), "r.*")
                .from_(source)
                .join(
                    exp.alias_(exp.to_table("calendar"), "c", table=True),
                    on=exp.EQ(this=_col("date_day", "c"), expression=_col("_day", "r")),
                    join_type="inner",
                )
            )
            if metric.non_additive:
                edge = exp.Max if metric.non_additive == "last" else exp.Min
                joined = joined.select(
                    exp.alias_(
                        exp.Window(
                            this=edge(this=_col("_day", "r")), partition_by=[_col(grain_col, "c")]
                        ),
                        "_edge",
                    ),
                    append=True,
                    copy=False,
                )
                where: exp.Expr | None = exp.EQ(
                    this=_col("_day", "r"), expression=_col("_edge", "r")
                )
            else:
                where = None
            sparse = exp.select(_col("_period", "r"), *dims_r, exp.alias_(agg, "_value")).from_(
                exp.alias_(exp.Subquery(this=joined), "r", table=True)
            )
            if where is not None:
                sparse = sparse.where(where)
            sparse = sparse.group_by(_col("_period", "r"), *dims_r)
            filled = metric.filled
            label = metric.name
        sparse_name = self._add(f"agg__{label}", sparse)
        value_col: exp.Expr = _col("_value", "a")
        if filled:
            value_col = exp.Coalesce(this=value_col, expressions=[exp.Literal.number(0)])
        dense = (
            exp.select(
                _col("_period", "g"),
                *[_col(d, "g") for d in self.dims],
                exp.alias_(value_col, "_value"),
                exp.alias_(exp.Null(), "_num"),
                exp.alias_(exp.Null(), "_den"),
            )
            .from_(exp.alias_(exp.to_table("grid"), "g", table=True))
            .join(
                exp.alias_(exp.to_table(sparse_name), "a", table=True),
                on=_on("g", "a", self.dims),
                join_type="left",
            )
        )
        return self._add(f"series__{label}", dense)

    def _constant(self, metric: Simple, value: exp.Expr, conds: list[exp.Expr]) -> str:
        """A metric without time: one aggregate over the model, the same in every period."""
        dims_f = [_col(d, "f") for d in self.dims]
        sparse = exp.select(
            *self._dim_selects(), exp.alias_(self._aggregate(metric, value), "_value")
        ).from_(exp.alias_(self.relation(metric.model), "f", table=True))
        if conds:
            sparse = sparse.where(exp.and_(*conds))
        if dims_f:
            sparse = sparse.group_by(*dims_f)
        sparse_name = self._add(f"agg__{metric.name}", sparse, early=True)
        self.state.dim_sources.append(sparse_name)
        value_col: exp.Expr = _col("_value", "a")
        if metric.filled:
            value_col = exp.Coalesce(this=value_col, expressions=[exp.Literal.number(0)])
        join = exp.alias_(exp.to_table(sparse_name), "a", table=True)
        dense = exp.select(
            _col("_period", "g"),
            *[_col(d, "g") for d in self.dims],
            exp.alias_(value_col, "_value"),
            exp.alias_(exp.Null(), "_num"),
            exp.alias_(exp.Null(), "_den"),
        ).from_(exp.alias_(exp.to_table("grid"), "g", table=True))
        if self.dims:
            on = exp.and_(*[exp.EQ(this=_col(d, "a"), expression=_col(d, "g")) for d in self.dims])
            dense = dense.join(join, on=on, join_type="left")
        else:
            dense = dense.join(join, join_type="cross")
        return self._add(f"series__{metric.name}", dense)

    def _aggregate(self, metric: Simple, value: exp.Expr) -> exp.Expr:
        agg = metric.agg
        if agg == "count":
            return exp.Count(this=value)
        if agg == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[value]))
        if agg == "sum":
            return exp.Sum(this=value)
        if agg == "avg":
            return exp.Avg(this=_double(value))
        if agg == "min":
            return exp.Min(this=value)
        if agg == "max":
            return exp.Max(this=value)
        fraction = 0.5 if agg == "median" else float(metric.percentile or 0.5)
        return exp.WithinGroup(
            this=exp.PercentileCont(this=exp.Literal.number(fraction)),
            expression=exp.Order(expressions=[exp.Ordered(this=_double(value))]),
        )

    def _ratio(self, metric: Ratio, filters: tuple[str, ...]) -> str:
        num = self._input(metric.numerator, filters)
        den = self._input(metric.denominator, filters)
        query = (
            exp.select(
                _col("_period", "g"),
                *[_col(d, "g") for d in self.dims],
                exp.alias_(_safe_div(_col("_value", "n"), _col("_value", "d")), "_value"),
                exp.alias_(_col("_value", "n"), "_num"),
                exp.alias_(_col("_value", "d"), "_den"),
            )
            .from_(exp.alias_(exp.to_table("grid"), "g", table=True))
            .join(
                exp.alias_(exp.to_table(num), "n", table=True),
                on=_on("g", "n", self.dims),
                join_type="left",
            )
            .join(
                exp.alias_(exp.to_table(den), "d", table=True),
                on=_on("g", "d", self.dims),
                join_type="left",
            )
        )
        return self._add(f"series__{metric.name}", query)

    def _derived(self, metric: Derived, filters: tuple[str, ...]) -> str:
        tree = parse_expression(
            metric.expr,
            [m.ref for m in metric.metrics],
            what=f"expr of {metric.name}",
            boolean=False,
        )
        query = exp.select(_col("_period", "g"), *[_col(d, "g") for d in self.dims]).from_(
            exp.alias_(exp.to_table("grid"), "g", table=True)
        )
        aliases: dict[str, str] = {}
        for i, inp in enumerate(metric.metrics):
            name = self._input(inp, filters)
            alias = f"i{i}"
            aliases[inp.ref] = alias
            period = None
            if inp.offset_window:
                n, unit = parse_window(inp.offset_window)
                period = _shift(_col("_period", "g"), -n, unit)
            query = query.join(
                exp.alias_(exp.to_table(name), alias, table=True),
                on=_on("g", alias, self.dims, period=period),
                join_type="left",
            )
        tree = tree.transform(
            lambda n: _col("_value", aliases[n.name]) if isinstance(n, exp.Column) else n
        )
        tree = _guard_divisions(tree)
        query = query.select(
            exp.alias_(tree, "_value"),
            exp.alias_(exp.Null(), "_num"),
            exp.alias_(exp.Null(), "_den"),
            append=True,
            copy=False,
        )
        return self._add(f"series__{metric.name}", query)

    def _conversion(self, metric: Conversion, filters: tuple[str, ...]) -> str:
        n, unit = parse_window(metric.window)
        steps: list[str] = []
        for i, step in enumerate(metric.steps):
            model = step.model or metric.model
            own = self._filters(
                model, [step.filter], filters if i == 0 else (), f"filter of {metric.name}"
            )
            if i > 0 and self.where is not None:
                own = own[:-1]  # --where slices the cohort (the first step), not later steps
            conds = [exp.Not(this=exp.Is(this=_col(step.time, "f"), expression=exp.Null())), *own]
            cols: list[exp.Expr] = [
                exp.alias_(_col(metric.entity, "f"), "_entity"),
                exp.alias_(_col(step.time, "f"), "_ts"),
            ]
            if i == 0:
                cols += [exp.alias_(exp.cast(_col(step.time, "f"), exp.DataType.Type.DATE), "_day")]
                cols += self._dim_selects()
            rows = (
                exp.select(*cols)
                .from_(exp.alias_(self.relation(model), "f", table=True))
                .where(exp.and_(*conds))
            )
            steps.append(self._add(f"rows__{metric.name}_{i}", rows))
        self.state.leaf_rows.append(steps[0])
        self.state.dim_sources.append(steps[0])
        grain_col = f"{self.request.grain}_start"
        deadline = _shift(_col("_ts", "s0"), n, unit)
        sparse = (
            exp.select(
                exp.alias_(_col(grain_col, "c"), "_period"),
                *[_col(d, "s0") for d in self.dims],
                exp.alias_(
                    exp.Count(this=exp.Distinct(expressions=[_col("_entity", "s0")])), "_den"
                ),
            )
            .from_(exp.alias_(exp.to_table(steps[0]), "s0", table=True))
            .join(
                exp.alias_(exp.to_table("calendar"), "c", table=True),
                on=exp.EQ(this=_col("date_day", "c"), expression=_col("_day", "s0")),
                join_type="inner",
            )
        )
        for i in range(1, len(steps)):
            alias = f"s{i}"
            sparse = sparse.join(
                exp.alias_(exp.to_table(steps[i]), alias, table=True),
                on=exp.and_(
                    exp.EQ(this=_col("_entity", alias), expression=_col("_entity", f"s{i - 1}")),
                    exp.GTE(this=_col("_ts", alias), expression=_col("_ts", f"s{i - 1}")),
                    exp.LTE(this=_col("_ts", alias), expression=deadline.copy()),
                ),
                join_type="left",
            )
        last = f"s{len(steps) - 1}"
        reached = exp.Case(
            ifs=[
                exp.If(
                    this=exp.Not(this=exp.Is(this=_col("_entity", last), expression=exp.Null())),
                    true=_col("_entity", "s0"),
                )
            ]
        )
        sparse = sparse.select(
            exp.alias_(exp.Count(this=exp.Distinct(expressions=[reached])), "_num"),
            append=True,
            copy=False,
        ).group_by(_col(grain_col, "c"), *[_col(d, "s0") for d in self.dims])
        sparse_name = self._add(f"agg__{metric.name}", sparse)
        zero = exp.Literal.number(0)
        num = exp.Coalesce(this=_col("_num", "a"), expressions=[zero])
        den = exp.Coalesce(this=_col("_den", "a"), expressions=[zero.copy()])
        value = (
            _safe_div(num.copy(), den.copy())
            if metric.calculation == "conversion_rate"
            else num.copy()
        )
        dense = (
            exp.select(
                _col("_period", "g"),
                *[_col(d, "g") for d in self.dims],
                exp.alias_(value, "_value"),
                exp.alias_(num, "_num"),
                exp.alias_(den, "_den"),
            )
            .from_(exp.alias_(exp.to_table("grid"), "g", table=True))
            .join(
                exp.alias_(exp.to_table(sparse_name), "a", table=True),
                on=_on("g", "a", self.dims),
                join_type="left",
            )
        )
        return self._add(f"series__{metric.name}", dense)


def compile_query(
    catalog: Catalog,
    request: Request,
    dialect: str = "duckdb",
    relation: Relation | None = None,
    pretty: bool = True,
) -> str:
    """The SQL answering ``request`` in ``dialect``."""
    tree = Compiler(catalog, request, relation).query()
    return for_dialect(tree, dialect).sql(dialect=dialect, pretty=pretty)


#: Dialects that understand ``AS MATERIALIZED`` (the others decide for themselves).
MATERIALIZING = ("duckdb", "postgres")
#: Dialects whose exact continuous percentile is ``percentile(x, p)``: sqlglot writes
#: ``percentile_cont(p) within group (order by x)`` there as PERCENTILE_APPROX, an estimate.
EXACT_PERCENTILE = ("spark", "databricks")


def for_dialect(tree: exp.Query, dialect: str) -> exp.Query:
    """``tree`` adjusted for ``dialect``: CTE materialisation hints only where understood,
    and exact percentiles where sqlglot would write approximate ones."""
    if dialect in MATERIALIZING:
        return tree
    out = tree.copy()
    for cte in out.find_all(exp.CTE):
        cte.set("materialized", None)
    if dialect in EXACT_PERCENTILE:
        for node in list(out.find_all(exp.WithinGroup)):
            if isinstance(node.this, exp.PercentileCont):
                value = node.expression.expressions[0].this
                node.replace(exp.Anonymous(this="PERCENTILE", expressions=[value, node.this.this]))
    return out
