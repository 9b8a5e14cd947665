"""Run the suites against the warehouse: one GX validation per suite (and ``where``)."""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from revops_cli.checks import gx
from revops_cli.checks.backends import (
    Backend,
    Batch,
    DuckDBBackend,
    Relation,
    SparkBackend,
    SqlBackend,
)
from revops_cli.checks.results import CheckRun, ExpectationResult, errored, from_gx, skipped
from revops_cli.checks.sql import (
    QueryError,
    batch_select,
    check_relations,
    parse_query,
    render_query,
)
from revops_cli.checks.suites import ExpectationSpec, Suite, load_suites, suite_files
from revops_cli.config import ProjectConfig
from revops_cli.definitions import check_config
from revops_cli.errors import ConfigError, DatabaseError
from revops_cli.metrics.models import load_models
from revops_cli.project import RAW_CATALOG, Project

SUITES_DIR = Path("tests") / "expectations"
DOCS_DIR = "gx_data_docs"


def project_vars(project: Project, dbt_vars: str | None = None) -> dict[str, Any]:
    """The vars a build with ``dbt_vars`` sees, ``revops`` being the definitions in force
    (``revops_overrides`` merged in): the suites read the same values as dbt."""
    return ProjectConfig.load(project.project_dir, dbt_vars).resolved_vars


def target_dir(project: Project) -> Path:
    """dbt's target folder: DBT_TARGET_PATH (relative to the project) or target/."""
    path = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return path if path.is_absolute() else project.project_dir / path


def load_project_suites(
    project: Project,
    *,
    dbt_vars: str | None = None,
    suites_dir: Path | None = None,
    config: ProjectConfig | None = None,
) -> list[Suite]:
    """The project's suites, references resolved against the definitions in force (``config``
    when the caller has it, else read with ``dbt_vars``) and the seeds."""
    config = config or ProjectConfig.load(project.project_dir, dbt_vars)
    suites = load_suites(
        suite_files(suites_dir or project.project_dir / SUITES_DIR),
        variables=config.definitions,
        seeds_dir=project.project_dir / "seeds",
    )
    seeds = {p.stem for p in (project.project_dir / "seeds").glob("*.csv")}
    check_models_exist(suites, set(load_models(project.project_dir)) | seeds)
    return suites


#: ``ref('name')`` with a literal name in a suite query.
_LITERAL_REF = re.compile(r"""\bref\(\s*['"]([^'"]+)['"]\s*\)""")


def check_models_exist(suites: Sequence[Suite], models: set[str]) -> None:
    """A suite whose ``model:`` (or a literal ``ref()`` in its query) names no model or seed
    of the project is a mistake in the suite, not a model waiting to be built: ConfigError."""
    for suite in suites:
        for _, message in unknown_models(suite, models):
            raise ConfigError(f"{suite.path.name}: {message}")


def unknown_models(suite: Suite, models: set[str]) -> list[tuple[str, str]]:
    """What ``suite`` names (``model:``, literal ``ref()`` in its query) that is no model or
    seed of the project: (the name, a message with the closest name)."""
    wanted = [suite.model] if suite.model and suite.schema is None else []
    wanted += _LITERAL_REF.findall(suite.query or "")
    messages: list[tuple[str, str]] = []
    for name in wanted:
        if name not in models:
            close = difflib.get_close_matches(name, sorted(models), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            messages.append(
                (
                    name,
                    f"suite {suite.name} names model '{name}', which is not a model or seed "
                    f"of this project{hint}",
                )
            )
    return messages


def open_backend(project: Project, *, read_only: bool = False) -> Backend:
    """The pandas path on DuckDB and Spark, GX's SQL datasource elsewhere."""
    kind = project.target_type()
    if kind == "duckdb":
        return DuckDBBackend.for_project(project, read_only=read_only)
    if kind == "spark":
        return SparkBackend.for_project(project)
    return SqlBackend.for_project(project)


def run_checks(
    project: Project,
    *,
    select: Sequence[str] | None = None,
    dbt_vars: str | None = None,
    as_of: datetime | None = None,
    store: bool = True,
    docs: bool = True,
    suites_dir: Path | None = None,
    backend: Backend | None = None,
) -> CheckRun:
    """Run the suites (all, or those matching ``select`` globs) and store the results.

    Args:
        project: the project and its warehouse.
        select: suite names or globs (``stg_*``); None runs every suite.
        dbt_vars: the ``--vars`` of the build, so thresholds follow the same definitions.
        as_of: the time freshness is measured against; None = the data's own newest load.
        store: append the results to data_quality.dq_expectation_results.
        docs: write GX Data Docs under the target folder.
        suites_dir: another folder of suites (tests use it).
        backend: another warehouse connection (tests use it).
    """
    began = time.perf_counter()
    config = ProjectConfig.load(project.project_dir, dbt_vars)
    check_config(config)  # a mistake in --vars stops here, located in its text
    variables = config.resolved_vars
    suites = load_project_suites(project, suites_dir=suites_dir, config=config)
    if select:
        suites = [s for s in suites if any(fnmatch.fnmatchcase(s.name, p) for p in select)]
        if not suites:
            raise ConfigError(f"no suite matches {', '.join(select)}")
    run = CheckRun(run_id=uuid.uuid4().hex, run_at=datetime.now(UTC).replace(tzinfo=None))
    docs_dir = target_dir(project) / DOCS_DIR if docs else None
    ctx = gx.context(docs_dir)
    owned = backend is None
    # On DuckDB the suites' queries run on a read-only connection; the results are stored
    # through another one, opened after it closes (one file, one configuration at a time).
    reopen = owned and store and project.target_type() == "duckdb"
    backend = backend or open_backend(project, read_only=reopen or not store)
    try:
        sources = _Sources(backend, variables, RAW_CATALOG if project.raw_database else None)
        for suite in suites:
            run.results += run_suite(ctx, backend, suite, sources, as_of)
        if reopen:
            backend.close()
            backend = open_backend(project, read_only=False)
        if store:
            run.stored_in = backend.store(result_rows(run))
    finally:
        if owned:
            backend.close()
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        ctx.build_data_docs()
        gx.redact_docs(docs_dir)  # no personal data in a page anyone may be sent
        run.docs_index = docs_dir / "index.html"
    run.seconds = time.perf_counter() - began
    return run


class _Sources:
    """``source('crm', 'contacts')`` in a suite -> the relation holding that canonical raw
    table: the raw table (adapter ``revops``) or the adapter's model; None for a system
    configured as absent (its suites' sources are skipped)."""

    def __init__(
        self, backend: Backend, variables: Mapping[str, Any], raw_catalog: str | None = None
    ) -> None:
        from revops_cli.contract.sources import resolve_sources

        self.backend = backend
        self.config = resolve_sources(variables)
        self.raw_catalog = raw_catalog  # the --raw-database file, attached

    def tables(self) -> list[str]:
        """The raw tables of the systems that are on, ``system.table``."""
        from revops_cli.contract import RAW_TABLES

        return [f"{t.system}.{t.name}" for t in RAW_TABLES if self.config[t.system].is_on]

    def locate(self, system: str, table: str) -> Relation | None:
        source = self.config.get(system)
        if source is None or source.adapter is None:
            return None
        if not source.adapter.is_canonical:
            return self.backend.locate(f"{source.adapter.name}__{table}")
        if source.schema is None:
            return None
        database = source.database or self.raw_catalog
        if database:  # another database: trust the sources' contract
            return Relation(source.schema, table, (), database=database)
        return self.backend.locate(table, source.schema)


def run_suite(  # noqa: C901
    ctx: Any,
    backend: Backend,
    suite: Suite,
    sources: _Sources,
    as_of: datetime | None,
) -> list[ExpectationResult]:
    """Every expectation of one suite; a suite whose model is not built is skipped."""
    relation: Relation | None = None
    label: str
    if suite.model is not None:
        relation = backend.locate(suite.model, suite.schema)
        if relation is None:
            wanted = f"{suite.schema}.{suite.model}" if suite.schema else suite.model
            return skipped(suite, wanted, "skipped (model not built)")
        label = relation.display
        query = None
    else:
        label = f"query:{suite.name}"
        missing: list[str] = []
        named: set[str] = set()  # the relations ref() and source() gave: all it may read

        def ref(name: str) -> str:
            found = backend.locate(name)
            if found is None:
                missing.append(name)
                return name
            named.add(found.table().sql(dialect="duckdb"))
            return found.table().sql(dialect="duckdb")

        def source(system: str, table: str) -> str:
            found = sources.locate(system, table)
            if found is None:
                missing.append(f"source {system}.{table}")
                return f"{system}.{table}"
            named.add(found.table().sql(dialect="duckdb"))
            return found.table().sql(dialect="duckdb")

        try:
            sql = render_query(
                suite.query or "", ref=ref, source=source, as_of=as_of, tables=sources.tables()
            )
            if missing:
                what = ", ".join(dict.fromkeys(missing))
                return skipped(suite, label, f"skipped (model not built: {what})")
            query = parse_query(sql)
            check_relations(query, named)
        except QueryError as exc:
            return [errored(suite, s, label, f"query: {exc.message}") for s in suite.expectations]

    results: list[ExpectationResult] = []
    groups: dict[str | None, list[ExpectationSpec]] = {}
    for spec in suite.expectations:
        groups.setdefault(spec.where, []).append(spec)
    for n, (where, specs) in enumerate(groups.items()):
        name = suite.name if n == 0 else f"{suite.name}.{n}"
        runnable = specs
        if relation is not None:
            runnable = []
            for spec in specs:
                absent = [c for c in (*suite.key, *spec.columns) if c not in relation.columns]
                if absent:
                    results.append(
                        errored(
                            suite,
                            spec,
                            label,
                            f"column {', '.join(absent)} not in {label} "
                            f"(it has {', '.join(relation.columns)})",
                        )
                    )
                else:
                    runnable.append(spec)
        if runnable:
            results += _run_batch(
                ctx, backend, suite, name, runnable, relation, query, where, label
            )
    order = {s.name: i for i, s in enumerate(suite.expectations)}
    return sorted(results, key=lambda r: order[r.expectation])


def _columns(suite: Suite, specs: list[ExpectationSpec], relation: Relation | None) -> list[str]:
    """Only the columns the expectations read, plus the key (None of them: every column)."""
    if any(s.needs_all_columns for s in specs):
        return []
    cols = list(dict.fromkeys([*suite.key, *(c for s in specs for c in s.columns)]))
    if not cols and relation is not None and relation.columns:
        cols = [relation.columns[0]]  # row counts need rows, not columns
    return cols


def _run_batch(
    ctx: Any,
    backend: Backend,
    suite: Suite,
    name: str,
    specs: list[ExpectationSpec],
    relation: Relation | None,
    query: Any,
    where: str | None,
    label: str,
) -> list[ExpectationResult]:
    import great_expectations as gxm

    columns = _columns(suite, specs, relation)
    try:
        select = batch_select(
            relation=relation.table() if relation is not None else None,
            query=query,
            columns=columns or None,
            where=where,
        )
    except QueryError as exc:
        return [errored(suite, s, label, exc.message) for s in specs]
    batch = Batch(suite, name, specs, select, relation, where, columns)
    gx_suite = ctx.suites.add(gxm.ExpectationSuite(name=name, meta={"where": where}))
    for spec in specs:
        gx_suite.add_expectation(gx.build_expectation(spec, meta={"revops_name": spec.name}))
    try:
        gx_results = backend.validate(ctx, batch, gx_suite, gx.result_format(suite.key))
    except DatabaseError as exc:
        return [errored(suite, s, label, str(exc)) for s in specs]
    by_name = {r.expectation_config.meta.get("revops_name"): r for r in gx_results}
    out = []
    for spec in specs:
        res = by_name.get(spec.name)
        if res is None:
            out.append(errored(suite, spec, label, "GX returned no result"))
        else:
            out.append(from_gx(suite, spec, label, res))
    return out


def result_rows(run: CheckRun) -> list[dict[str, Any]]:
    """The run as rows of data_quality.dq_expectation_results."""
    import json

    rows = []
    for r in run.results:
        observed = None if r.observed_value is None else json.dumps(r.observed_value, default=str)
        rows.append(
            {
                "run_id": run.run_id,
                "run_at": run.run_at,
                "suite": r.suite,
                "expectation": r.expectation,
                "expectation_type": r.expectation_type,
                "relation": r.relation,
                "column_name": r.column or None,
                "where_condition": r.where,
                "severity": r.severity,
                "dimension": r.dimension,
                "status": r.status,
                "success": r.success,
                "observed_value": observed,
                "element_count": r.element_count,
                "unexpected_count": r.unexpected_count,
                "unexpected_percent": r.unexpected_percent,
                "mostly": r.mostly,
                "example_keys": json.dumps(list(r.examples)) if r.examples else None,
                "message": r.message,
            }
        )
    return rows
