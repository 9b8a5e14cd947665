"""The shared lifecycle definitions: dbt vars under the ``revops:`` key of dbt_project.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from revops_cli.errors import ConfigError


def load_definitions(project_dir: Path) -> dict[str, Any]:
    """Read the definitions in force (the ``vars.revops`` block of dbt_project.yml)."""
    path = project_dir / "dbt_project.yml"
    try:
        project = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"no dbt_project.yml in {project_dir}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    definitions = (project or {}).get("vars", {}).get("revops")
    if not isinstance(definitions, dict):
        raise ConfigError(f"{path}: expected a 'revops:' mapping under 'vars:'")
    return definitions
