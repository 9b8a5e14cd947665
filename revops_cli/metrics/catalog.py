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
from revops_cli.metrics.models import Model, load_models
from revops_cli.metrics.spec import (
    TYPES,
    Conversion,
    Cumulative,
    Derived,
    Metric,
    MetricFile,
    MetricInput,
    Ratio,
    Simple,
)
from revops_cli.yamlpos import Problem, locate, problem_at

CATALOG_DIR = "metrics"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SPINE_MODEL = "dim_date"
_CLASSES: dict[str, type[BaseModel]] = {
    "simple": Simple,
    "ratio": Ratio,
    "derived": Derived,
    "cumulative": Cumulative,
    "conversion": Conversion,
}


@dataclass
class Catalog:
    """The validated metrics, where each is defined, and the models they read."""

    metrics: dict[str, Metric]
    models: dict[str, Model]
    files: dict[str, Path] = field(default_factory=dict)
    project_dir: Path = Path()

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

    def leaf_columns(self, metric: Metric) -> list[str]:
        """Columns every leaf model of ``metric`` has (what an input filter may use)."""
        sets = [set(self.models[m].columns) for leaf in self.leaves(metric) for m in _models(leaf)]
        common = set.intersection(*sets) if sets else set()
        return sorted(common)


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


def validate_catalog(project_dir: Path) -> list[Problem]:
    """Every mistake in metrics/*.yml, each located as file:line:column."""
    problems: list[Problem] = []
    _load(project_dir, problems)
    return sorted(problems)


def load_catalog(project_dir: Path) -> Catalog:
    """The validated catalog; ConfigError naming the first mistake otherwise."""
    problems: list[Problem] = []
    catalog = _load(project_dir, problems)
    if problems:
        problems.sort()
        more = (
            f" (and {len(problems) - 1} more: run 'revops metrics validate')"
            if len(problems) > 1
            else ""
        )
        raise ConfigError(f"{problems[0]}{more}")
    return catalog


def _load(project_dir: Path, problems: list[Problem]) -> Catalog:
    models = load_models(project_dir)
    metrics: dict[str, Metric] = {}
    where: dict[str, tuple[Path, yaml.Node]] = {}
    adapter: TypeAdapter[Metric] = TypeAdapter(Metric)
    files = catalog_files(project_dir)
    if not files:
        problems.append(
            Problem(project_dir / CATALOG_DIR, 1, 1, "metrics", "no metric files (*.yml)")
        )
    for path in files:
        text = path.read_text()
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
    catalog = Catalog(metrics, models, {n: w[0] for n, w in where.items()}, project_dir)
    if metrics and SPINE_MODEL not in models:
        problems.append(
            Problem(
                project_dir / CATALOG_DIR,
                1,
                1,
                "metrics",
                f"the date spine model '{SPINE_MODEL}' is missing",
            )
        )
    for name, metric in metrics.items():
        path, node = where[name]
        _check_references(catalog, metric, path, node, problems)
    _check_cycles(catalog, where, problems)
    return catalog


def _check_references(
    catalog: Catalog, metric: Metric, path: Path, node: yaml.Node, problems: list[Problem]
) -> None:
    def report(keys: list[str | int], message: str) -> None:
        at, _ = locate(node, keys)
        key = ".".join(
            ["metrics", metric.name, *(f"[{k}]" if isinstance(k, int) else k for k in keys)]
        ).replace(".[", "[")
        problems.append(problem_at(path, at, key, message))

    def model(name: str, keys: list[str | int]) -> Model | None:
        if name not in catalog.models:
            report(keys, f"no dbt model '{name}'{_closest(name, catalog.models)}")
            return None
        return catalog.models[name]

    def column(m: Model, name: str, keys: list[str | int]) -> None:
        if name not in m.columns:
            report(keys, f"model {m.name} has no column '{name}'{_closest(name, m.columns)}")

    def expression(
        text: str | None, columns: list[str], keys: list[str | int], boolean: bool
    ) -> None:
        if text is None:
            return
        try:
            parse_expression(text, columns, what=str(keys[-1]) if keys else "expr", boolean=boolean)
        except UnsafeExpression as exc:
            report(keys, str(exc).split(": ", 1)[-1])

    if isinstance(metric, Simple):
        m = model(metric.model, ["model"])
        if m is None:
            return
        if metric.time:
            column(m, metric.time, ["time"])
        for i, d in enumerate(metric.dimensions or []):
            column(m, d, ["dimensions", i])
        expression(metric.expr, list(m.columns), ["expr"], boolean=False)
        expression(metric.filter, list(m.columns), ["filter"], boolean=True)
        return
    if isinstance(metric, Conversion):
        base = model(metric.model, ["model"])
        if base is None:
            return
        for i, d in enumerate(metric.dimensions or []):
            column(base, d, ["dimensions", i])
        for i, step in enumerate(metric.steps):
            m = model(step.model, ["steps", i, "model"]) if step.model else base
            if m is None:
                continue
            column(m, step.time, ["steps", i, "time"])
            column(m, metric.entity, ["entity"] if m is base else ["steps", i, "model"])
            expression(step.filter, list(m.columns), ["steps", i, "filter"], boolean=True)
        return
    inputs: list[tuple[MetricInput, list[str | int]]]
    if isinstance(metric, Cumulative):
        inputs = [(MetricInput(metric=metric.metric), ["metric"])]
    elif isinstance(metric, Ratio):
        inputs = [(metric.numerator, ["numerator"]), (metric.denominator, ["denominator"])]
    else:
        inputs = [(m, ["metrics", i]) for i, m in enumerate(metric.metrics)]
    ok = True
    for inp, keys in inputs:
        if inp.metric not in catalog.metrics:
            ok = False
            report(
                [*keys, "metric"] if keys != ["metric"] else keys,
                f"no metric '{inp.metric}'{_closest(inp.metric, catalog.metrics)}",
            )
        elif isinstance(metric, Cumulative):
            accumulated = catalog.metrics[inp.metric]
            if (
                not isinstance(accumulated, Simple)
                or accumulated.time is None
                or accumulated.non_additive
            ):
                ok = False
                report(keys, "a cumulative metric accumulates a simple metric with a time")
    if not ok:
        return
    for inp, keys in inputs:
        if inp.filter and not _cyclic(catalog, inp.metric):
            expression(
                inp.filter,
                catalog.leaf_columns(catalog.metrics[inp.metric]),
                [*keys, "filter"],
                boolean=True,
            )
    if isinstance(metric, Derived):
        expression(metric.expr, [m.ref for m in metric.metrics], ["expr"], boolean=False)
    if metric.dimensions is not None and not any(_cyclic(catalog, i.metric) for i, _ in inputs):
        allowed = catalog.dimensions(metric.model_copy(update={"dimensions": None}))
        for i, d in enumerate(metric.dimensions):
            if d not in allowed:
                report(
                    ["dimensions", i],
                    f"'{d}' is not a dimension of every input "
                    f"(they share: {', '.join(allowed) or 'none'})",
                )


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
