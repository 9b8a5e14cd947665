"""The catalog as dbt Semantic Layer (MetricFlow) YAML: semantic_models + metrics.

Each simple (and each conversion step) becomes a measure on its model's semantic model, its
``filter`` folded into the measure (``case when filter then expr end``, which count, sum,
average and median all ignore when null); input filters of ratios and derived metrics
become MetricFlow ``{{ Dimension(...) }}`` filters. What MetricFlow cannot express is left
out and named in the file's header: metrics without a time column, multi-step funnels and
fiscal grain-to-date.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from revops_cli.metrics.catalog import Catalog
from revops_cli.metrics.guard import parse_expression
from revops_cli.metrics.spec import (
    Conversion,
    Cumulative,
    Derived,
    Metric,
    MetricInput,
    Ratio,
    Simple,
)

SPINE = "metricflow_time_spine"
#: Fiscal periods, as custom granularities on the spine.
FISCAL = ("fiscal_quarter", "fiscal_year")
SPINE_SQL = """select
    date_day,
    min(date_day) over (partition by fiscal_year, fiscal_quarter) as fiscal_quarter_start_date,
    min(date_day) over (partition by fiscal_year) as fiscal_year_start_date
from {{ ref('dim_date') }}
"""
_AGG = {
    "count": "count",
    "count_distinct": "count_distinct",
    "sum": "sum",
    "avg": "average",
    "min": "min",
    "max": "max",
    "median": "median",
    "percentile": "percentile",
}


def _is_time(data_type: str) -> bool:
    return data_type.lower().startswith(("timestamp", "date"))


class _Export:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.models: dict[str, dict[str, Any]] = {}
        self.skipped: dict[str, str] = {}
        #: (model, time column) a running total reads: kept at day grain (the spine
        #: MetricFlow joins a running total to is one row a day).
        self.daily: set[tuple[str, str]] = {
            (source.model, source.time)
            for m in catalog.metrics.values()
            if isinstance(m, Cumulative)
            for source in [catalog.metrics[m.metric]]
            if isinstance(source, Simple) and source.time
        }
        #: Hidden simple metrics a funnel's ratio reads.
        self.helpers: list[dict[str, Any]] = []

    def semantic_model(self, name: str) -> dict[str, Any]:
        if name not in self.models:
            model = self.catalog.models[name]
            entity = next(iter(model.columns))
            self.models[name] = {
                "name": name,
                "description": f"{name}, as the metric catalog reads it.",
                "model": f"ref('{name}')",
                "entities": [{"name": entity, "type": "primary"}],
                "dimensions": {},
                "measures": [],
            }
        return self.models[name]

    def granularity(self, model: str, column: str) -> str:
        """A time's granularity as its column has it: a timestamp to the second (so a
        conversion window is checked as revops checks it, 30 x 24 hours), a date a day; a
        running total's timestamp is a day too (its spine is one row a day)."""
        data_type = self.catalog.models[model].columns.get(column, "")
        precise = "timestamp" in data_type.lower() and (model, column) not in self.daily
        return "second" if precise else "day"

    def dimension(self, model: str, column: str) -> str:
        sm = self.semantic_model(model)
        data_type = self.catalog.models[model].columns.get(column, "")
        if column not in sm["dimensions"] and column != sm["entities"][0]["name"]:
            if _is_time(data_type):
                sm["dimensions"][column] = {
                    "name": column,
                    "type": "time",
                    "type_params": {"time_granularity": self.granularity(model, column)},
                }
            else:
                sm["dimensions"][column] = {"name": column, "type": "categorical"}
        return str(sm["entities"][0]["name"])

    def measure(
        self, name: str, model: str, time: str, agg: str, expr: str | None, flt: str | None,
        extra: dict[str, Any] | None = None,
    ) -> str:  # fmt: skip
        self.dimension(model, time)
        columns = list(self.catalog.models[model].columns)
        value = parse_expression(expr, columns, boolean=False) if expr else exp.Literal.number(1)
        if flt:
            cond = parse_expression(flt, columns)
            value = exp.Case(ifs=[exp.If(this=cond, true=value)])
        measure: dict[str, Any] = {
            "name": name,
            "agg": _AGG[agg],
            "expr": value.sql(),
            "agg_time_dimension": time,
            **(extra or {}),
        }
        self.semantic_model(model)["measures"].append(measure)
        return name

    def where(self, metric: Metric, text: str) -> str:
        """An input filter in MetricFlow's Jinja dimension syntax."""
        leaf = self.catalog.leaves(metric)[0]
        model = leaf.model
        tree = parse_expression(text, self.catalog.leaf_columns(metric))
        entity = self.dimension(model, next(iter(self.catalog.models[model].columns)))

        def reference(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, exp.Column):
                return node
            self.dimension(model, node.name)
            data_type = self.catalog.models[model].columns[node.name]
            ref = (
                f"{{{{ TimeDimension('{entity}__{node.name}', 'day') }}}}"
                if _is_time(data_type)
                else f"{{{{ Dimension('{entity}__{node.name}') }}}}"
            )
            return exp.var(ref)

        # The root too: a bare boolean column is a filter of its own.
        return tree.transform(reference).sql()

    def time_present(self, model: str, time: str) -> str:
        """A metric filter that drops rows without a time (MetricFlow would report them in a
        period of their own, and count them in totals without metric_time)."""
        entity = self.dimension(model, time)
        return f"{{{{ TimeDimension('{entity}__{time}', 'day') }}}} is not null"

    def unsupported(self, metric: Metric) -> str | None:  # noqa: C901
        if isinstance(metric, Simple) and metric.time is None:
            return "no time column (MetricFlow measures need one)"
        if isinstance(metric, Conversion) and len(metric.steps) > 2 and not self.one_row(metric):
            return "a multi-step funnel across rows (MetricFlow conversions have two steps)"
        if isinstance(metric, Cumulative) and (metric.grain_to_date or "").startswith("fiscal"):
            return "fiscal grain-to-date (MetricFlow has calendar grains only)"
        inputs = (
            [metric.numerator, metric.denominator]
            if isinstance(metric, Ratio)
            else metric.metrics
            if isinstance(metric, Derived)
            else []
        )
        if any(i.cohort for i in inputs):
            return "a cohort rate (an input restricted to a balance's entities at the start)"
        if any(i.offset_window and i.offset_window.endswith(("period", "periods")) for i in inputs):
            return "an offset of whole periods of any grain (MetricFlow's is a fixed window)"
        if isinstance(metric, Derived) and "period_days" in metric.expr:
            return "period_days (the days of each period)"
        for leaf in self.catalog.leaves(metric):
            if leaf.name != metric.name and self.unsupported(leaf):
                return f"reads {leaf.name}, which is not exported"
        if isinstance(metric, Cumulative | Ratio | Derived):
            names = (
                [metric.metric]
                if isinstance(metric, Cumulative)
                else [metric.numerator.metric, metric.denominator.metric]
                if isinstance(metric, Ratio)
                else [m.metric for m in metric.metrics]
            )
            for n in names:
                why = self.unsupported(self.catalog.metrics[n])
                if why:
                    return f"reads {n}, which is not exported"
        return None

    def one_row(self, metric: Conversion) -> bool:
        """Every step on the metric's model, whose entity is unique there: the funnel is a
        condition on one row, so a ratio of two measures expresses it."""
        model = self.catalog.models[metric.model]
        return metric.entity in model.unique_columns and all(
            step.model in (None, metric.model) for step in metric.steps
        )

    def funnel(self, metric: Conversion) -> list[dict[str, Any]]:
        """A multi-step funnel on one row per entity, as MetricFlow can say it: the entities
        at the first step (by its period) and those whose every later step is at or after
        the one before and within the window of the first, as two hidden simple metrics and
        their ratio."""
        columns = list(self.catalog.models[metric.model].columns)
        first = metric.steps[0]
        n, unit, _ = self.catalog.window(metric.window)
        deadline = exp.Add(
            this=exp.column(first.time),
            expression=exp.Interval(this=exp.Literal.string(str(n)), unit=exp.var(unit.upper())),
        )
        reached: list[exp.Expr] = []
        for before, step in itertools.pairwise(metric.steps):
            now = exp.column(step.time)
            reached += [
                exp.GTE(this=now.copy(), expression=exp.column(before.time)),
                exp.LTE(this=now.copy(), expression=deadline.copy()),
            ]
            if step.filter:
                reached.append(parse_expression(step.filter, columns))
        cohort_filter = (
            f"({first.filter}) and {first.time} is not null"
            if first.filter
            else f"{first.time} is not null"
        )
        converted = exp.and_(*reached, copy=False).sql()
        flt = f"({cohort_filter}) and {converted}" if cohort_filter else converted
        for name in self.catalog.dimensions(metric):
            self.dimension(metric.model, name)
        names = {"cohort": f"{metric.name}_cohort", "converted": f"{metric.name}_converted"}
        helpers = []
        for part, part_filter in (("cohort", cohort_filter), ("converted", flt)):
            helpers.append(
                {
                    "name": names[part],
                    "label": f"{metric.label}: {part}",
                    "description": f"The {part} of {metric.name} (a helper of its ratio).",
                    "type": "simple",
                    "type_params": {
                        "measure": {
                            "name": self.measure(
                                names[part],
                                metric.model,
                                first.time,
                                "count_distinct",
                                metric.entity,
                                part_filter,
                            ),
                            "fill_nulls_with": 0,
                            "join_to_timespine": True,
                        }
                    },
                    "filter": self.time_present(metric.model, first.time),
                }
            )
        params = (
            {"measure": {"name": names["converted"]}}
            if metric.calculation == "conversions"
            else {
                "numerator": {"name": names["converted"]},
                "denominator": {"name": names["cohort"]},
            }
        )
        kind = "simple" if metric.calculation == "conversions" else "ratio"
        return [*helpers, {"type": kind, "type_params": params}]

    def window(self, window: Any) -> str:
        """A window as MetricFlow writes it ('90 days'), a definition resolved."""
        n, unit, _ = self.catalog.window(window)
        return f"{n} {unit}{'s' if n != 1 else ''}"

    def inp(self, i: MetricInput) -> dict[str, Any]:
        out: dict[str, Any] = {"name": i.metric}
        if i.alias:
            out["alias"] = i.alias
        if i.offset_window:
            out["offset_window"] = i.offset_window
        if i.filter:
            out["filter"] = self.where(self.catalog.metrics[i.metric], i.filter)
        return out

    def ratio(self, metric: Ratio) -> dict[str, Any]:
        numerator = self.inp(metric.numerator)
        denominator = self.inp(metric.denominator)
        if numerator["name"] == denominator["name"] and "alias" not in numerator:
            # MetricFlow merges two inputs of one metric unless they are told apart.
            numerator["alias"] = f"{metric.name}_numerator"
        return {"numerator": numerator, "denominator": denominator}

    def metric(self, metric: Metric) -> dict[str, Any]:  # noqa: C901
        out: dict[str, Any] = {
            "name": metric.name,
            "label": metric.label,
            "description": " ".join(metric.description.split()),
            "type": metric.type,
            "config": {
                "meta": {
                    "owner": metric.owner,
                    "format": metric.format,
                    "direction": metric.direction,
                }
            },
        }
        if isinstance(metric, Simple):
            assert metric.time is not None
            extra: dict[str, Any] = {}
            if metric.percentile is not None:
                extra["agg_params"] = {"percentile": metric.percentile}
            if metric.non_additive:
                extra["non_additive_dimension"] = {
                    "name": metric.time,
                    "window_choice": "max" if metric.non_additive == "last" else "min",
                }
            measure: dict[str, Any] = {
                "name": self.measure(
                    metric.name,
                    metric.model,
                    metric.time,
                    metric.agg,
                    metric.expr,
                    metric.filter,
                    extra,
                )
            }
            for name in self.catalog.dimensions(metric):
                self.dimension(metric.model, name)
            if metric.filled and not metric.non_additive:
                # revops: an empty period of a count or a sum reads 0, not null (a balance
                # with no snapshot in the period is null).
                measure.update(fill_nulls_with=0, join_to_timespine=True)
            out["type_params"] = {"measure": measure}
            out["filter"] = self.time_present(metric.model, metric.time)
        elif isinstance(metric, Ratio):
            out["type_params"] = self.ratio(metric)
        elif isinstance(metric, Derived):
            out["type_params"] = {
                "expr": guarded(metric.expr),
                "metrics": [self.inp(i) for i in metric.metrics],
            }
        elif isinstance(metric, Cumulative):
            params: dict[str, Any] = {}
            if metric.window:
                params["window"] = self.window(metric.window)
            if metric.grain_to_date:
                params["grain_to_date"] = metric.grain_to_date
            # revops reads a running total at the period's end, not its first day.
            params["period_agg"] = "last"
            measure = {"name": metric.metric}
            source = self.catalog.metrics[metric.metric]
            if isinstance(source, Simple) and source.filled:
                measure.update(fill_nulls_with=0, join_to_timespine=True)
            out["type_params"] = {"measure": measure, "cumulative_type_params": params}
        elif isinstance(metric, Conversion) and len(metric.steps) > 2:
            *helpers, ratio = self.funnel(metric)
            self.helpers += helpers
            out.update(ratio)
        elif isinstance(metric, Conversion):
            base, conv = metric.steps
            for name in self.catalog.dimensions(metric):
                self.dimension(base.model or metric.model, name)
            names = []
            for step, suffix in ((base, "base"), (conv, "conversion")):
                model = step.model or metric.model
                self.dimension(model, metric.entity)
                names.append(
                    self.measure(
                        f"{metric.name}_{suffix}_events",
                        model,
                        step.time,
                        "count_distinct",
                        metric.entity,
                        # an event without a time is no event: not in totals either
                        f"({step.filter}) and {step.time} is not null"
                        if step.filter
                        else f"{step.time} is not null",
                    )
                )
            out["type_params"] = {
                "conversion_type_params": {
                    "entity": metric.entity,
                    "calculation": metric.calculation,
                    "base_measure": {"name": names[0]},
                    # no conversion in a period with base events: 0, as in revops
                    "conversion_measure": {"name": names[1], "fill_nulls_with": 0},
                    "window": self.window(metric.window),
                }
            }
        return out


def guarded(expr: str) -> str:
    """A derived expression with every division guarded (``x / nullif(y, 0)``): null where
    revops gives null, not NaN or infinity."""

    def guard(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Div) and not isinstance(node.expression, exp.Nullif):
            divisor = node.expression
            if isinstance(divisor, exp.Literal) and divisor.is_number and float(divisor.name):
                return node
            node.set(
                "expression", exp.Nullif(this=divisor.copy(), expression=exp.Literal.number(0))
            )
        return node

    # The catalog validated the expression when it loaded: parse it, no second check.
    return sqlglot.parse_one(expr).transform(guard).sql()


def shared_dimensions(catalog: Catalog, exported: list[str]) -> set[str]:
    """Catalog dimensions a metric reads from two models or more: exported as a foreign
    entity of that name on every model, so MetricFlow groups every input by it (group by
    ``owner_id``, not ``<entity>__owner_id``)."""
    shared: set[str] = set()
    for name in exported:
        metric = catalog.metrics.get(name)
        if metric is not None and len({leaf.model for leaf in catalog.leaves(metric)}) > 1:
            shared.update(catalog.dimensions(metric))
    return shared


def semantic_layer(catalog: Catalog) -> dict[str, str]:
    """File name -> content for the export."""
    export = _Export(catalog)
    metrics = []
    for name in sorted(catalog.metrics):
        metric = catalog.metrics[name]
        why = export.unsupported(metric)
        if why:
            export.skipped[name] = why
            continue
        metrics.append(export.metric(metric))
    metrics += export.helpers
    shared = shared_dimensions(catalog, [m["name"] for m in metrics])
    for sm in export.models.values():
        entity = sm["entities"][0]["name"]
        sm["entities"] = [{"name": entity, "type": "primary", "expr": entity}]
        sm["entities"] += [
            {"name": d, "type": "foreign", "expr": d}
            for d in sorted(shared)
            if d in sm["dimensions"]
        ]
        sm["dimensions"] = [d for n, d in sm["dimensions"].items() if n not in shared]
        times = [d["name"] for d in sm["dimensions"] if d["type"] == "time"]
        sm["defaults"] = {"agg_time_dimension": times[0]}
    skipped = "".join(f"#   {n}: {why}\n" for n, why in sorted(export.skipped.items()))
    header = "# GENERATED by `revops metrics export --semantic-layer` from metrics/*.yml.\n" + (
        f"# Not exported (MetricFlow cannot express them):\n{skipped}" if skipped else ""
    )
    spine_yml = {
        "version": 2,
        "models": [
            {
                "name": SPINE,
                "description": (
                    "The day spine MetricFlow needs (from dim_date), with the fiscal quarter"
                    " and year (dbt_project.yml: fiscal_year_start_month) as custom"
                    " granularities, each named by its first day as revops names periods."
                ),
                "time_spine": {
                    "standard_granularity_column": "date_day",
                    "custom_granularities": [
                        {"name": g, "column_name": f"{g}_start_date"} for g in FISCAL
                    ],
                },
                "columns": [
                    {"name": "date_day", "granularity": "day"},
                    *({"name": f"{g}_start_date"} for g in FISCAL),
                ],
            }
        ],
    }

    def dump(data: Any) -> str:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    return {
        f"{SPINE}.sql": SPINE_SQL,
        f"_{SPINE}.yml": dump(spine_yml),
        "semantic_models.yml": header + dump({"semantic_models": list(export.models.values())}),
        "metrics.yml": header + dump({"metrics": metrics}),
    }


def write_semantic_layer(catalog: Catalog, folder: Path) -> list[Path]:
    """Write the export into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in semantic_layer(catalog).items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    return written
