"""`revops build`: dbt build in one invocation and the expectation suites, on a shadow
copy of the database; the gate decides whether it is published (revops_cli.publish)."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revops_cli import warehouse
from revops_cli.config import ProjectConfig
from revops_cli.dbt_runner import BuildResult, Progress, run_dbt
from revops_cli.errors import ConfigError, DbtError, RevopsError
from revops_cli.project import Project
from revops_cli.publish import Run, SchemaSwap, Shadow, publish_mode, schema_suffix
from revops_cli.validate import validate_project

if TYPE_CHECKING:
    from revops_cli.checks.results import CheckRun

#: The secret of the keyed e-mail hash (macros/cross_db/keyed_hash.sql).
HASH_KEY_ENV = "REVOPS_EMAIL_HASH_KEY"

REJECTED_SQL = """
select source_system || '.' || source_table as source_table, raw_rows, accepted_rows, rejected_rows
from data_quality{suffix}.dq_row_reconciliation
order by source_system, source_table
"""


@dataclass
class BuildSummary:
    """dbt's results plus the row reconciliation per raw table."""

    dbt: BuildResult
    reconciliation: list[tuple[Any, ...]] = field(default_factory=list)
    #: (system, adapter, schema or "-", the catalog's metrics that are off without it, the
    #: marts that need it and are built empty).
    sources: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    #: The expectation suites' run on the build (None: skipped, or dbt failed).
    checks: CheckRun | None = None
    #: swap (a shadow file replaces the published DuckDB file), schema-swap (shadow
    #: schemas renamed over the published PostgreSQL ones) or in-place.
    mode: str = "in-place"
    #: The run as recorded; its status says whether the build was published.
    run: Run | None = None
    #: What the user should know about this build that is not a failure.
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """dbt's nodes and the error-severity expectations passed."""
        return not self.dbt.failed and (self.checks is None or self.checks.ok)

    @property
    def warnings(self) -> int:
        """Warn-severity tests and expectations that did not pass."""
        tests = sum(1 for n in self.dbt.nodes if n.status == "warn")
        return tests + (self.checks.counts().get("warn", 0) if self.checks else 0)

    @property
    def published(self) -> bool:
        return self.mode == "in-place" or (self.run is not None and self.run.status == "published")

    @property
    def exit_ok(self) -> bool:
        """Exit 0: everything passed and the build is what readers see."""
        return self.ok and self.published


def source_rows(config: ProjectConfig) -> list[tuple[str, str, str, int, str]]:
    """Each system's adapter and schema; when it is off, how many metrics are off and which
    marts (``meta.requires_systems``) are built empty because it is."""
    from revops_cli.metrics.catalog import load_catalog
    from revops_cli.metrics.models import load_models

    catalog = load_catalog(config.project_dir, config.overrides)
    models = load_models(config.project_dir).values()
    rows = []
    for system, source in config.sources.items():
        off, empty = 0, ""
        if not source.is_on:
            off = sum(system in catalog.systems(m) for m in catalog.metrics.values())
            empty = ", ".join(sorted(m.name for m in models if system in m.systems)) or "-"
        rows.append((system, source.adapter_name, source.schema or "-", off, empty))
    return rows


def build(
    project: Project,
    *,
    select: str | None = None,
    full_refresh: bool = False,
    dbt_vars: str | None = None,
    progress: Progress | None = None,
    checks: bool = True,
    as_of: datetime | None = None,
    publish_on_warn: bool = False,
    force_publish: bool = False,
) -> BuildSummary:
    """Build the project (or a selection) with one dbt invocation, run the expectation
    suites on it, and publish it when the gate passes: no failing node or error-severity
    expectation, and no warning unless ``publish_on_warn``. ``force_publish`` publishes
    whatever the gate says (an emergency). On DuckDB the build happens on a shadow copy of
    the file, on PostgreSQL in shadow schemas, so a failed, blocked or interrupted build
    leaves the published database untouched."""
    # A mistake in any file a user edits is a configuration error: say where, before dbt
    # runs (the same pass as `revops validate`).
    validate_project(project.project_dir, dbt_vars, suites=checks).raise_first()
    config = ProjectConfig.load(project.project_dir, dbt_vars)
    mode = publish_mode(project)
    if mode == "schema-swap" and select:
        # A shadow schema holds only what this run built: swapping it in would drop the
        # rest of the published schema. A selection builds in place.
        mode = "in-place"
    run = Run.start(project, dbt_vars, select)
    shadow: Shadow | SchemaSwap | None = None
    if mode == "swap":
        shadow = Shadow(project.database)
    elif mode == "schema-swap":
        shadow = SchemaSwap(project)
    with shadow or contextlib.nullcontext():
        where = shadow.project(project) if shadow else project
        try:
            summary = _build(where, config, select, full_refresh, dbt_vars, progress)
            summary.mode = mode
            if not summary.dbt.failed and checks:
                from revops_cli.checks import run_checks

                summary.checks = run_checks(where, dbt_vars=dbt_vars, as_of=as_of)
        except (RevopsError, KeyboardInterrupt) as exc:
            if shadow is None:
                raise
            run.finish("failed", str(exc) or "interrupted (Ctrl-C)")
            shadow.record(run)
            error: Exception = (  # Ctrl-C during the suites: dbt had finished
                DbtError("revops build interrupted (Ctrl-C) during the checks")
                if isinstance(exc, KeyboardInterrupt)
                else exc
            )
            if isinstance(error, DbtError):  # Ctrl-C, a compile error: say what readers see
                kept = (
                    "the last good build is still published"
                    if mode == "schema-swap" or project.database.exists()
                    else "nothing was published"
                )
                raise DbtError(f"{error}; {kept}") from exc
            raise
        if shadow is not None:
            _gate(summary, run, publish_on_warn, force_publish)
            if run.status == "published":
                shadow.write_runs_table(run)
                shadow.publish()
            shadow.record(run)
            summary.run = run
    return summary


def _gate(summary: BuildSummary, run: Run, publish_on_warn: bool, force: bool) -> None:
    """Decide: published, or blocked with the reason."""
    failing = len(summary.dbt.failed) + (len(summary.checks.failed) if summary.checks else 0)
    if failing:
        reason = f"{failing} failing test(s), model(s) or expectation(s)"
    elif not summary.ok:  # e.g. the suites found nothing to check
        reason = "the expectation suites did not pass"
    elif summary.warnings and not publish_on_warn:
        reason = f"{summary.warnings} warning(s) (--publish-on-warn publishes a build that warns)"
    else:
        notes = [f"{summary.warnings} warning(s)"] if summary.warnings else []
        if summary.checks is None:
            notes.append("without the expectation suites (--skip-checks)")
        run.finish("published", "; ".join(notes))
        return
    if force:
        run.finish("published", f"forced despite {reason}")
    else:
        run.finish("blocked", reason)


def _build(
    project: Project,
    config: ProjectConfig,
    select: str | None,
    full_refresh: bool,
    dbt_vars: str | None,
    progress: Progress | None,
) -> BuildSummary:
    overrides = config.overrides
    args: list[str] = []
    if select:
        args += ["--select", select]
    if overrides:
        # dbt unit tests pin the rules of the baseline definitions; a what-if run changes
        # those rules on purpose, so its unit tests would fail by design.
        args += ["--exclude", "test_type:unit"]
    if full_refresh:
        args.append("--full-refresh")
    result = run_dbt(
        project, "build", args, dbt_vars=dbt_vars, progress=progress, raise_on_failure=False
    )
    if select and not result.nodes:
        raise ConfigError(
            f"--select {select!r} matches no model, seed or test of this project "
            "(dbt node selection syntax: a name, path:models/marts, tag:..., +name)"
        )
    failing_examples(project, result)
    summary = BuildSummary(result, sources=source_rows(config))
    if not os.environ.get(HASH_KEY_ENV):
        summary.notes.append(
            f"{HASH_KEY_ENV} is not set: dim_contacts.email_hash is a plain SHA-256, which a "
            "dictionary of addresses reverses; set a secret key to make it a keyed hash"
        )
    built = {n.name for n in result.nodes if n.status == "success"}
    if "dq_row_reconciliation" in built and warehouse.can_query(project):
        sql = REJECTED_SQL.format(suffix=schema_suffix())
        summary.reconciliation = warehouse.query(project, sql)[1]
    return summary


def failing_examples(project: Project, result: BuildResult, limit: int = 3) -> None:
    """Each failed data test's message ends with up to ``limit`` of the rows it found
    (e-mail addresses redacted), so the failure names the rows, not only the test: the
    test's compiled query, run on the database the build wrote."""
    from revops_cli.checks.gx import EMAIL, REDACTED
    from revops_cli.project import target_dir

    failed = [
        i
        for i, n in enumerate(result.nodes)
        if n.resource_type == "test" and n.status == "fail" and n.compiled_path
    ]
    if not failed or not warehouse.can_query(project):
        return
    target = target_dir(project.project_dir)
    wh = warehouse.connect(project)
    try:
        for i in failed:
            node = result.nodes[i]
            path = Path(node.compiled_path or "")
            path = path if path.is_absolute() else project.project_dir / path
            try:
                sql = (target / "compiled" / path.relative_to(target / "run")).read_text()
                columns, rows = wh.query(
                    f"select * from ({sql.strip().rstrip(';')}) as failing limit {limit}"
                )
            except (ValueError, OSError, RevopsError):
                continue  # the message dbt gave stands
            if rows:
                shown = "; ".join(
                    ", ".join(
                        f"{c}={_shown_value(c, v)}" for c, v in zip(columns, row, strict=True)
                    )
                    for row in rows
                )
                more = " …" if (node.failures or 0) > len(rows) else ""
                message = f"{node.message}; e.g. {EMAIL.sub(REDACTED, shown)}{more}"
                result.nodes[i] = replace(node, message=message)
    finally:
        wh.close()


#: Columns whose values are personal data: never printed in a failure message.
_PERSONAL = re.compile(r"(?i)(^|_)(first_name|last_name|full_name|email|phone)($|_)")


def _shown_value(column: str, value: Any) -> str:
    """A failing row's value as a failure message shows it: personal data redacted, long
    text cut."""
    if value is not None and _PERSONAL.search(column):
        return "[redacted]"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
