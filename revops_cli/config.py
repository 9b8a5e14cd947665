"""The project configuration, read once per command: dbt_project.yml's vars, a run's
``--vars``, and the definitions in force.

dbt merges ``--vars`` over the project's vars key by key at the top level: a var given on
the command line replaces the project's whole. The definitions (``vars.revops``) are one
var, so a what-if overrides single keys under ``revops_overrides`` instead, deep-merged on
top by the dbt macro ``revops.definitions()`` and here alike. Every part of revops that
reads a var (dbt, the expectation suites, the metric catalog, the generator) reads it
through :class:`ProjectConfig`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from revops_cli.errors import ConfigError, one_line
from revops_cli.yamlpos import read_text

if TYPE_CHECKING:
    from revops_cli.contract.sources import SourceConfig

PROJECT_FILE = "dbt_project.yml"
DEFINITIONS_VAR = "revops"
OVERRIDES_VAR = "revops_overrides"

#: (dbt_project.yml path, inode, size, mtime, ctime) -> its text and parsed content.
_FILES: dict[tuple[str, int, int, int, int], tuple[str, dict[str, Any]]] = {}

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_project_file(project_dir: Path) -> tuple[Path, str, dict[str, Any]]:
    """dbt_project.yml's path, text and content (parsed once per process and file version)."""
    path = project_dir / PROJECT_FILE
    try:
        st = path.stat()
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if key not in _FILES:
            text = read_text(path)
            _FILES[key] = (text, _parse_project(path, text))
    except OSError as exc:
        raise ConfigError(f"no readable {PROJECT_FILE} in {project_dir}") from exc
    text, data = _FILES[key]
    return path, text, data


def _parse_project(path: Path, text: str) -> dict[str, Any]:
    from revops_cli.yamlpos import duplicate_keys

    try:
        data = yaml.load(text, Loader=_LOADER)
        twice = duplicate_keys(path, yaml.compose(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {one_line(exc)}") from exc
    if twice:
        raise ConfigError(str(twice[0]))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of dbt project settings")
    return data


def parse_vars(text: str | None) -> dict[str, Any]:
    """A ``--vars`` YAML string as a mapping; ``revops`` itself is refused (it would replace
    every definition), overrides go under ``revops_overrides``."""
    if text is None or not text.strip():
        return {}
    from revops_cli.yamlpos import duplicate_keys

    try:
        parsed = yaml.safe_load(text)
        twice = duplicate_keys(Path("--vars"), yaml.compose(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise ConfigError(f"--vars is not valid YAML: {one_line(exc)}") from exc
    if twice:
        raise ConfigError(
            f"--vars gives {twice[0].key} twice (column {twice[0].column}); YAML would keep "
            "the last silently"
        )
    if not isinstance(parsed, dict):
        raise ConfigError("--vars must be a YAML mapping, e.g. '{revops_overrides: {...}}'")
    if DEFINITIONS_VAR in parsed:
        raise ConfigError(
            f"--vars '{DEFINITIONS_VAR}' would replace every definition: override single keys "
            f"under '{OVERRIDES_VAR}' instead"
        )
    if not isinstance(parsed.get(OVERRIDES_VAR) or {}, dict):
        raise ConfigError(f"--vars {OVERRIDES_VAR} must be a mapping")
    return parsed


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``, mappings merged key by key (as the dbt macro does)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class ProjectConfig:
    """dbt_project.yml with a run's ``--vars``: what dbt and revops both see."""

    project_dir: Path
    vars_text: str | None = None

    @classmethod
    def load(cls, project_dir: Path, vars_text: str | None = None) -> ProjectConfig:
        """Read the project file and parse ``--vars`` now, so a mistake in either is raised
        before anything runs."""
        config = cls(project_dir, vars_text or None)
        config.sources  # noqa: B018 - read and check the vars and the sources now
        return config

    @property
    def path(self) -> Path:
        return self.project_dir / PROJECT_FILE

    @cached_property
    def _file(self) -> tuple[str, dict[str, Any]]:
        """The file as first read by this instance (one version for all its answers)."""
        _, text, data = read_project_file(self.project_dir)
        return text, data

    @property
    def text(self) -> str:
        return self._file[0]

    @property
    def project(self) -> dict[str, Any]:
        """dbt_project.yml, parsed."""
        return self._file[1]

    @property
    def project_vars(self) -> dict[str, Any]:
        """dbt_project.yml's own vars."""
        base = self.project.get("vars") or {}
        if not isinstance(base, dict):
            raise ConfigError(f"{self.path}: 'vars' must be a mapping")
        return base

    @cached_property
    def cli_vars(self) -> dict[str, Any]:
        """The ``--vars`` mapping (empty without it)."""
        return parse_vars(self.vars_text)

    @cached_property
    def vars(self) -> dict[str, Any]:
        """The vars dbt sees: the project's, each replaced whole by one given in --vars."""
        return {**self.project_vars, **self.cli_vars}

    @cached_property
    def sources(self) -> dict[str, SourceConfig]:
        """Each system's source adapter and location (``revops_sources``), checked."""
        from revops_cli.contract.sources import resolve_sources

        return resolve_sources(self.vars)

    @property
    def overrides(self) -> dict[str, Any]:
        """The what-if overrides in force (``revops_overrides``)."""
        value = self.vars.get(OVERRIDES_VAR) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{OVERRIDES_VAR} must be a mapping")
        return value

    @property
    def base_definitions(self) -> dict[str, Any]:
        """vars.revops as written in dbt_project.yml."""
        value = self.project_vars.get(DEFINITIONS_VAR)
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: expected a '{DEFINITIONS_VAR}:' mapping under 'vars:'")
        return value

    @cached_property
    def definitions(self) -> dict[str, Any]:
        """The definitions in force: vars.revops with the overrides deep-merged on top."""
        return deep_merge(self.base_definitions, self.overrides)

    @property
    def resolved_vars(self) -> dict[str, Any]:
        """The vars with ``revops`` replaced by the definitions in force (what the dbt macro
        ``revops.definitions()`` returns): for readers outside dbt, such as the suites."""
        return {**self.vars, DEFINITIONS_VAR: self.definitions}
