"""The metrics layer: every KPI defined once in metrics/*.yml, compiled with sqlglot.

- ``catalog``: load and validate the YAML (file:line:column errors);
- ``compiler``: a Request (metrics, grain, dimensions, filter, range) to SQL in any dialect;
- ``generate``: the metric_values and kpi_monthly dbt models for BI tools;
- ``semantic``: the dbt Semantic Layer export.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from sqlglot import exp

from revops_cli.metrics.catalog import Catalog, load_catalog
from revops_cli.metrics.compiler import Request, compile_query, dialect_for
from revops_cli.metrics.guard import parse_expression
from revops_cli.metrics.models import source_lineage
from revops_cli.metrics.spec import Conversion, Metric, Simple
from revops_cli.project import Project

__all__ = [
    "Catalog",
    "Request",
    "catalog_rows",
    "compile_query",
    "dialect_for",
    "load_catalog",
    "run_query",
    "show_text",
]


@dataclass(frozen=True)
class Answer:
    """A query's result and the SQL that produced it."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str


def run_query(project: Project, request: Request) -> Answer:
    """Compile ``request`` for the active target and run it there (no dbt involved)."""
    from revops_cli import warehouse

    catalog = load_catalog(project.project_dir)
    sql = compile_query(catalog, request, dialect=dialect_for(project.target_type()))
    columns, rows = warehouse.query(project, sql)
    return Answer(columns, whole_counts(catalog, columns, rows), sql)


def whole_counts(
    catalog: Catalog, columns: list[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Values of count-format metrics as integers (the SQL returns them as doubles), so
    `revops query` prints 89, not 89.00, and JSON holds 89."""
    counts = {
        i
        for i, c in enumerate(columns)
        if c in catalog.metrics and catalog.metrics[c].format == "count"
    }

    def whole(value: Any) -> Any:
        if isinstance(value, float | Decimal) and value == int(value):
            return int(value)
        return value

    return [tuple(whole(v) if i in counts else v for i, v in enumerate(r)) for r in rows]


def catalog_rows(catalog: Catalog) -> list[tuple[str, ...]]:
    """One row per metric for `revops metrics list`."""
    return [
        (m.name, m.type, m.owner, m.format, ", ".join(catalog.dimensions(m)), m.label)
        for m in sorted(
            catalog.metrics.values(), key=lambda m: (catalog.files[m.name].stem, m.name)
        )
    ]


def lineage(catalog: Catalog, metric: Metric) -> dict[str, Any]:
    """The marts and columns ``metric`` reads, and (with a dbt manifest) their raw sources."""
    marts: dict[str, set[str]] = {}
    for leaf in catalog.leaves(metric):
        if isinstance(leaf, Simple):
            cols = {*([leaf.time] if leaf.time else []), *(leaf.dimensions or [])}
            for text, boolean in ((leaf.expr, False), (leaf.filter, True)):
                if text:
                    tree = parse_expression(
                        text, catalog.models[leaf.model].columns, boolean=boolean
                    )
                    cols |= {c.name for c in tree.find_all(exp.Column)}
            marts.setdefault(leaf.model, set()).update(cols)
        elif isinstance(leaf, Conversion):
            for step in leaf.steps:
                marts.setdefault(step.model or leaf.model, set()).update(
                    {leaf.entity, step.time, *(leaf.dimensions or [])}
                )
    sources = source_lineage(catalog.project_dir, list(marts))
    return {
        "marts": {m: sorted(c) for m, c in sorted(marts.items())},
        "raw_sources": sources if sources is not None else "run dbt parse (or any build) to see",
        "inputs": [leaf.name for leaf in catalog.leaves(metric) if leaf.name != metric.name],
    }


def show_text(catalog: Catalog, metric: Metric, dialect: str = "duckdb") -> str:
    """The definition, its lineage and its SQL (by month, in total)."""
    definition = metric.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
    parts = {
        "defined_in": str(catalog.files[metric.name].name),
        "definition": definition,
        "dimensions": catalog.dimensions(metric),
        "lineage": lineage(catalog, metric),
    }
    sql = compile_query(catalog, Request([metric.name], grain="month"), dialect=dialect)
    return yaml.safe_dump(parts, sort_keys=False, allow_unicode=True, width=100) + (
        f"sql ({dialect}, by month):\n{sql}"
    )
