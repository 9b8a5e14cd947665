"""The shared lifecycle definitions: dbt vars under the ``revops:`` key of dbt_project.yml.

What-if runs deep-merge ``revops_overrides`` on top (the dbt macro ``revops.definitions()``
does the same), because dbt's ``--vars`` replaces a top-level var whole.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from revops_cli.definitions.schema import Definitions
from revops_cli.errors import ConfigError, one_line
from revops_cli.yamlpos import Problem, locate

OVERRIDES_VAR = "revops_overrides"


def _read_project(project_dir: Path) -> tuple[Path, str]:
    path = project_dir / "dbt_project.yml"
    try:
        return path, path.read_text()
    except FileNotFoundError as exc:
        raise ConfigError(f"no dbt_project.yml in {project_dir}") from exc


def load_definitions(project_dir: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The definitions in force: vars.revops, with ``overrides`` deep-merged on top."""
    path, text = _read_project(project_dir)
    try:
        project = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {one_line(exc)}") from exc
    definitions = (project or {}).get("vars", {}).get("revops")
    if not isinstance(definitions, dict):
        raise ConfigError(f"{path}: expected a 'revops:' mapping under 'vars:'")
    return deep_merge(definitions, overrides or {})


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``, mappings merged key by key (as the dbt macro does)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def overrides_from_vars(dbt_vars: str | None) -> dict[str, Any]:
    """The ``revops_overrides`` part of a --vars YAML string."""
    if not dbt_vars:
        return {}
    try:
        parsed = yaml.safe_load(dbt_vars)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--vars is not valid YAML: {one_line(exc)}") from exc
    if not isinstance(parsed, dict):
        raise ConfigError("--vars must be a YAML mapping, e.g. '{revops_overrides: {...}}'")
    if "revops" in parsed:
        raise ConfigError(
            "--vars 'revops' would replace every definition: override single keys under "
            f"'{OVERRIDES_VAR}' instead"
        )
    value = parsed.get(OVERRIDES_VAR, {})
    if not isinstance(value, dict):
        raise ConfigError(f"--vars {OVERRIDES_VAR} must be a mapping")
    return value


def _expected_fields(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names valid at the parent of ``loc`` (for 'did you mean')."""
    current: Any = model
    for key in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if fields is None or not isinstance(key, str) or key not in fields:
            return []
        current = fields[key].annotation
    return list(getattr(current, "model_fields", {}))


def validate_definitions(
    project_dir: Path, overrides: dict[str, Any] | None = None
) -> list[Problem]:
    """Every mistake in vars.revops, each as file:line:column with what was expected."""
    path, text = _read_project(project_dir)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return [Problem(path, line, col, "dbt_project.yml", f"not valid YAML: {exc}")]
    data = deep_merge(load_definitions(project_dir), overrides or {})
    if root is None:
        return [
            Problem(path, 1, 1, "vars.revops", "missing: the definitions live under vars.revops")
        ]
    base_node, found = locate(root, ["vars", "revops"])
    if not found:
        return [
            Problem(path, 1, 1, "vars.revops", "missing: the definitions live under vars.revops")
        ]
    try:
        Definitions.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            node, _ = locate(base_node, list(loc), key_node=err["type"] == "extra_forbidden")
            key = ".".join(["vars", "revops", *(str(k) for k in loc)])
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(
                    str(loc[-1]), _expected_fields(Definitions, loc), n=1
                )
                message = "unknown key" + (f"; did you mean '{close[0]}'?" if close else "")
            elif err["type"] == "missing":
                message = "required key is missing"
            elif "input" in err and not isinstance(err["input"], dict | list):
                message = f"{message}, got {err['input']!r}"
            problems.append(
                Problem(path, node.start_mark.line + 1, node.start_mark.column + 1, key, message)
            )
        return problems
    return []


def check_definitions(project_dir: Path, overrides: dict[str, Any] | None = None) -> None:
    """Raise ConfigError naming the first mistake (and how many more) if any."""
    problems = validate_definitions(project_dir, overrides)
    if problems:
        more = (
            f" (and {len(problems) - 1} more: run 'revops definitions validate')"
            if len(problems) > 1
            else ""
        )
        raise ConfigError(f"{problems[0]}{more}")
