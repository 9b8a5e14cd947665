"""Compile metrics to SQL: plan (revops_cli.metrics.plan), render (…render), then one
dialect at the end. sqlglot expressions all the way; a filter or --where is a parsed
expression, never text pasted into SQL.
"""

from __future__ import annotations

from sqlglot import exp

from revops_cli.metrics.catalog import Catalog
from revops_cli.metrics.plan import Plan, build_plan
from revops_cli.metrics.render import Relation, Renderer, unvar
from revops_cli.metrics.request import DIALECTS, Request, dialect_for

__all__ = [
    "DIALECTS",
    "Request",
    "compile_plan",
    "compile_query",
    "compile_tree",
    "dialect_for",
    "for_dialect",
    "schema_relation",
]


def schema_relation(catalog: Catalog) -> Relation:
    """Models as schema.name (the folder's fixed +schema), for queries outside dbt."""

    def relation(name: str) -> exp.Table:
        return exp.table_(name, db=catalog.models[name].schema)

    return relation


def compile_plan(plan: Plan, dialect: str = "duckdb", pretty: bool = True) -> str:
    """The SQL of a plan, in ``dialect``."""
    tree = Renderer(plan, schema_relation(plan.catalog)).query()
    return for_dialect(tree, dialect).sql(dialect=dialect, pretty=pretty)


def compile_tree(catalog: Catalog, request: Request, relation: Relation | None = None) -> exp.Query:
    """The sqlglot tree answering ``request`` (dialect-neutral: see for_dialect)."""
    plan = build_plan(catalog, request)
    return Renderer(plan, relation or schema_relation(catalog)).query()


def compile_query(
    catalog: Catalog,
    request: Request,
    dialect: str = "duckdb",
    relation: Relation | None = None,
    pretty: bool = True,
) -> str:
    """The SQL answering ``request`` in ``dialect``."""
    tree = compile_tree(catalog, request, relation)
    return for_dialect(tree, dialect).sql(dialect=dialect, pretty=pretty)


#: Dialects that understand ``AS MATERIALIZED`` (the others decide for themselves).
MATERIALIZING = ("duckdb", "postgres")
#: Dialects where a timestamp plus an interval keeps its time of day but sqlglot writes
#: TimestampAdd as date_add, which returns a date there.
INTERVAL_ARITHMETIC = ("spark", "databricks")
#: Dialects whose exact continuous percentile is ``percentile(x, p)``: sqlglot writes
#: ``percentile_cont(p) within group (order by x)`` there as PERCENTILE_APPROX, an estimate.
EXACT_PERCENTILE = ("spark", "databricks")


def for_dialect(tree: exp.Query, dialect: str) -> exp.Query:
    """``tree`` ready for ``dialect``: definitions as their values, CTE materialisation
    hints only where understood, exact percentiles where sqlglot would write approximate
    ones."""
    out = unvar(tree.copy())
    assert isinstance(out, exp.Query)
    if dialect not in MATERIALIZING:
        for cte in out.find_all(exp.CTE):
            cte.set("materialized", None)
    if dialect in INTERVAL_ARITHMETIC:
        for added in list(out.find_all(exp.TimestampAdd)):
            interval = exp.Interval(this=added.expression, unit=added.args["unit"])
            added.replace(exp.Add(this=added.this, expression=interval))
    if dialect in EXACT_PERCENTILE:
        for node in list(out.find_all(exp.WithinGroup)):
            if isinstance(node.this, exp.PercentileCont):
                value = node.expression.expressions[0].this
                node.replace(exp.Anonymous(this="PERCENTILE", expressions=[value, node.this.this]))
    return out
