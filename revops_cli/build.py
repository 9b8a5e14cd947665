"""`revops build`: dbt build in one invocation, then what the data-quality models say."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from revops_cli import warehouse
from revops_cli.config import ProjectConfig
from revops_cli.dbt_runner import BuildResult, Progress, run_dbt
from revops_cli.definitions import check_config
from revops_cli.errors import ConfigError
from revops_cli.project import Project

REJECTED_SQL = """
select source_system || '.' || source_table as source_table, raw_rows, accepted_rows, rejected_rows
from data_quality.dq_row_reconciliation
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

    @property
    def ok(self) -> bool:
        return not self.dbt.failed


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
) -> BuildSummary:
    """Seed, run and test the whole project (or a selection) with one dbt invocation."""
    # A mistake in the definitions is a configuration error: say where, before dbt runs.
    config = ProjectConfig.load(project.project_dir, dbt_vars)
    check_config(config)
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
    summary = BuildSummary(result, sources=source_rows(config))
    built = {n.name for n in result.nodes if n.status == "success"}
    if "dq_row_reconciliation" in built and warehouse.can_query(project):
        summary.reconciliation = warehouse.query(project, REJECTED_SQL)[1]
    return summary
