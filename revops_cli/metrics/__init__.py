"""The metrics layer: every KPI defined once in metrics/*.yml, compiled with sqlglot.

- ``spec`` and ``catalog``: the YAML's schema; loading and validating it (file:line:column);
- ``plan``: a request becomes measures by source, with their semantics (flows, balances,
  snapshots, non-additive aggregates), and metrics as expressions over them;
- ``render`` and ``compiler``: the plan as SQL, in any dialect;
- ``generate``: the BI tables (metric_values, kpi_monthly, metric_catalog) as dbt models;
- ``semantic``: the dbt Semantic Layer export;
- ``api``: MetricStore, the Python entry point (the CLI, notebooks, monitors, reports).

Names are imported lazily, so that `revops query` with a compiled query on disk loads
neither the catalog nor the compiler.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Catalog",
    "MetricResult",
    "MetricStore",
    "Request",
    "catalog_rows",
    "compile_query",
    "dialect_for",
    "load_catalog",
    "query",
    "show_text",
]

_WHERE = {
    "Catalog": "revops_cli.metrics.catalog",
    "load_catalog": "revops_cli.metrics.catalog",
    "Request": "revops_cli.metrics.request",
    "compile_query": "revops_cli.metrics.compiler",
    "dialect_for": "revops_cli.metrics.request",
    "MetricResult": "revops_cli.metrics.api",
    "MetricStore": "revops_cli.metrics.api",
    "query": "revops_cli.metrics.api",
    "catalog_rows": "revops_cli.metrics.describe",
    "show_text": "revops_cli.metrics.describe",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'revops_cli.metrics' has no attribute {name!r}")
