"""The metrics from Python: for notebooks, and for the monitors and reports built on them.

    from revops_cli.metrics.api import MetricStore

    with MetricStore.open() as store:            # the project around cwd, its target
        result = store.query(["mql_to_sql"], grain="month", by=["lead_source"])
        for row in result.to_dicts():
            ...

A store loads the project's configuration and catalog once (again only when one of their
files changes), keeps one connection, and compiles each distinct request once. Compiled
queries are also kept on disk (``target/metric_queries/``), so a new process (each
``revops query``) skips the catalog and the compiler for a request it has seen.

A store holds the DuckDB file open (read-only) until ``close()``: DuckDB lets one process
write a file, so close it (or leave the ``with`` block) before ``revops build``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revops_cli import __version__
from revops_cli.errors import ConfigError
from revops_cli.metrics.request import Request, dialect_for
from revops_cli.project import Project, target_dir

if TYPE_CHECKING:
    from revops_cli.metrics.catalog import Catalog
    from revops_cli.warehouse import Warehouse

#: Columns of every result before the dimensions and metrics.
LEADING = ("period_start", "is_partial_period")


@dataclass(frozen=True)
class MetricInfo:
    """How to show one metric's values."""

    name: str
    label: str
    format: str
    unit: str | None
    direction: str


@dataclass(frozen=True)
class Compiled:
    """A request compiled for one dialect, with what its columns are."""

    sql: str
    metrics: tuple[MetricInfo, ...]
    dimensions: tuple[str, ...]
    parts: bool


@dataclass(frozen=True)
class MetricResult:
    """Rows of one request: period_start, is_partial_period, the dimensions, then one
    column per metric (and its numerator and denominator when asked for)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str
    metrics: dict[str, MetricInfo] = field(default_factory=dict)

    def to_dicts(self) -> list[dict[str, Any]]:
        """One dict per row."""
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def to_pandas(self) -> Any:
        """A pandas DataFrame (pandas is installed with revops)."""
        import pandas as pd

        return pd.DataFrame.from_records(self.rows, columns=self.columns)

    def series(self, metric: str) -> list[tuple[Any, ...]]:
        """(period_start, the dimensions..., value) of one metric, row by row."""
        dims = [
            c
            for c in self.columns[len(LEADING) :]
            if c not in self.metrics and not c.endswith(("__numerator", "__denominator"))
        ]
        index = [self.columns.index(c) for c in ("period_start", *dims, metric)]
        return [tuple(r[i] for i in index) for r in self.rows]


# --- caches ---------------------------------------------------------------------------

_LOCK = threading.Lock()
#: project dir + overrides -> (fingerprint, catalog)
_CATALOGS: dict[str, tuple[str, Catalog]] = {}
#: cache key -> compiled query
_COMPILED: dict[str, Compiled] = {}


#: The compiler's own code: a compiled query is stale when it changes, too.
_CODE = Path(__file__).resolve().parent


def fingerprint(project_dir: Path) -> str:
    """Names, sizes and modification times of every file the catalog reads (and of the
    compiler's code): it changes when one of them does."""
    files = [project_dir / "dbt_project.yml", *sorted((project_dir / "metrics").glob("*.yml"))]
    models = project_dir / "models"
    if models.is_dir():
        files += sorted(p for p in models.rglob("*") if p.suffix in (".yml", ".sql"))
    files += sorted(_CODE.glob("*.py"))
    parts = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _overrides_key(overrides: dict[str, Any] | None) -> str:
    return json.dumps(overrides or {}, sort_keys=True, default=str)


def load(project_dir: Path, overrides: dict[str, Any] | None = None) -> Catalog:
    """The catalog, loaded once per process and again only when its files change."""
    from revops_cli.metrics.catalog import load_catalog

    key = f"{project_dir.resolve()}|{_overrides_key(overrides)}"
    stamp = fingerprint(project_dir)
    with _LOCK:
        cached = _CATALOGS.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    catalog = load_catalog(project_dir, overrides)
    with _LOCK:
        _CATALOGS[key] = (stamp, catalog)
    return catalog


def _request_key(request: Request) -> dict[str, Any]:
    return {
        "metrics": list(request.metrics),
        "grain": request.grain,
        "dimensions": list(request.dimensions),
        "where": request.where,
        "start": request.start.isoformat() if request.start else None,
        "end": request.end.isoformat() if request.end else None,
        "parts": request.parts,
    }


def cache_dir(project_dir: Path) -> Path:
    """Where compiled queries are kept (under dbt's target path)."""
    return target_dir(project_dir) / "metric_queries"


def compile_request(
    project_dir: Path,
    request: Request,
    dialect: str,
    overrides: dict[str, Any] | None = None,
    disk: bool = True,
) -> Compiled:
    """``request`` compiled for ``dialect``: from this process's cache, else from disk,
    else planned and rendered (and kept in both)."""
    key = hashlib.sha256(
        json.dumps(
            [
                __version__,
                fingerprint(project_dir),
                dialect,
                _overrides_key(overrides),
                _request_key(request),
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    with _LOCK:
        found = _COMPILED.get(key)
    if found is not None:
        return found
    path = cache_dir(project_dir) / f"{key}.json"
    if disk and path.is_file():
        try:
            data = json.loads(path.read_text())
            found = Compiled(
                sql=data["sql"],
                metrics=tuple(MetricInfo(**m) for m in data["metrics"]),
                dimensions=tuple(data["dimensions"]),
                parts=bool(data["parts"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            found = None
    if found is None:
        found = _compile(load(project_dir, overrides), request, dialect)
        if disk:
            _write(path, found)
    with _LOCK:
        _COMPILED[key] = found
    return found


def _compile(catalog: Catalog, request: Request, dialect: str) -> Compiled:
    from revops_cli.metrics.compiler import compile_plan
    from revops_cli.metrics.generate import metric_unit
    from revops_cli.metrics.plan import build_plan

    plan = build_plan(catalog, request)
    infos = tuple(
        MetricInfo(
            name=o.metric.name,
            label=o.metric.label,
            format=o.metric.format,
            unit=metric_unit(catalog, o.metric.name),
            direction=o.metric.direction,
        )
        for o in plan.outputs
    )
    return Compiled(compile_plan(plan, dialect), infos, plan.dimensions, plan.parts)


#: Compiled queries kept on disk at the most (the least recently written go first).
KEEP_ON_DISK = 256


def _write(path: Path, compiled: Compiled) -> None:
    """Keep a compiled query on disk; a folder that cannot be written only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(compiled)))
        tmp.replace(path)
        kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[: max(0, len(kept) - KEEP_ON_DISK)]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


# --- the store ------------------------------------------------------------------------


class MetricStore:
    """A project's metrics on its warehouse: catalog loaded once, one connection."""

    def __init__(self, project: Project, overrides: dict[str, Any] | None = None) -> None:
        self.project = project
        self.overrides = overrides or {}
        self._dialect: str | None = None
        self._warehouse: Warehouse | None = None

    @classmethod
    def open(
        cls,
        project_dir: Path | str | None = None,
        database: Path | str | None = None,
        target: str | None = None,
        profiles_dir: Path | str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> MetricStore:
        """A store for the project at (or above) ``project_dir`` (default: cwd), reading
        ``database`` (DuckDB) or the profile's ``target``."""
        project = Project.resolve(
            Path(project_dir) if project_dir else None,
            Path(profiles_dir) if profiles_dir else None,
            target,
            Path(database) if database else None,
        )
        return cls(project, overrides)

    @property
    def catalog(self) -> Catalog:
        """The validated catalog (reloaded when a file it was read from changes)."""
        return load(self.project.project_dir, self.overrides)

    @property
    def dialect(self) -> str:
        """The SQL dialect of the active target."""
        if self._dialect is None:
            self._dialect = dialect_for(self.project.target_type())
        return self._dialect

    def compile(self, request: Request) -> Compiled:
        """``request`` compiled for this store's target."""
        return compile_request(self.project.project_dir, request, self.dialect, self.overrides)

    @property
    def systems_off(self) -> list[str]:
        """The source systems the project's revops_sources turns off."""
        from revops_cli.config import ProjectConfig

        config = ProjectConfig.load(self.project.project_dir)
        return [s for s, c in config.sources.items() if not c.is_on]

    def run(self, request: Request) -> MetricResult:
        """Run a compiled request on the warehouse; a metric needing a system that is off is
        a ConfigError (its tables are empty: a 0 would be a wrong number)."""
        compiled = self.compile(request)
        off = self.systems_off
        for metric in compiled.metrics if off else ():
            catalog = self.catalog
            needs = [s for s in catalog.systems(catalog.metrics[metric.name]) if s in off]
            if needs:
                raise ConfigError(
                    f"metric '{metric.name}' needs {', '.join(needs)}, which revops_sources "
                    "turns off in dbt_project.yml"
                )
        columns, rows = self._connect().query(compiled.sql)
        return MetricResult(columns, rows, compiled.sql, {m.name: m for m in compiled.metrics})

    def as_of(self) -> date:
        """The data's as-of: the last day it is complete to (dim_as_of.last_closed_date)."""
        from revops_cli.metrics.catalog import AS_OF_COLUMN, AS_OF_MODEL

        relation = f"{self.catalog.models[AS_OF_MODEL].schema}.{AS_OF_MODEL}"
        _, rows = self._connect().query(f"select {AS_OF_COLUMN} from {relation}")
        if not rows or rows[0][0] is None:
            raise ConfigError(f"{relation} has no as-of: build the project first")
        value = rows[0][0]
        return value.date() if hasattr(value, "date") else value  # type: ignore[no-any-return]

    @property
    def warehouse(self) -> Warehouse:
        """The store's connection (opened on first use): for reads beside the metrics, such
        as the monitor's alerts or the data-quality results."""
        return self._connect()

    def _connect(self) -> Warehouse:
        if self._warehouse is None:
            from revops_cli import warehouse

            self._warehouse = warehouse.connect(self.project)
        return self._warehouse

    def published_run(self) -> dict[str, Any] | None:
        """The build the last run() read (DuckDB: its revops_meta.runs, on the connection
        that answered), or None (see publish.published_run)."""
        from revops_cli.publish import published_run

        return published_run(self.project, self._warehouse)

    def query(
        self,
        metrics: str | Sequence[str],
        grain: str = "month",
        by: Sequence[str] = (),
        where: str | None = None,
        start: date | None = None,
        end: date | None = None,
        parts: bool = False,
    ) -> MetricResult:
        """Metric values by ``grain`` (day ... fiscal_year), sliced ``by`` dimensions,
        filtered by ``where`` (a condition on dimensions), for periods starting in
        [start, end); ``parts`` adds each ratio's numerator and denominator."""
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        return self.run(Request(names, grain, tuple(by), where, start, end, parts))

    def close(self) -> None:
        """Release the warehouse connection (a DuckDB file can then be built again)."""
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None

    def __enter__(self) -> MetricStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def query(metrics: str | Sequence[str], **kwargs: Any) -> MetricResult:
    """One request against the project around cwd (opens and closes a store): keyword
    arguments are MetricStore.open's and MetricStore.query's."""
    names = ("project_dir", "database", "target", "profiles_dir", "overrides")
    opening = {k: kwargs.pop(k) for k in names if k in kwargs}
    with MetricStore.open(**opening) as store:
        return store.query(metrics, **kwargs)
