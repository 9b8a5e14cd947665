"""The shared lifecycle definitions: dbt vars under the ``revops:`` key of dbt_project.yml.

What-if runs deep-merge ``revops_overrides`` on top (the dbt macro ``revops.definitions()``
does the same), because dbt's ``--vars`` replaces a top-level var whole.
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from revops_cli.config import OVERRIDES_VAR, ProjectConfig, deep_merge, parse_vars
from revops_cli.definitions.schema import Definitions
from revops_cli.errors import ConfigError
from revops_cli.yamlpos import Problem, locate

__all__ = [
    "OVERRIDES_VAR",
    "check_config",
    "deep_merge",
    "load_definitions",
    "overrides_from_vars",
    "validate_config",
    "validate_definitions",
]


def load_definitions(project_dir: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The definitions in force: vars.revops, with ``overrides`` deep-merged on top."""
    return deep_merge(ProjectConfig.load(project_dir).definitions, overrides or {})


def overrides_from_vars(dbt_vars: str | None) -> dict[str, Any]:
    """The ``revops_overrides`` part of a --vars YAML string."""
    return dict(parse_vars(dbt_vars).get(OVERRIDES_VAR) or {})


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
    project_dir: Path, overrides: dict[str, Any] | None = None, vars_text: str | None = None
) -> list[Problem]:
    """Every mistake in vars.revops (with ``overrides`` or a ``--vars`` text merged in)."""
    config = ProjectConfig.load(project_dir, vars_text)
    return validate_config(config, overrides)


def validate_config(  # noqa: C901
    config: ProjectConfig, overrides: dict[str, Any] | None = None
) -> list[Problem]:
    """Every mistake in the definitions in force, each where it was written: a key from
    dbt_project.yml as file:line:column, a key from ``--vars`` as --vars:line:column."""
    path = config.path
    root = yaml.compose(config.text)  # valid: ProjectConfig parsed it
    base_node, found = locate(root, ["vars", "revops"]) if root is not None else (None, False)
    if root is None or base_node is None or not found:
        return [
            Problem(path, 1, 1, "vars.revops", "missing: the definitions live under vars.revops")
        ]
    cli_overrides = deep_merge(config.cli_vars.get(OVERRIDES_VAR) or {}, overrides or {})
    file_overrides = config.project_vars.get(OVERRIDES_VAR) or {}
    overrides = deep_merge(config.overrides, overrides or {})
    vars_node = _overrides_node(config.vars_text)

    def problem(loc: tuple[str | int, ...], message: str, key_node: bool = False) -> Problem:
        """``message`` where the key at ``loc`` was written: --vars, or dbt_project.yml."""
        if vars_node is not None and _sets(cli_overrides, loc):
            node, _ = locate(vars_node, list(loc), key_node=key_node)
            where, key = Path("--vars"), ".".join([OVERRIDES_VAR, *(str(k) for k in loc)])
        elif _sets(file_overrides, loc):
            node, _ = locate(root, ["vars", OVERRIDES_VAR, *loc], key_node=key_node)
            where, key = path, ".".join(["vars", OVERRIDES_VAR, *(str(k) for k in loc)])
        else:
            node, _ = locate(base_node, list(loc), key_node=key_node)
            where, key = path, ".".join(["vars", "revops", *(str(k) for k in loc)])
        return Problem(where, node.start_mark.line + 1, node.start_mark.column + 1, key, message)

    merged = deep_merge(config.base_definitions, overrides)
    try:
        Definitions.model_validate(merged)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(
                    str(loc[-1]), _expected_fields(Definitions, loc), n=1
                )
                message = "unknown key" + (f"; did you mean '{close[0]}'?" if close else "")
            elif err["type"] == "missing":
                message = "required key is missing"
            elif err["type"] == "bool_number":
                message = f"expected a number or text, got {str(err['input']).lower()}"
            elif "input" in err and not isinstance(err["input"], dict | list):
                message = f"{message}, got {err['input']!r}"
            key_node = err["type"] == "extra_forbidden"
            if loc and loc[-1] == "[key]":  # a mapping's key is wrong: point at the key
                loc, key_node = loc[:-1], True
            problems.append(problem(loc, message, key_node))
        return problems
    known = _seed_currencies(config.project_dir)
    if known and merged["reporting_currency"] not in known:
        return [
            problem(
                ("reporting_currency",),
                f"{merged['reporting_currency']!r} is not in seeds/currencies.csv (every "
                "amount is converted to it; add the currency and its rates to the seeds)",
            )
        ]
    return []


def _seed_currencies(project_dir: Path) -> set[str]:
    """The ISO codes of seeds/currencies.csv (empty when the project has no such seed)."""
    seed = project_dir / "seeds" / "currencies.csv"
    if not seed.is_file():
        return set()
    with seed.open(newline="") as fh:
        return {row["currency_code"] for row in csv.DictReader(fh)}


def _overrides_node(vars_text: str | None) -> yaml.Node | None:
    """The ``revops_overrides`` node of a --vars text, for positions in it."""
    if not vars_text:
        return None
    try:
        root = yaml.compose(vars_text)
    except yaml.YAMLError:
        return None
    if root is None:
        return None
    node, found = locate(root, [OVERRIDES_VAR])
    return node if found else None


def _sets(overrides: dict[str, Any], loc: tuple[str | int, ...]) -> bool:
    """True when the overrides set the value at ``loc`` (so a mistake there is theirs)."""
    node: Any = overrides
    for key in loc:
        if isinstance(node, dict):
            found = key in node
        else:
            found = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not found:
            return False
        node = node[key]
    return True


def check_config(config: ProjectConfig, overrides: dict[str, Any] | None = None) -> None:
    """Raise ConfigError naming the first mistake (and how many more) if any."""
    problems = validate_config(config, overrides)
    if problems:
        more = (
            f" (and {len(problems) - 1} more: run 'revops definitions validate')"
            if len(problems) > 1
            else ""
        )
        raise ConfigError(f"{problems[0]}{more}")
