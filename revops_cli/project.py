"""Finding the dbt project, its profile and the warehouse connection."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from revops_cli.errors import ConfigError, DatabaseError

DEFAULT_DATABASE = "revops.duckdb"
DATABASE_ENV = "REVOPS_DUCKDB_PATH"


def target_dir(project_dir: Path) -> Path:
    """dbt's target path: DBT_TARGET_PATH, else the project's target/."""
    target = os.environ.get("DBT_TARGET_PATH")
    base = Path(target) if target else project_dir / "target"
    return base if base.is_absolute() else project_dir / base


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding the revops dbt project."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dbt_project.yml").is_file():
            return folder
    raise ConfigError(
        f"no dbt_project.yml in {here} or above: "
        "run revops inside the project or pass --project-dir"
    )


#: profiles.yml (path, size, mtime) and target -> adapter type.
_TARGET_TYPES: dict[str, str] = {}


@dataclass(frozen=True)
class Project:
    """Where the project, its profile and its embedded database are."""

    project_dir: Path
    profiles_dir: Path
    target: str | None
    database: Path

    @classmethod
    def resolve(
        cls,
        project_dir: Path | None = None,
        profiles_dir: Path | None = None,
        target: str | None = None,
        database: Path | None = None,
    ) -> Project:
        """Resolve options, then environment variables, then the shipped defaults."""
        if project_dir is not None and not (project_dir / "dbt_project.yml").is_file():
            raise ConfigError(f"--project-dir {project_dir} holds no dbt_project.yml")
        root = (project_dir or find_project_dir()).resolve()
        env_profiles = os.environ.get("DBT_PROFILES_DIR")
        profiles = profiles_dir or (Path(env_profiles) if env_profiles else root / "profiles")
        if not (profiles / "profiles.yml").is_file():
            raise ConfigError(f"no profiles.yml in {profiles} (see profiles.example.yml)")
        env_db = os.environ.get(DATABASE_ENV)
        db = database or (Path(env_db) if env_db else root / DEFAULT_DATABASE)
        if not db.is_absolute():
            db = Path.cwd() / db
        return cls(root, profiles.resolve(), target, db)

    def target_type(self) -> str:
        """The adapter type of the active target (duckdb, postgres, ...): read from
        profiles.yml once, then remembered (in this process, and beside the compiled
        metric queries) until the file changes."""
        path = self.profiles_dir / "profiles.yml"
        try:
            st = path.stat()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        key = f"{path}|{st.st_size}|{st.st_mtime_ns}|{self.target or ''}"
        remembered = target_dir(self.project_dir) / "metric_queries" / "targets.json"
        if key not in _TARGET_TYPES:
            with contextlib.suppress(OSError, ValueError):
                _TARGET_TYPES.update(json.loads(remembered.read_text()))
        if key not in _TARGET_TYPES:
            _TARGET_TYPES[key] = self._target_type()
            with contextlib.suppress(OSError):
                remembered.parent.mkdir(parents=True, exist_ok=True)
                remembered.write_text(json.dumps({key: _TARGET_TYPES[key]}))
        return _TARGET_TYPES[key]

    def _target_type(self) -> str:
        import yaml

        try:
            profiles = yaml.safe_load((self.profiles_dir / "profiles.yml").read_text()) or {}
            profile = profiles["revops"]
            name = self.target or profile.get("target", "duckdb")
            return str(profile["outputs"][name]["type"])
        except (KeyError, TypeError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"{self.profiles_dir / 'profiles.yml'}: no usable 'revops' profile for target "
                f"{self.target or 'default'} ({exc})"
            ) from exc

    def environ(self) -> dict[str, str]:
        """Environment dbt needs to find the embedded database."""
        return {DATABASE_ENV: str(self.database)}

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """A connection to the embedded DuckDB database."""
        if read_only and not self.database.exists():
            raise DatabaseError(
                f"{self.database} does not exist: run 'revops generate' and 'revops build' first"
            )
        try:
            return duckdb.connect(str(self.database), read_only=read_only)
        except duckdb.Error as exc:
            raise DatabaseError(f"cannot open {self.database}: {exc}") from exc
