"""Loading and validating the metric catalog (metrics/*.yml).

``validate_catalog`` returns every mistake as file:line:column with what was expected (and
the closest valid name for a misspelt one); ``load_catalog`` raises on the first.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from revops_cli.errors import ConfigError
from revops_cli.metrics.guard import UnsafeExpression, parse_expression
from revops_cli.metrics.models import TIME_GRAINS, Model, load_models
from revops_cli.metrics.request import GRAINS
from revops_cli.metrics.spec import (
    ADDITIVE,
    TYPES,
    Conversion,
    Cumulative,
    Derived,
    Metric,
    MetricFile,
    MetricInput,
    Ratio,
    Simple,
    VarRef,
    WindowRef,
    parse_window,
)
from revops_cli.yamlpos import Problem, duplicate_keys, locate, problem_at, read_text

CATALOG_DIR = "metrics"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The date spine every period comes from, and the one-row model holding the data's as-of
#: (the last day the data closes): both are marts the catalog needs.
SPINE_MODEL = "dim_date"
AS_OF_MODEL = "dim_as_of"
AS_OF_COLUMN = "last_closed_date"
#: Built-in names a derived expression may use besides its inputs.
BUILTINS = ("period_days",)
#: Which query grains a time column of each grain can answer (a monthly column cannot be
#: cut into weeks or days).
GRAINS_FOR: dict[str, tuple[str, ...]] = {
    "day": GRAINS,
    "week": tuple(g for g in GRAINS if g != "day"),
    "month": tuple(g for g in GRAINS if g not in ("day", "week")),
}
_CLASSES: dict[str, type[BaseModel]] = {
    "simple": Simple,
    "ratio": Ratio,
    "derived": Derived,
    "cumulative": Cumulative,
    "conversion": Conversion,
}


@dataclass
class Catalog:
    """The validated metrics, where each is defined, the models they read, and the
    definitions their ``{var: ...}`` references resolve to."""

    metrics: dict[str, Metric]
    models: dict[str, Model]
    files: dict[str, Path] = field(default_factory=dict)
    project_dir: Path = Path()
    #: vars.revops with what-if overrides merged: what ``{var: ...}`` references read.
    definitions: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Metric:
        """The metric called ``name``; ConfigError naming the closest one otherwise."""
        if name in self.metrics:
            return self.metrics[name]
        close = difflib.get_close_matches(name, list(self.metrics), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else " (see 'revops metrics list')"
        raise ConfigError(f"no metric '{name}'{hint}")

    def leaves(self, metric: Metric) -> list[Simple | Conversion]:
        """The simple and conversion metrics at the bottom of ``metric``."""
        if isinstance(metric, Simple | Conversion):
            return [metric]
        if isinstance(metric, Cumulative):
            return self.leaves(self.metrics[metric.metric])
        inputs = (
            [metric.numerator, metric.denominator] if isinstance(metric, Ratio) else metric.metrics
        )
        out: list[Simple | Conversion] = []
        for i in inputs:
            for leaf in self.leaves(self.metrics[i.metric]):
                if leaf not in out:
                    out.append(leaf)
        return out

    def systems(self, metric: Metric) -> list[str]:
        """The source systems ``metric`` needs (those of the models below it)."""
        out: list[str] = []
        for leaf in self.leaves(metric):
            for system in self.models[leaf.model].systems:
                if system not in out:
                    out.append(system)
        return out

    def dimensions(self, metric: Metric) -> list[str]:
        """The dimensions ``metric`` may be sliced by."""
        if isinstance(metric, Simple | Conversion):
            return list(metric.dimensions or [])
        if metric.dimensions is not None:
            return list(metric.dimensions)
        if isinstance(metric, Cumulative):
            return self.dimensions(self.metrics[metric.metric])
        inputs = (
            [metric.numerator, metric.denominator] if isinstance(metric, Ratio) else metric.metrics
        )
        sets = [self.dimensions(self.metrics[i.metric]) for i in inputs]
        return [d for d in sets[0] if all(d in s for s in sets[1:])]

    def number(self, value: float | VarRef) -> float:
        """A target or threshold: the number, or the definition it references."""
        if isinstance(value, VarRef):
            return float(_lookup(self.definitions, value.var))
        return float(value)

    def window(self, window: str | WindowRef) -> tuple[int, str, str | None]:
        """A window as (length, unit, the definition it references or None)."""
        if isinstance(window, WindowRef):
            return int(_lookup(self.definitions, window.var)), window.unit, window.var
        n, unit = parse_window(window)
        return n, unit, None

    def grains(self, metric: Metric) -> list[str]:
        """The grains ``metric`` can be queried at: those every time column below it allows,
        within its own ``grains`` and its inputs'."""
        allowed = set(metric.grains or GRAINS)
        if isinstance(metric, Simple):
            if metric.time:
                allowed &= set(
                    GRAINS_FOR.get(self.models[metric.model].time_grain(metric.time), ())
                )
        elif isinstance(metric, Conversion):
            for step in metric.steps:
                model = self.models[step.model or metric.model]
                allowed &= set(GRAINS_FOR.get(model.time_grain(step.time), ()))
        else:
            for name in _inputs(metric):
                allowed &= set(self.grains(self.metrics[name]))
        return [g for g in GRAINS if g in allowed]

    def time_sources(self) -> list[tuple[str, str]]:
        """Every (model, time column) the catalog reads: where the data's periods begin."""
        pairs: list[tuple[str, str]] = []
        for name in sorted(self.metrics):
            metric = self.metrics[name]
            if isinstance(metric, Simple) and metric.time:
                pairs.append((metric.model, metric.time))
            elif isinstance(metric, Conversion):
                pairs.extend((s.model or metric.model, s.time) for s in metric.steps)
        return list(dict.fromkeys(pairs))

    def leaf_columns(self, metric: Metric) -> list[str]:
        """Columns every leaf model of ``metric`` has (what an input filter may use)."""
        # An unknown model is reported on the metric that names it; here it adds nothing.
        sets = [
            set(self.models[m].columns)
            for leaf in self.leaves(metric)
            for m in _models(leaf)
            if m in self.models
        ]
        common = set.intersection(*sets) if sets else set()
        return sorted(common)


def _lookup(definitions: dict[str, Any], path: str) -> Any:
    node: Any = definitions
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise ConfigError(f"definition '{path}' is not set (dbt_project.yml, vars.revops)")
        node = node[key]
    return node


def _models(leaf: Simple | Conversion) -> list[str]:
    if isinstance(leaf, Simple):
        return [leaf.model]
    return [s.model or leaf.model for s in leaf.steps]


def catalog_files(project_dir: Path) -> list[Path]:
    """The catalog's files, in name order."""
    return sorted((project_dir / CATALOG_DIR).glob("*.yml"))


def _expected_fields(loc: tuple[Any, ...], data: Any) -> list[str]:
    """Valid keys at the parent of ``loc`` (for 'did you mean')."""
    if len(loc) < 3 or loc[0] != "metrics":
        return list(MetricFile.model_fields)
    try:
        kind = data["metrics"][loc[1]]["type"]
    except (KeyError, IndexError, TypeError):
        kind = None
    current: Any = _CLASSES.get(kind) if isinstance(kind, str) else None
    rest = [k for k in loc[2:-1] if k not in TYPES]
    for key in rest:
        if current is None:
            return []
        if isinstance(key, int):
            continue
        fields = getattr(current, "model_fields", {})
        if key not in fields:
            return []
        current = _model_in(fields[key].annotation)
    return list(getattr(current, "model_fields", {})) if current else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found:
                return found
    return None


def _schema_problems(path: Path, root: yaml.Node, data: Any) -> list[Problem]:
    try:
        MetricFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            extra = err["type"] == "extra_forbidden"
            if err["type"] == "union_tag_invalid":
                loc = (*loc, "type")
            node, _ = locate(root, list(loc), key_node=extra, skip=TYPES)
            key = _key(loc, data)
            message = err["msg"]
            if extra:
                close = difflib.get_close_matches(str(loc[-1]), _expected_fields(loc, data), n=1)
                message = "unknown key" + (f"; did you mean '{close[0]}'?" if close else "")
            elif err["type"] == "missing":
                message = "required key is missing"
            elif err["type"] in ("literal_error", "union_tag_invalid"):
                ctx = err.get("ctx") or {}
                options = re.findall(
                    r"'([^']*)'", str(ctx.get("expected") or ctx.get("expected_tags"))
                )
                got = err["input"] if err["type"] == "literal_error" else ctx.get("tag")
                close = difflib.get_close_matches(str(got), options, n=1)
                message = f"expected one of {', '.join(options)}, got {got!r}" + (
                    f"; did you mean '{close[0]}'?" if close else ""
                )
            elif err["type"] == "union_tag_not_found":
                message = f"required key 'type' is missing (one of {', '.join(TYPES)})"
            elif err["type"] == "string_pattern_mismatch":
                message = f"{_pattern_text(str(loc[-1]))}, got {err['input']!r}"
            elif "input" in err and not isinstance(err["input"], dict | list):
                message = f"{message}, got {err['input']!r}"
            problems.append(problem_at(path, node, key, message.replace("Value error, ", "")))
        return problems
    return []


def _pattern_text(key: str) -> str:
    if "window" in key:
        return "expected a window like '30 days' or '12 months'"
    return "expected a lowercase snake_case name (a-z, 0-9, _)"


def _key(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    for i, k in enumerate(loc):
        if k in TYPES and i == 2:
            continue
        if isinstance(k, int) and i == 1:
            try:
                parts.append(str(data["metrics"][k]["name"]))
                continue
            except (KeyError, IndexError, TypeError):
                pass
        parts.append(f"[{k}]" if isinstance(k, int) else str(k))
    return ".".join(parts).replace(".[", "[")


def _closest(name: str, options: list[str] | dict[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def validate_catalog(project_dir: Path, overrides: dict[str, Any] | None = None) -> list[Problem]:
    """Every mistake in metrics/*.yml, each located as file:line:column."""
    problems: list[Problem] = []
    _load(project_dir, problems, overrides)
    return sorted(problems)


def load_catalog(project_dir: Path, overrides: dict[str, Any] | None = None) -> Catalog:
    """The validated catalog (``overrides``: what-if definitions, as revops_overrides);
    ConfigError naming the first mistake otherwise."""
    problems: list[Problem] = []
    catalog = _load(project_dir, problems, overrides)
    if problems:
        problems.sort()
        more = (
            f" (and {len(problems) - 1} more: run 'revops metrics validate')"
            if len(problems) > 1
            else ""
        )
        raise ConfigError(f"{problems[0]}{more}")
    return catalog


def _load(  # noqa: C901
    project_dir: Path, problems: list[Problem], overrides: dict[str, Any] | None = None
) -> Catalog:
    from revops_cli.definitions import load_definitions

    models = load_models(project_dir)
    try:
        definitions = load_definitions(project_dir, overrides)
    except ConfigError:
        # No definitions to read: only a metric that references one is a mistake (the
        # reference says so where it is).
        definitions = {}
    metrics: dict[str, Metric] = {}
    where: dict[str, tuple[Path, yaml.Node]] = {}
    adapter: TypeAdapter[Metric] = TypeAdapter(Metric)
    files = catalog_files(project_dir)
    problems += [
        Problem(p, 1, 1, p.name, f"revops reads metrics/*.yml only: rename it to {p.stem}.yml")
        for p in sorted((project_dir / CATALOG_DIR).glob("*.yaml"))
    ]
    if not files:
        problems.append(
            Problem(project_dir / CATALOG_DIR, 1, 1, "metrics", "no metric files (*.yml)")
        )
    for path in files:
        text = read_text(path)
        try:
            root = yaml.compose(text, Loader=_LOADER)
            data = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(Problem(path, line, col, path.name, f"not valid YAML: {exc}"))
            continue
        if root is None or not isinstance(data, dict):
            problems.append(Problem(path, 1, 1, path.name, "expected a mapping with 'metrics:'"))
            continue
        problems += duplicate_keys(path, root)
        found = _schema_problems(path, root, data)
        problems.extend(found)
        bad = {p.key.split(".")[1].split("[")[0] for p in found if p.key.startswith("metrics.")}
        for i, raw in enumerate(data.get("metrics") or []):
            if not isinstance(raw, dict):
                continue
            try:
                metric = adapter.validate_python(raw)
            except ValidationError:
                continue
            node, _ = locate(root, ["metrics", i])
            if metric.name in metrics:
                first = where[metric.name][0]
                problems.append(
                    problem_at(
                        path, node, f"metrics.{metric.name}", f"duplicate name (also in {first})"
                    )
                )
                continue
            if metric.name in bad:
                continue
            metrics[metric.name] = metric
            where[metric.name] = (path, node)
    catalog = Catalog(
        metrics, models, {n: w[0] for n, w in where.items()}, project_dir, definitions
    )
    for needed, what in ((SPINE_MODEL, "the date spine"), (AS_OF_MODEL, "the data's as-of")):
        if metrics and needed not in models:
            problems.append(
                Problem(
                    project_dir / CATALOG_DIR,
                    1,
                    1,
                    "metrics",
                    f"{what} model '{needed}' is missing",
                )
            )
    for name, metric in metrics.items():
        path, node = where[name]
        _check_references(catalog, metric, path, node, problems)
    _check_cycles(catalog, where, problems)
    return catalog


@dataclass
class _References:
    """Reports the mistakes in one metric's references (models, columns, expressions,
    definitions), each located at its key in the metric's YAML."""

    catalog: Catalog
    metric: Metric
    path: Path
    node: yaml.Node
    problems: list[Problem]

    def report(self, keys: list[str | int], message: str) -> None:
        at, _ = locate(self.node, keys)
        key = ".".join(
            ["metrics", self.metric.name, *(f"[{k}]" if isinstance(k, int) else k for k in keys)]
        ).replace(".[", "[")
        self.problems.append(problem_at(self.path, at, key, message))

    def model(self, name: str, keys: list[str | int]) -> Model | None:
        if name not in self.catalog.models:
            self.report(keys, f"no dbt model '{name}'{_closest(name, self.catalog.models)}")
            return None
        return self.catalog.models[name]

    def column(self, m: Model, name: str, keys: list[str | int]) -> None:
        if name not in m.columns:
            self.report(keys, f"model {m.name} has no column '{name}'{_closest(name, m.columns)}")

    def expression(
        self, text: str | None, columns: list[str], keys: list[str | int], boolean: bool
    ) -> None:
        if text is None:
            return
        try:
            parse_expression(text, columns, what=str(keys[-1]) if keys else "expr", boolean=boolean)
        except UnsafeExpression as exc:
            self.report(keys, str(exc).split(": ", 1)[-1])

    def time_grain(self, m: Model, name: str, keys: list[str | int]) -> None:
        grain = m.time_grains.get(name)
        if grain is not None and grain not in TIME_GRAINS:
            self.report(
                keys,
                f"{m.name}.{name} declares time_grain {grain!r} in its YAML; "
                f"expected one of {', '.join(TIME_GRAINS)}",
            )

    def definition(
        self, value: Any, keys: list[str | int], whole: bool = False, nonzero: bool = False
    ) -> None:
        var = value.var if isinstance(value, VarRef | WindowRef) else None
        if var is None:
            if nonzero and value == 0:
                self.report(
                    keys,
                    "target 0: off_target measures a miss as a share of it; alert instead",
                )
            return
        try:
            found = _lookup(self.catalog.definitions, var)
        except ConfigError as exc:
            self.report(keys, str(exc))
            return
        if isinstance(found, bool) or not isinstance(found, int | float):
            self.report(keys, f"definition '{var}' is {found!r}, not a number")
        elif nonzero and found == 0:
            self.report(
                keys,
                f"definition '{var}' is 0: off_target measures a miss as a share of the target",
            )
        elif whole and (not float(found).is_integer() or found < 1):
            self.report(keys, f"definition '{var}' is {found!r}, not a whole number of at least 1")


def _check_references(
    catalog: Catalog, metric: Metric, path: Path, node: yaml.Node, problems: list[Problem]
) -> None:
    refs = _References(catalog, metric, path, node, problems)
    _check_definitions(refs, metric)
    if isinstance(metric, Simple):
        _check_simple(refs, metric)
    elif isinstance(metric, Conversion):
        _check_conversion(refs, metric)
    else:
        _check_composed(refs, metric)


def _check_definitions(refs: _References, metric: Metric) -> None:
    """The ``{var: ...}`` references: target, alert thresholds, window."""
    if metric.target is not None:
        # off_target measures the miss relative to the target (monitor.fires): never 0.
        refs.definition(metric.target.value, ["target", "value"], nonzero=True)
    for i, alert in enumerate(metric.alerts):
        refs.definition(alert.threshold, ["alerts", i, "threshold"])
    if isinstance(metric, Conversion | Cumulative):
        refs.definition(metric.window, ["window"], whole=True)


def _check_simple(refs: _References, metric: Simple) -> None:
    m = refs.model(metric.model, ["model"])
    if m is None:
        return
    if metric.time:
        refs.column(m, metric.time, ["time"])
        refs.time_grain(m, metric.time, ["time"])
    for i, d in enumerate(metric.dimensions or []):
        refs.column(m, d, ["dimensions", i])
    refs.expression(metric.expr, list(m.columns), ["expr"], boolean=False)
    refs.expression(metric.filter, list(m.columns), ["filter"], boolean=True)


def _check_conversion(refs: _References, metric: Conversion) -> None:
    base = refs.model(metric.model, ["model"])
    if base is None:
        return
    for i, d in enumerate(metric.dimensions or []):
        refs.column(base, d, ["dimensions", i])
    for i, step in enumerate(metric.steps):
        m = refs.model(step.model, ["steps", i, "model"]) if step.model else base
        if m is None:
            continue
        refs.column(m, step.time, ["steps", i, "time"])
        refs.time_grain(m, step.time, ["steps", i, "time"])
        refs.column(m, metric.entity, ["entity"] if m is base else ["steps", i, "model"])
        refs.expression(step.filter, list(m.columns), ["steps", i, "filter"], boolean=True)


def _check_composed(refs: _References, metric: Ratio | Derived | Cumulative) -> None:
    """A metric made of other metrics: its inputs first (every one is checked); the
    filters, expression and dimensions only when all inputs are sound."""
    inputs = _input_keys(metric)
    sound = [_check_input(refs, metric, inp, keys) for inp, keys in inputs]
    if not all(sound):
        return
    catalog = refs.catalog
    for inp, keys in inputs:
        if inp.filter and not _cyclic(catalog, inp.metric):
            refs.expression(
                inp.filter,
                catalog.leaf_columns(catalog.metrics[inp.metric]),
                [*keys, "filter"],
                boolean=True,
            )
    if isinstance(metric, Derived):
        refs.expression(
            metric.expr, [*(m.ref for m in metric.metrics), *BUILTINS], ["expr"], boolean=False
        )
    _check_shared_dimensions(refs, metric, inputs)


def _input_keys(
    metric: Ratio | Derived | Cumulative,
) -> list[tuple[MetricInput, list[str | int]]]:
    """A composed metric's inputs, each with its keys in the metric's YAML."""
    inputs: list[tuple[MetricInput, list[str | int]]]
    if isinstance(metric, Cumulative):
        inputs = [(MetricInput(metric=metric.metric), ["metric"])]
    elif isinstance(metric, Ratio):
        inputs = [(metric.numerator, ["numerator"]), (metric.denominator, ["denominator"])]
    else:
        inputs = [(m, ["metrics", i]) for i, m in enumerate(metric.metrics)]
    return inputs


def _check_input(
    refs: _References,
    metric: Ratio | Derived | Cumulative,
    inp: MetricInput,
    keys: list[str | int],
) -> bool:
    """Report what is wrong with one input (and its cohort); False when anything is."""
    catalog = refs.catalog
    ok = True
    if inp.metric not in catalog.metrics:
        ok = False
        refs.report(
            [*keys, "metric"] if keys != ["metric"] else keys,
            f"no metric '{inp.metric}'{_closest(inp.metric, catalog.metrics)}",
        )
    elif isinstance(metric, Cumulative) and not _is_flow(catalog.metrics[inp.metric]):
        ok = False
        refs.report(
            keys,
            "a cumulative metric accumulates a flow: a simple metric with a time and "
            f"agg {' or '.join(ADDITIVE)}, not a balance",
        )
    if inp.cohort is not None and inp.metric in catalog.metrics:
        problem = _cohort_problem(catalog, inp)
        if problem:
            ok = False
            refs.report([*keys, "cohort"], problem)
    return ok


def _is_flow(metric: Metric) -> bool:
    """Whether a cumulative metric can accumulate ``metric``: an additive simple metric
    with a time."""
    return (
        isinstance(metric, Simple)
        and metric.time is not None
        and not metric.non_additive
        and metric.agg in ADDITIVE
    )


def _check_shared_dimensions(
    refs: _References,
    metric: Ratio | Derived | Cumulative,
    inputs: list[tuple[MetricInput, list[str | int]]],
) -> None:
    """The dimensions a composed metric declares must be dimensions of every input."""
    catalog = refs.catalog
    if metric.dimensions is None or any(_cyclic(catalog, i.metric) for i, _ in inputs):
        return
    try:
        allowed = catalog.dimensions(metric.model_copy(update={"dimensions": None}))
    except KeyError:  # an input (or its input) was invalid, dropped and reported already
        return
    for i, d in enumerate(metric.dimensions):
        if d not in allowed:
            refs.report(
                ["dimensions", i],
                f"'{d}' is not a dimension of every input "
                f"(they share: {', '.join(allowed) or 'none'})",
            )


def _cohort_problem(catalog: Catalog, inp: MetricInput) -> str | None:
    """Why ``inp.cohort`` cannot restrict ``inp.metric`` (None when it can)."""
    cohort = catalog.metrics.get(inp.cohort or "")
    if cohort is None:
        return f"no metric '{inp.cohort}'{_closest(inp.cohort or '', catalog.metrics)}"
    if not (
        isinstance(cohort, Simple)
        and cohort.non_additive == "first"
        and cohort.agg == "count_distinct"
        and cohort.expr is not None
    ):
        return (
            f"'{inp.cohort}' cannot be a cohort: it must count distinct entities "
            "(agg: count_distinct, expr: the entity's column) at the period's start "
            "(non_additive: first)"
        )
    target = catalog.metrics[inp.metric]
    if not isinstance(target, Simple) or target.time is None:
        return "a cohort restricts a simple metric with a time"
    if (target.model, target.time) != (cohort.model, cohort.time):
        return (
            f"'{inp.metric}' and its cohort '{inp.cohort}' must read the same model and "
            f"time column ({target.model}.{target.time} vs {cohort.model}.{cohort.time})"
        )
    return None


def _inputs(metric: Metric) -> list[str]:
    if isinstance(metric, Cumulative):
        return [metric.metric]
    if isinstance(metric, Ratio):
        return [metric.numerator.metric, metric.denominator.metric]
    if isinstance(metric, Derived):
        return [m.metric for m in metric.metrics]
    return []


def _cyclic(catalog: Catalog, name: str, seen: tuple[str, ...] = ()) -> bool:
    if name in seen:
        return True
    metric = catalog.metrics.get(name)
    if metric is None:
        return False
    return any(_cyclic(catalog, i, (*seen, name)) for i in _inputs(metric))


def _check_cycles(
    catalog: Catalog, where: dict[str, tuple[Path, yaml.Node]], problems: list[Problem]
) -> None:
    for name in catalog.metrics:
        if _cyclic(catalog, name):
            path, node = where[name]
            problems.append(
                problem_at(path, node, f"metrics.{name}", "refers to itself through its inputs")
            )
