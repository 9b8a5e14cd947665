"""`revops whatif` and `revops diff`: change a definition in a sandbox and see what moves.

A what-if never touches the baseline (the published DuckDB file BI tools read):

1. ``--set KEY=VALUE`` names a definition of dbt_project.yml's ``vars.revops`` by its dotted
   path; the value is YAML (``80``, ``[a, b]``, ``null``). Unknown keys are refused.
2. The models that read an overridden definition (``revops.definition('...')`` in the model
   or in a macro it calls, found by reading the files) and everything downstream of them
   are the selection: ``int_leads_lifecycle+`` and so on. Nothing else is rebuilt.
3. The scenario is a copy of the baseline file in ``whatif/<name>/`` beside it (same file
   name: DuckDB names the catalog after the file), built there with `revops build`
   (the suites included; published on the copy even when a test or expectation fails,
   which the output lists: a redefinition can break an invariant), its run history carried over:
   the scenario's ``revops_meta.runs`` holds the baseline's runs and its own, with the
   overrides, the selection, the git commit and the time.
4. dbt unit tests pin the baseline's rules, so a what-if skips them: those of the rebuilt
   models are named in the output.
5. The difference from the baseline (``diff``): key funnel and revenue metrics over the
   window (counts and amounts summed over its months, rates as summed numerators over
   summed denominators), and the leads whose lifecycle stages changed (fct_lead_funnel:
   gained or lost each stage).

DuckDB only for now: on PostgreSQL a scenario would be a schema suffix of its own.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from revops_cli.errors import ConfigError, DatabaseError

if TYPE_CHECKING:
    from revops_cli.build import BuildSummary
    from revops_cli.dbt_runner import Progress
    from revops_cli.project import Project

#: The metrics a diff compares: the funnel's counts and rates, then revenue.
KEY_METRICS = (
    "leads",
    "mqls",
    "sals",
    "sqls",
    "opportunities_created",
    "deals_won",
    "lead_to_mql",
    "mql_to_sal",
    "sal_to_sql",
    "mql_rejection_rate",
    "opportunity_win_rate",
    "bookings",
    "new_mrr",
)
#: fct_lead_funnel's stage timestamps: a lead reached the stage when it is set.
LEAD_STAGES = ("mql_at", "sal_at", "rejected_at", "sql_at", "opportunity_at", "won_at")
#: How many lead ids the table output shows per stage (JSON and CSV have them all).
SHOWN_LEADS = 5
WHATIF_DIR = "whatif"

_DEFINITION = re.compile(r"""revops\.definition\(\s*['"]([a-z0-9_.]+)['"]\s*\)""")
_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(")
_REF = re.compile(r"""\bref\(\s*['"](\w+)['"]\s*\)""")


# --- the overrides ----------------------------------------------------------------------


def parse_sets(values: tuple[str, ...] | list[str], definitions: dict[str, Any]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as nested overrides; every KEY a definition that exists."""
    if not values:
        raise ConfigError("what to change: --set KEY=VALUE, e.g. --set slas.lead_response_hours=4")
    overrides: dict[str, Any] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        path = key.strip().split(".")
        if not sep or not all(path):
            raise ConfigError(f"--set {value!r}: expected KEY=VALUE with a dotted KEY")
        node: Any = definitions
        for depth, part in enumerate(path):
            if not isinstance(node, dict) or part not in node:
                where = ".".join(path[:depth]) or "the top level"
                known = ", ".join(sorted(node)) if isinstance(node, dict) else "nothing"
                raise ConfigError(
                    f"--set {value!r}: no definition {'.'.join(path[: depth + 1])} "
                    f"(under {where}: {known})"
                )
            node = node[part]
        try:
            parsed = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as exc:
            raise ConfigError(f"--set {value!r}: the value is not YAML ({exc})") from exc
        target = overrides
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = parsed
    return overrides


def dbt_vars(overrides: dict[str, Any]) -> str:
    """The overrides as `revops build --vars` takes them."""
    from revops_cli.config import OVERRIDES_VAR

    return yaml.safe_dump({OVERRIDES_VAR: overrides}, default_flow_style=True).strip()


def _keys(overrides: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for k, v in overrides.items():
        path = f"{prefix}{k}"
        keys += _keys(v, f"{path}.") if isinstance(v, dict) and v else [path]
    return keys


# --- what they touch --------------------------------------------------------------------


@dataclass
class Affected:
    """The models reading an overridden definition, and everything downstream of them."""

    direct: list[str]
    closure: set[str]

    @property
    def selection(self) -> str:
        return " ".join(f"{m}+" for m in self.direct)


def affected(project_dir: Path, overrides: dict[str, Any]) -> Affected:
    """Which models a change of ``overrides`` reaches, read from the model and macro files
    (a definition read by a macro counts for every model calling the macro)."""
    keys = _keys(overrides)
    macro_paths: dict[str, set[str]] = {}
    macro_calls: dict[str, set[str]] = {}
    bodies: dict[str, str] = {}
    for path in sorted((project_dir / "macros").rglob("*.sql")):
        text = path.read_text()
        # each macro's body: from its {% macro %} to the next one
        starts = [(m.start(), m.group(1)) for m in _MACRO.finditer(text)]
        for i, (at, name) in enumerate(starts):
            bodies[name] = text[at : starts[i + 1][0] if i + 1 < len(starts) else len(text)]
    for name, body in bodies.items():
        macro_paths[name] = set(_DEFINITION.findall(body))
        macro_calls[name] = {m for m in bodies if m != name and re.search(rf"\b{m}\(", body)}
    reads: dict[str, set[str]] = {}
    refs: dict[str, set[str]] = {}
    for path in sorted((project_dir / "models").rglob("*.sql")):
        text = path.read_text()
        found = set(_DEFINITION.findall(text))
        todo = [m for m in bodies if re.search(rf"\b{m}\(", text)]
        seen: set[str] = set()
        while todo:
            macro = todo.pop()
            if macro in seen or macro == "definition":
                continue
            seen.add(macro)
            found |= macro_paths.get(macro, set())
            todo += macro_calls.get(macro, set())
        reads[path.stem] = found
        refs[path.stem] = set(_REF.findall(text))
    direct = sorted(
        m for m, paths in reads.items() if any(_overlap(p, k) for p in paths for k in keys)
    )
    closure = set(direct)
    changed = True
    while changed:
        changed = False
        for model, parents in refs.items():
            if model not in closure and parents & closure:
                closure.add(model)
                changed = True
    return Affected(direct, closure)


def _overlap(read: str, key: str) -> bool:
    """A model reading ``read`` sees a change of ``key`` when one path contains the other."""
    return read == key or key.startswith(f"{read}.") or read.startswith(f"{key}.")


def unit_tests(project_dir: Path, models: set[str]) -> list[str]:
    """The dbt unit tests (``unit_tests:`` in models/**/*.yml) of ``models``."""
    names = []
    for path in sorted((project_dir / "models").rglob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        for test in data.get("unit_tests") or []:
            if test.get("model") in models:
                names.append(f"{test['model']}::{test['name']}")
    return names


# --- the scenario -----------------------------------------------------------------------


def scenario_database(project: Project, name: str) -> Path:
    """Where a scenario lives: whatif/<name>/ beside the baseline, under its file name."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ConfigError(f"--name {name!r}: use letters, digits, '.', '_' and '-'")
    return project.database.parent / WHATIF_DIR / name / project.database.name


def default_name(overrides: dict[str, Any]) -> str:
    """A scenario name from what it sets: min_score-80, stagnation_days-30_..."""
    parts = []
    for key in _keys(overrides):
        node: Any = overrides
        for part in key.split("."):
            node = node[part]
        value = re.sub(r"[^A-Za-z0-9.]+", "-", str(node)).strip("-") or "none"
        parts.append(f"{key.rsplit('.', 1)[-1]}-{value}")
    return "_".join(parts)[:80]


def prepare(project: Project, scenario: Path) -> Project:
    """A fresh copy of the published baseline at ``scenario``, with the baseline's run
    history as the scenario's, and the project pointed at it. The baseline is only read."""
    import duckdb

    from revops_cli.publish import SHADOW_DIR, publish_mode, read_runs, read_runs_table

    if publish_mode(project) != "swap":
        raise ConfigError(
            "revops whatif needs a DuckDB target whose path follows --database "
            "(REVOPS_DUCKDB_PATH): a scenario is a copy of that file"
        )
    baseline = project.database
    if not baseline.exists():
        raise ConfigError(f"{baseline} does not exist: build the baseline first (revops build)")
    if scenario.parent.exists():
        shutil.rmtree(scenario.parent)
    (scenario.parent / SHADOW_DIR).mkdir(parents=True)
    try:  # held read-only while copying: other readers may stay, no writer may start
        hold = duckdb.connect(str(baseline), read_only=True)
    except duckdb.Error as exc:
        raise DatabaseError(
            f"cannot read {baseline} ({exc}); another process may hold it open for writing"
        ) from exc
    try:
        shutil.copyfile(baseline, scenario)
        wal = baseline.with_name(baseline.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, scenario.with_name(scenario.name + ".wal"))
        log = baseline.parent / SHADOW_DIR / f"{baseline.name}.runs.jsonl"
        runs = read_runs(log)
        if not runs:  # no log beside it (a copied file): the history the file carries
            runs = read_runs_table(hold)
    finally:
        hold.close()
    with (scenario.parent / SHADOW_DIR / f"{scenario.name}.runs.jsonl").open("w") as f:
        for run in runs:
            f.write(json.dumps(asdict(run)) + "\n")
    return replace(project, database=scenario)


@dataclass
class WhatIf:
    name: str
    database: Path
    overrides: dict[str, Any]
    affected: Affected
    skipped_unit_tests: list[str]
    summary: BuildSummary
    diff: Diff | None

    @property
    def failures(self) -> list[str]:
        """What failed in the scenario's build: dbt nodes, then expectations."""
        out = [f"{n.resource_type} {n.name}: {n.status}" for n in self.summary.dbt.failed]
        if self.summary.checks is not None:
            out += [
                f"expectation {r.suite}.{r.expectation}: {r.status}"
                + (f" ({r.unexpected_count} rows)" if r.unexpected_count else "")
                for r in self.summary.checks.failed
            ]
        return out

    @property
    def rebuilt(self) -> list[str]:
        """The models the scenario's build ran."""
        return sorted(n.name for n in self.summary.dbt.nodes if n.resource_type == "model")


def whatif(
    project: Project,
    sets: tuple[str, ...] | list[str],
    name: str | None = None,
    progress: Progress | None = None,
    checks: bool = True,
) -> WhatIf:
    """Build a scenario with ``sets`` on a copy of the baseline and diff it against it."""
    from revops_cli.build import build
    from revops_cli.config import ProjectConfig
    from revops_cli.validate import validate_project

    config = ProjectConfig.load(project.project_dir)
    overrides = parse_sets(sets, config.definitions)
    reach = affected(project.project_dir, overrides)
    if not reach.direct:
        raise ConfigError(
            f"no model reads {', '.join(_keys(overrides))}: nothing to rebuild "
            "(a metric target or alert threshold? `revops monitor` reads those)"
        )
    # A value the definitions' schema refuses is said before anything is copied.
    validate_project(project.project_dir, dbt_vars(overrides), suites=False).raise_first()
    name = name or default_name(overrides)
    scenario = prepare(project, scenario_database(project, name))
    # The scenario is a sandbox only the diff reads: it is published whatever the gate says,
    # and what fails there (a redefinition can break an invariant) is reported with it.
    summary = build(
        scenario,
        select=reach.selection,
        dbt_vars=dbt_vars(overrides),
        progress=progress,
        checks=checks,
        force_publish=True,
    )
    published = summary.run is not None and summary.run.status == "published"
    changes = diff(project, project.database, scenario.database) if published else None
    built = {n.name for n in summary.dbt.nodes if n.resource_type == "model"}
    skipped = unit_tests(project.project_dir, built)
    return WhatIf(name, scenario.database, overrides, reach, skipped, summary, changes)


# --- the difference ---------------------------------------------------------------------


@dataclass
class MetricChange:
    metric: str
    format: str
    baseline: float | None
    scenario: float | None

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.scenario is None:
            return None
        return self.scenario - self.baseline


@dataclass
class StageChange:
    stage: str
    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


@dataclass
class Diff:
    baseline: Path
    scenario: Path
    start: date
    end: date  # exclusive
    metrics: list[MetricChange]
    stages: list[StageChange]


def diff(
    project: Project,
    baseline: Path,
    scenario: Path,
    start: date | None = None,
    end: date | None = None,
) -> Diff:
    """Key metrics over the window (default: the baseline's last twelve closed months) and
    the leads whose stages differ, between two built DuckDB files."""
    from revops_cli.leaks import default_window
    from revops_cli.metrics.api import MetricStore

    for path in (baseline, scenario):
        if not path.exists():
            raise ConfigError(f"{path} does not exist: give two built revops databases")
    with MetricStore(replace(project, database=baseline)) as store:
        first, stop = default_window(store.as_of())
        start, end = start or first, end or stop
        if start >= end:
            raise ConfigError(f"--start {start} must be before --end {end}")
        catalog = store.catalog
        names = [m for m in KEY_METRICS if m in catalog.metrics]
        off = set(store.systems_off)
        names = [m for m in names if not any(s in off for s in catalog.systems(catalog.metrics[m]))]
        before = _window_values(store, names, start, end)
        marts = catalog.models[_as_of_model()].schema
    with MetricStore(replace(project, database=scenario)) as store:
        after = _window_values(store, names, start, end)
    metrics = [
        MetricChange(m, catalog.metrics[m].format, before.get(m), after.get(m)) for m in names
    ]
    return Diff(baseline, scenario, start, end, metrics, _stage_changes(baseline, scenario, marts))


def _as_of_model() -> str:
    from revops_cli.metrics.catalog import AS_OF_MODEL

    return AS_OF_MODEL


def _window_values(store: Any, names: list[str], start: date, end: date) -> dict[str, float | None]:
    """Each metric over the window: a rate from its summed parts, anything else summed."""
    rows = store.query(names, grain="month", start=start, end=end, parts=True).to_dicts()
    out: dict[str, float | None] = {}
    for m in names:
        if rows and f"{m}__denominator" in rows[0]:
            num = sum(float(r[f"{m}__numerator"] or 0) for r in rows)
            den = sum(float(r[f"{m}__denominator"] or 0) for r in rows)
            out[m] = num / den if den else None
        else:
            values = [float(r[m]) for r in rows if r[m] is not None]
            out[m] = sum(values) if values else None
    return out


def _stage_changes(baseline: Path, scenario: Path, marts: str) -> list[StageChange]:
    import duckdb

    con = duckdb.connect()
    try:
        for alias, path in (("base", baseline), ("scen", scenario)):
            quoted = str(path).replace("'", "''")
            con.execute(f"attach '{quoted}' as {alias} (read_only)")
        changes = []
        for stage in LEAD_STAGES:
            rows = con.execute(
                f"select coalesce(b.lead_id, s.lead_id) as lead_id, s.{stage} is not null "
                f"from base.{marts}.fct_lead_funnel as b "
                f"full join scen.{marts}.fct_lead_funnel as s on b.lead_id = s.lead_id "
                f"where (b.{stage} is null) <> (s.{stage} is null) order by 1"
            ).fetchall()
            changes.append(
                StageChange(
                    stage.removesuffix("_at"),
                    [r[0] for r in rows if r[1]],
                    [r[0] for r in rows if not r[1]],
                )
            )
        return changes
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot compare the leads of the two builds: {exc}") from exc
    finally:
        con.close()


# --- output -----------------------------------------------------------------------------


def diff_json(result: Diff) -> dict[str, Any]:
    return {
        "baseline": str(result.baseline),
        "scenario": str(result.scenario),
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "metrics": [
            {
                "metric": m.metric,
                "baseline": m.baseline,
                "scenario": m.scenario,
                "change": m.change,
            }
            for m in result.metrics
        ],
        "leads": [{"stage": s.stage, "gained": s.gained, "lost": s.lost} for s in result.stages],
    }


def diff_text(result: Diff, fmt: str = "table", unit: str | None = None) -> str:
    """The metrics table and the leads that changed stage, or JSON / CSV (metrics)."""
    from revops_cli.render import metric_value, render

    if fmt == "json":
        return json.dumps(diff_json(result), indent=2, default=str)
    rows = [(m.metric, m.baseline, m.scenario, m.change) for m in result.metrics]
    if fmt == "csv":
        return render(["metric", "baseline", "scenario", "change"], rows, fmt)
    money = f"; money in {unit}" if unit else ""
    title = (
        f"Scenario vs baseline, months {result.start.isoformat()} to "
        f"{result.end.isoformat()} (exclusive{money})"
    )
    cells = [
        (
            m.metric,
            metric_value(m.baseline, m.format),
            metric_value(m.scenario, m.format),
            _signed(m.change, m.format),
        )
        for m in result.metrics
    ]
    lines = [render(["metric", "baseline", "scenario", "change"], cells, title=title), ""]
    stage_rows = [
        (s.stage, len(s.gained), len(s.lost), ", ".join((s.gained + s.lost)[:SHOWN_LEADS]))
        for s in result.stages
    ]
    lines.append(
        render(
            ["stage", "leads gained", "leads lost", "e.g."],
            stage_rows,
            title="Leads whose lifecycle stage changed (fct_lead_funnel; all ids: --format json)",
        )
    )
    return "\n".join(lines)


def _signed(value: float | None, fmt: str) -> str:
    from revops_cli.render import metric_value

    if value is None:
        return "-"
    if fmt == "percent":
        return f"{value * 100:+.1f} pp"
    shown = str(metric_value(abs(value), fmt))
    return f"{'+' if value > 0 else '-' if value < 0 else ''}{shown}"


def whatif_text(result: WhatIf, fmt: str = "table", unit: str | None = None) -> str:
    """What was built and skipped, then the diff (CSV: the diff's metrics only)."""
    run = result.summary.run
    if fmt == "csv":
        return diff_text(result.diff, fmt) if result.diff is not None else ""
    status = run.status if run is not None else "not recorded"
    if fmt == "json":
        return json.dumps(
            {
                "name": result.name,
                "scenario": str(result.database),
                "overrides": result.overrides,
                "selection": result.affected.selection,
                "rebuilt_models": result.rebuilt,
                "skipped_unit_tests": result.skipped_unit_tests,
                "run_id": run.run_id if run is not None else None,
                "status": status,
                "reason": run.reason if run is not None else "",
                "failures": result.failures,
                "diff": diff_json(result.diff) if result.diff is not None else None,
            },
            indent=2,
            default=str,
        )
    head = [
        f"What-if {result.name}: {dbt_vars(result.overrides)}",
        f"Rebuilt {len(result.rebuilt)} models ({result.affected.selection}) "
        f"into {result.database}: {status}",
        "Skipped dbt unit tests (they pin the baseline's rules): "
        + (", ".join(result.skipped_unit_tests) or "none"),
        "Failing in the scenario (published anyway: a sandbox): "
        + ("; ".join(result.failures) or "nothing"),
    ]
    if result.diff is None:
        reason = run.reason if run is not None else ""
        return "\n".join([*head, f"The scenario was not published ({reason}): no diff."])
    return "\n".join([*head, "", diff_text(result.diff, fmt, unit)])
