"""Invoking dbt in-process (dbtRunner): one invocation per command, results as data."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from revops_cli.errors import BuildFailed, DbtError, one_line
from revops_cli.project import Project

#: Statuses that fail a build (dbt's RunStatus / TestStatus values).
FAILING = frozenset({"error", "fail", "runtime error"})


@dataclass(frozen=True)
class NodeResult:
    """One node dbt ran: a model, seed, snapshot or test."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    seconds: float
    failures: int | None
    message: str | None
    #: The node's file in the project (models/..., tests/...) and, once dbt has run it,
    #: the SQL it ran (target/run/...): the line numbers of a database error count there.
    path: str | None = None
    compiled_path: str | None = None


@dataclass
class BuildResult:
    """What a dbt invocation did."""

    command: list[str]
    nodes: list[NodeResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in FAILING]

    def counts(self) -> dict[str, Counter[str]]:
        """Statuses per resource type, e.g. {'model': {'success': 40}, 'test': {'pass': 90}}."""
        out: dict[str, Counter[str]] = {}
        for n in self.nodes:
            out.setdefault(n.resource_type, Counter())[n.status] += 1
        return out


class Progress(Protocol):
    """Where a dbt invocation reports its nodes: ``index`` of ``total`` started, and each
    finished (``done`` of ``total``; total is 0 until dbt has said it)."""

    def started(self, name: str, index: int, total: int) -> None: ...

    def finished(self, node: NodeResult, done: int, total: int) -> None: ...


@contextmanager
def environment(extra: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then put back what was there."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _node_from_event(data: Any) -> NodeResult:
    info, rr = data.node_info, data.run_result
    return NodeResult(
        unique_id=info.unique_id,
        name=info.node_name,
        resource_type=info.resource_type,
        status=str(rr.status).lower(),
        seconds=float(rr.execution_time),
        failures=int(rr.num_failures) if rr.num_failures else None,
        message=rr.message or None,
    )


def run_dbt(  # noqa: C901
    project: Project,
    command: str,
    args: list[str] | None = None,
    *,
    dbt_vars: str | None = None,
    progress: Progress | None = None,
    raise_on_failure: bool = True,
) -> BuildResult:
    """Run one dbt command (build, seed, parse ...) against the project.

    Raises DbtError when dbt could not run at all (exit 2) and, when ``raise_on_failure``,
    BuildFailed when a node failed (exit 1).
    """
    from dbt.cli.main import dbtRunner  # imported late: dbt's import costs ~2 s

    cli_args = [
        command,
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--log-level",
        "none",
        # dbt's own log, for the details behind an error: <project>/logs/dbt.log
        "--log-level-file",
        "info",
    ]
    if project.target:
        cli_args += ["--target", project.target]
    if dbt_vars and dbt_vars.strip():
        cli_args += ["--vars", dbt_vars]
    cli_args += args or []
    result = BuildResult(command=cli_args)
    done = total = 0
    finished: set[str] = set()

    reporting = [progress] if progress is not None else []

    def on_event(event: Any) -> None:
        nonlocal done, total
        name = event.info.name
        if name == "LogStartLine":  # "3 of 420 START ...": the selection's size
            total = int(event.data.total or total)
            report("started", event.data.node_info.node_name, int(event.data.index), total)
        elif name == "NodeFinished":
            node = _node_from_event(event.data)
            if node.unique_id in finished:  # dbt repeats a skip for some tests
                return
            finished.add(node.unique_id)
            done += 1
            report("finished", node, done, max(total, done))

    def report(what: str, *args: Any) -> None:
        # Progress is best-effort: a closed stderr (`revops build | head`) must not stop
        # dbt, whose worker thread this runs on (an exception there hangs the build).
        for sink in reporting:
            try:
                getattr(sink, what)(*args)
            except Exception:
                reporting.clear()

    began = time.perf_counter()
    env = {**project.environ(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    log = os.environ.get("DBT_LOG_PATH") or str(project.project_dir / "logs")
    with environment(env):
        try:
            res = dbtRunner(callbacks=[on_event]).invoke(cli_args)
        except KeyboardInterrupt as exc:
            raise DbtError(f"dbt {command} interrupted (Ctrl-C) after {done} node(s)") from exc
        finally:
            release_duckdb()
    result.seconds = time.perf_counter() - began
    if isinstance(res.exception, KeyboardInterrupt):
        raise DbtError(f"dbt {command} interrupted (Ctrl-C) after {done} node(s)")
    if res.exception is not None:
        raise DbtError(
            f"dbt {command} could not run: {one_line(res.exception)} (details in {log}/dbt.log)"
        )
    for r in getattr(res.result, "results", None) or []:
        node = r.node
        if str(node.resource_type) == "operation" and str(r.status).lower() == "success":
            continue  # an on-run-start hook that did its job is not a node of the build
        result.nodes.append(
            NodeResult(
                unique_id=node.unique_id,
                name=node.name,
                resource_type=str(node.resource_type),
                status=str(r.status).lower(),
                seconds=float(r.execution_time or 0.0),
                failures=r.failures,
                message=r.message,
                path=getattr(node, "original_file_path", None),
                compiled_path=_compiled_path(project, node),
            )
        )
    if not res.success and not result.nodes:
        raise DbtError(f"dbt {command} failed before running anything (see {log}/dbt.log)")
    if raise_on_failure and result.failed:
        names = ", ".join(n.name for n in result.failed[:5])
        more = f" and {len(result.failed) - 5} more" if len(result.failed) > 5 else ""
        raise BuildFailed(f"dbt {command}: {len(result.failed)} node(s) failed: {names}{more}")
    return result


def _compiled_path(project: Project, node: Any) -> str | None:
    """Where dbt wrote the SQL it ran for ``node`` (relative to the project when inside it)."""
    from revops_cli.project import target_dir

    relative = getattr(node, "original_file_path", None)
    package = getattr(node, "package_name", None)
    if not relative or not package:
        return None
    base = target_dir(project.project_dir) / "run" / package
    # A model or a singular test: its own file; a test declared in YAML: a file named
    # after it (node.path) in a folder named after the YAML file.
    candidates = [base / relative, base / relative / str(getattr(node, "path", ""))]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        return None
    try:
        return str(path.relative_to(project.project_dir))
    except ValueError:
        return str(path)


def release_duckdb() -> None:
    """Close the DuckDB handle dbt-duckdb keeps for the process after an invocation.

    dbt-duckdb caches one environment per process (``DuckDBConnectionManager._ENV``); while
    it is open, the file is locked against a read-only connection from this process and
    against every other process (a BI tool, a second CLI). Closing it after each
    invocation costs nothing: the next invocation opens a new one.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter only
        return
    env = getattr(DuckDBConnectionManager, "_ENV", None)
    DuckDBConnectionManager.close_all_connections()  # type: ignore[no-untyped-call]
    if env is not None and hasattr(env, "close"):
        env.close()
