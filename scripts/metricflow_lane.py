"""The MetricFlow lane: MetricFlow itself on the Semantic Layer export, against revops query.

Exports the catalog into a copy of the project, parses it with dbt, validates it with
MetricFlow, then queries every exported metric by month through MetricFlow's engine and
through revops' API on the same built database, and prints a parity table. Exits 1 on any
difference (relative 1e-9; null only where the other is null).

    python scripts/metricflow_lane.py --database revops.duckdb [--metric NAME ...]

Needs the `metricflow` extra (pip install -e '.[metricflow]').
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
COPIED = ("dbt_project.yml", "models", "macros", "seeds", "profiles")
REL = 1e-9


def copy_project(into: Path) -> Path:
    """The project's dbt files, with the export under models/semantic."""
    from revops_cli.metrics.catalog import load_catalog
    from revops_cli.metrics.semantic import write_semantic_layer

    project = into / "project"
    project.mkdir()
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy(source, project / name)
    shutil.copytree(PROJECT / "tests" / "dbt", project / "tests" / "dbt")
    write_semantic_layer(load_catalog(PROJECT), project / "models" / "semantic")
    return project


def dbt_build_spine(project: Path) -> None:
    """Parse the project with the export and build the time spine it adds (in the copy of
    the database): one dbt invocation."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            *("run", "--select", "metricflow_time_spine"),
            *("--project-dir", str(project), "--profiles-dir", str(project / "profiles")),
        ]
    )
    from revops_cli.dbt_runner import release_duckdb

    release_duckdb()  # dbt-duckdb keeps the file open for the process otherwise
    if not result.success:
        raise SystemExit(f"dbt could not parse the export or build its spine: {result.exception}")


def validate(project: Path) -> str:
    """`mf validate-configs` with warehouse checks: its output (exit 1 on errors)."""
    mf = Path(sys.executable).with_name("mf")
    run = subprocess.run(
        [str(mf), "validate-configs"],
        cwd=project,
        env={**os.environ, "DBT_PROFILES_DIR": str(project / "profiles")},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    out = (run.stdout + run.stderr).replace("\r", "\n")
    errors = sum(int(n) for n in re.findall(r"\bERRORS: (\d+)", out))
    warnings = sum(int(n) for n in re.findall(r"\bWARNINGS: (\d+)", out))
    if run.returncode != 0 or errors or "\u2716" in out:
        print("\n".join(line for line in out.splitlines() if "\u280b" not in line)[-4000:])
        raise SystemExit("mf validate-configs found errors")
    print(f"mf validate-configs (with warehouse checks): 0 errors, {warnings} warnings")
    return out


def _key(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _month_end(start: datetime) -> datetime:
    """The last instant of the month starting at ``start``."""
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(microseconds=1)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (
            b is None or (isinstance(b, float) and math.isnan(b))
        )
    x, y = float(a), float(b)
    return x == y or abs(x - y) <= REL * max(abs(x), abs(y))


def requests(project: Path, names: list[str]) -> list[tuple[str, str | None, str, list[str]]]:
    """(metric, dimension or None, grain, MetricFlow's group-by): every metric by month, by
    its first dimension, and by fiscal quarter where revops offers it. A dimension is named
    as the export names it: a foreign entity of its own name when shared across models,
    ``<primary entity>__<column>`` otherwise."""
    import yaml

    from revops_cli.metrics.catalog import load_catalog

    catalog = load_catalog(PROJECT)
    models = yaml.safe_load((project / "models/semantic/semantic_models.yml").read_text())
    foreign = {
        e["name"]
        for m in models["semantic_models"]
        for e in m["entities"]
        if e["type"] == "foreign"
    }
    out: list[tuple[str, str | None, str, list[str]]] = []
    for name in names:
        metric = catalog.metrics[name]
        out.append((name, None, "month", ["metric_time__month"]))
        dims = catalog.dimensions(metric)
        if dims:
            model = catalog.leaves(metric)[0].model
            key = next(iter(catalog.models[model].columns))
            item = dims[0] if dims[0] in foreign else f"{key}__{dims[0]}"
            out.append((name, dims[0], "month", ["metric_time__month", item]))
        if "fiscal_quarter" in catalog.grains(metric):
            out.append((name, None, "fiscal_quarter", ["metric_time__fiscal_quarter"]))
    return out


def compare(project: Path, database: Path, names: list[str]) -> list[tuple[str, int, str]]:
    """(request, rows compared, first difference or '') for each metric and dimension."""
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    from revops_cli.metrics.api import MetricStore

    todo = requests(project, names)
    # revops first, then MetricFlow: one process may not hold the file in two modes.
    ours: dict[tuple[str, str | None, str], dict[tuple[str, ...], Any]] = {}
    with MetricStore.open(project_dir=PROJECT, database=database) as store:
        as_of = store.query("leads", grain="day").rows[-1][0]  # the last closed day
        for name, dim, grain, _ in todo:
            result = store.query(name, grain=grain, by=[dim] if dim else [])
            ours[name, dim, grain] = {
                (_key(r[0]), *(str(v) for v in r[1:-1])): r[-1] for r in result.series(name)
            }
    cfg = CLIConfiguration()
    cfg.setup(
        dbt_profiles_path=project / "profiles",
        dbt_project_path=project,
        configure_file_logging=False,
    )
    rows = []
    for name, dim, grain, group_by in todo:
        label = f"{name} by {dim or grain}" if dim or grain != "month" else name
        mine = ours[name, dim, grain]
        # The periods revops reports (MetricFlow does not know the data's as-of).
        periods = [k[0] for k in mine]
        first, last = min(periods), max(periods)
        # MetricFlow 0.213 cannot constrain time at a custom granularity: a where on the
        # day (to the data's as-of, as revops counts) and the fiscal rows outside revops'
        # periods left out below.
        constraint: dict[str, Any] = {
            "where_constraints": [
                f"{{{{ TimeDimension('metric_time', 'day') }}}} <= '{_key(as_of)}'"
            ]
        }
        request = MetricFlowQueryRequest.create(
            metric_names=[name], group_by_names=group_by, **constraint
        )
        try:
            table = cfg.mf.query(mf_request=request).result_df
        except Exception as exc:  # MetricFlow's own errors, reported per request
            rows.append((label, len(mine), f"MetricFlow failed: {str(exc)[:300]!r}"))
            continue
        theirs = {
            (_key(r[0]), *(str(v) for v in r[1:-1])): r[-1]
            for r in table.rows
            if r[0] is not None and first <= _key(r[0]) <= last
        }
        diff = ""
        for key in sorted(set(mine) | set(theirs), key=str):
            if key not in mine:
                if theirs[key] in (None, 0):  # a filled empty slice revops does not list
                    continue
                diff = f"{key}: MetricFlow {theirs[key]!r}, not in revops' rows"
            elif key not in theirs and mine[key] == 0:
                continue  # MetricFlow fills empty periods, not empty slices: no row is 0
            elif not _same(mine[key], theirs.get(key)):
                diff = f"{key}: revops {mine[key]!r}, MetricFlow {theirs.get(key)!r}"
            if diff:
                break
        rows.append((label, len(mine), diff))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--metric", action="append", help="only these metrics")
    parser.add_argument("--skip-validate", action="store_true")
    ns = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="revops-mf-") as tmp:
        # A copy of the database: the lane adds the spine and must not touch the original.
        database = Path(tmp) / "revops.duckdb"
        shutil.copy(ns.database, database)
        os.environ["REVOPS_DUCKDB_PATH"] = str(database)
        project = copy_project(Path(tmp))
        dbt_build_spine(project)
        if not ns.skip_validate:
            validate(project)
        import yaml

        exported = [
            m["name"]
            for m in yaml.safe_load((project / "models/semantic/metrics.yml").read_text())[
                "metrics"
            ]
        ]
        from revops_cli.metrics.catalog import load_catalog

        catalog = load_catalog(PROJECT)
        # The catalog's metrics (a funnel's hidden helpers are checked through it).
        names = [n for n in exported if n in catalog.metrics and (not ns.metric or n in ns.metric)]
        rows = compare(project, database, names)
    width = max(len(r[0]) for r in rows)
    for name, periods, diff in rows:
        print(f"{name:<{width}}  {periods:>3}  {'ok' if not diff else 'DIFFERS ' + diff}")
    bad = [r for r in rows if r[2]]
    print(
        f"\n{len(rows) - len(bad)} of {len(rows)} requests ({len(names)} exported metrics by"
        f" month, by their first dimension and by fiscal quarter) equal revops query"
        f" ({time.perf_counter() - began:.0f} s)"
    )
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
