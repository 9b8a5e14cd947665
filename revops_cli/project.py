"""Finding the dbt project, its profile and the warehouse connection."""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from revops_cli.errors import ConfigError, DatabaseError, one_line

DEFAULT_DATABASE = "revops.duckdb"
DATABASE_ENV = "REVOPS_DUCKDB_PATH"
#: A separate DuckDB file for the raw tables (--raw-database), and the name it is attached
#: under: the sources read revops_raw.<schema>.<table> when it is set.
RAW_DATABASE_ENV = "REVOPS_RAW_DATABASE"
RAW_CATALOG = "revops_raw"


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
#: profiles.yml (path, size, mtime) -> its content, for this process.
_PROFILES: dict[str, dict[str, Any]] = {}


def open_duckdb(
    path: Path, read_only: bool = True, create: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file: the one place revops does (the CLI, the checks, the generator).
    A missing file is an error unless ``create`` (the generator makes one; a query or a
    check must not leave an empty database behind a typo in --database).

    DuckDB allows one writer per file; when another process holds it, the error says so.
    """
    if not create and not path.exists():
        raise DatabaseError(
            f"{path} does not exist: run 'revops generate' and 'revops build' first"
        )
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        message = one_line(exc)
        if "could not set lock" in message.lower() or "conflicting lock" in message.lower():
            holder = re.search(r"held in (.+?) \(PID (\d+)\)", message)
            who = f"process {holder[2]} ({holder[1]})" if holder else "another process"
            raise DatabaseError(
                f"{path} is open in {who}: a BI tool, a notebook or another revops command; "
                f"DuckDB allows one writer per file: close it and retry ({message})"
            ) from exc
        raise DatabaseError(f"cannot open {path}: {message}") from exc


@dataclass(frozen=True)
class Project:
    """Where the project, its profile and its embedded database are."""

    project_dir: Path
    profiles_dir: Path
    target: str | None
    database: Path
    #: the raw tables' own DuckDB file (None: they are in ``database``).
    raw_database: Path | None = None

    @classmethod
    def resolve(
        cls,
        project_dir: Path | None = None,
        profiles_dir: Path | None = None,
        target: str | None = None,
        database: Path | None = None,
        raw_database: Path | None = None,
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
        env_raw = os.environ.get(RAW_DATABASE_ENV)
        raw = raw_database or (Path(env_raw) if env_raw else None)
        if raw is not None:
            raw = raw if raw.is_absolute() else Path.cwd() / raw
            if raw.resolve() == db.resolve():
                raise ConfigError(
                    f"--raw-database {raw} is the --database itself: name another file, or "
                    "leave --raw-database out to keep the raw tables in the database"
                )
        return cls(root, profiles.resolve(), target, db, raw)

    def target_type(self) -> str:
        """The adapter type of the active target (duckdb, postgres, ...): read from
        profiles.yml once, then remembered (in this process, and beside the compiled
        metric queries) until the file changes."""
        path = self.profiles_dir / "profiles.yml"
        try:
            st = path.stat()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        key = f"{path}|{st.st_size}|{st.st_mtime_ns}|{self.target_name() or ''}"
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
        return str(_render(self._output()["type"], "type"))

    def target_name(self) -> str | None:
        """The target chosen: --target, else DBT_TARGET (as dbt reads it), else the
        profile's default."""
        return self.target or os.environ.get("DBT_TARGET") or None

    def _output(self) -> dict[str, Any]:
        """The active target's block of the revops profile, as written."""
        import yaml

        path = self.profiles_dir / "profiles.yml"
        chosen = self.target_name()
        try:
            st = path.stat()
            key = f"{path}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}"
            if key not in _PROFILES:
                _PROFILES[key] = yaml.safe_load(path.read_text()) or {}
            profile = _PROFILES[key]["revops"]
            name = chosen or _render(profile.get("target", "duckdb"), "target")
            output = profile["outputs"][name]
            if not isinstance(output, dict) or "type" not in output:
                raise KeyError(f"{name}: a mapping with a 'type'")
            return dict(output)
        except (OSError, KeyError, TypeError, AttributeError, ValueError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"{path}: no usable 'revops' profile for target {chosen or 'default'} "
                f"({one_line(exc)})"
            ) from exc

    def target_output(self) -> dict[str, Any]:
        """The active target's block of the revops profile, its Jinja (env_var, as_number,
        as_bool, as_text) rendered: what dbt would connect with."""
        return {str(k): _render(v, str(k)) for k, v in self._output().items()}

    def environ(self) -> dict[str, str]:
        """Environment dbt needs to find the embedded database (and the raw file: the
        on-run-start hook attaches it, the sources read from it)."""
        env = {DATABASE_ENV: str(self.database), RAW_DATABASE_ENV: ""}
        if self.raw_database is not None:
            env[RAW_DATABASE_ENV] = str(self.raw_database)
        return env

    @property
    def generated_database(self) -> Path:
        """Where `revops generate` writes the raw tables and the ground truth."""
        return self.raw_database or self.database

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """A connection to the embedded DuckDB database (it must exist), with the raw file
        attached read-only as ``revops_raw`` when there is one."""
        con = open_duckdb(self.database, read_only=read_only)
        if self.raw_database is not None:
            attach_raw(con, self.raw_database)
        return con


def attach_raw(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach the raw tables' file to ``con`` read-only, under RAW_CATALOG."""
    if not path.exists():
        con.close()
        raise DatabaseError(
            f"--raw-database {path} does not exist: run 'revops generate --raw-database "
            f"{path}' (or load the raw tables into it) first"
        )
    try:
        con.execute(f"attach if not exists ? as {RAW_CATALOG} (read_only)", [str(path)])
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"cannot attach --raw-database {path}: {one_line(exc)}") from exc


def _render(value: Any, key: str) -> Any:  # noqa: C901
    """Render dbt's profile Jinja in one value (``key`` names it in errors). A small renderer
    of dbt's own functions: dbt's would cost every command that reads a profile a dbt
    import (seconds)."""
    if isinstance(value, dict):
        return {k: _render(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, key) for v in value]
    if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
        return value
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    def env_var(name: str, default: str | None = None) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ConfigError(f"profiles.yml needs the environment variable {name}")
        return default

    env = SandboxedEnvironment()
    env.globals["env_var"] = env_var
    env.filters.update(
        as_number=lambda v: float(v) if "." in str(v) else int(v),
        as_bool=lambda v: str(v).strip().lower() in ("1", "true", "yes"),
        as_text=str,
        as_native=lambda v: v,
    )
    try:
        rendered = env.from_string(value).render()
        # dbt renders profiles natively: a value that is one as_number/as_bool expression
        # keeps that type.
        filtered = value.strip()
        if filtered.startswith("{{") and filtered.endswith("}}"):
            if "as_number" in filtered:
                return float(rendered) if "." in rendered else int(rendered)
            if "as_bool" in filtered:
                return rendered == "True"
    except (jinja2.TemplateError, ValueError, TypeError) as exc:
        raise ConfigError(f"profiles.yml: cannot render {key} ({one_line(exc)})") from exc
    return rendered
