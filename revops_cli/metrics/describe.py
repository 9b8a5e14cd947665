"""What `revops metrics list` and `revops metrics show` print: the catalog, one definition
with its lineage (marts, columns, raw sources) and its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from sqlglot import exp

from revops_cli.metrics.catalog import Catalog
from revops_cli.metrics.compiler import compile_query
from revops_cli.metrics.guard import parse_expression
from revops_cli.metrics.models import source_lineage
from revops_cli.metrics.request import Request
from revops_cli.metrics.spec import Conversion, Metric, Simple

LIST_COLUMNS = ["metric", "type", "owner", "format", "dimensions", "needs", "status", "label"]


def catalog_rows(catalog: Catalog, systems_off: Sequence[str] = ()) -> list[tuple[str, ...]]:
    """One row per metric for `revops metrics list`: ``needs`` the source systems below it,
    ``status`` on, or off naming the systems revops_sources turns off."""
    rows: list[tuple[str, ...]] = []
    for m in sorted(catalog.metrics.values(), key=lambda m: (catalog.files[m.name].stem, m.name)):
        needs = catalog.systems(m)
        off = [s for s in needs if s in systems_off]
        status = f"off (no {', '.join(off)})" if off else "on"
        dims = ", ".join(catalog.dimensions(m))
        rows.append((m.name, m.type, m.owner, m.format, dims, ", ".join(needs), status, m.label))
    return rows


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
        "grains": catalog.grains(metric),
        "lineage": lineage(catalog, metric),
    }
    grains = catalog.grains(metric)
    grain = "month" if "month" in grains else grains[0]
    sql = compile_query(catalog, Request([metric.name], grain=grain), dialect=dialect)
    return yaml.safe_dump(parts, sort_keys=False, allow_unicode=True, width=100) + (
        f"sql ({dialect}, by {grain}):\n{sql}"
    )
