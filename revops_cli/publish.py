"""Write-audit-publish: a build writes a shadow copy of the database, the gate (dbt's tests
and the expectation suites) judges it there, and only a build that passes replaces what
queries, checks and BI tools read.

DuckDB: the shadow is a copy of the database file in ``.revops-build/`` beside it, under
the same file name (DuckDB names the catalog after the file, and views keep it), built
there and moved over the published file with one ``rename`` (atomic on one file system).
A process that has the old file open keeps reading the old build until it reopens.
While a build runs, the published file is held open read-only, so no other process can
write raw data into it that the swap would lose; readers are not blocked.

A failed, blocked or interrupted build (Ctrl-C, SIGKILL) leaves the published file as it
was. The shadow of the last unpublished build stays in ``.revops-build/`` for inspection.
Every run, published or not, is recorded in ``.revops-build/<database>.runs.jsonl``; each
published file carries that history as ``revops_meta.runs``, its own run last.

PostgreSQL: the shadow is a set of schemas with a suffix (``SchemaSwap``), renamed into
place in one transaction. A ``--select`` build there, Spark and other adapters build in
place (``publish_mode`` says which); the gate then decides only the exit code.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from revops_cli.errors import DatabaseError, one_line
from revops_cli.project import Project, open_duckdb

if TYPE_CHECKING:
    import duckdb

SHADOW_DIR = ".revops-build"
#: While a PostgreSQL build is written and audited, every schema dbt creates carries this
#: suffix (macros/generate_schema_name.sql reads it from the environment).
SCHEMA_SUFFIX_ENV = "REVOPS_SCHEMA_SUFFIX"
BUILD_SUFFIX = "__revops_build"
OLD_SUFFIX = "__revops_old"


def schema_suffix() -> str:
    """The suffix of the schemas being built and audited ('' outside a PostgreSQL build)."""
    return os.environ.get(SCHEMA_SUFFIX_ENV, "")


RUNS_TABLE = "revops_meta.runs"
#: What became of a run. published: the gate passed (or was forced) and the build is what
#: readers see; blocked: it failed the gate; failed: dbt could not finish (an error before
#: the gate, Ctrl-C).
RUN_STATUSES = ("published", "blocked", "failed")


@dataclass
class Run:
    """One `revops build`: who, what and what became of it."""

    run_id: str
    started_at: str
    git_commit: str | None
    vars: str | None
    selection: str | None
    finished_at: str | None = None
    status: str = "failed"
    reason: str = ""

    @classmethod
    def start(cls, project: Project, dbt_vars: str | None, select: str | None) -> Run:
        now = datetime.now(UTC)
        run_id = now.strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
        return cls(run_id, _iso(now), git_commit(project.project_dir), dbt_vars, select)

    def finish(self, status: str, reason: str = "") -> None:
        self.finished_at = _iso(datetime.now(UTC))
        self.status = status
        self.reason = reason


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def git_commit(folder: Path) -> str | None:
    """The project's git commit (with ``+dirty`` when files differ), or None outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=folder, capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder, capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha or None


def publish_mode(project: Project) -> str:
    """``swap`` (the DuckDB file), ``schema-swap`` (PostgreSQL: shadow schemas renamed into
    place) or ``in-place`` (every other adapter, and a DuckDB profile whose ``path`` does
    not follow REVOPS_DUCKDB_PATH, so a shadow cannot be pointed at)."""
    from revops_cli.dbt_runner import environment
    from revops_cli.errors import ConfigError

    try:
        kind = project.target_type()
        if kind == "postgres":
            return "schema-swap"
        if kind != "duckdb":
            return "in-place"
        probe = project.database.parent / SHADOW_DIR / project.database.name
        with environment(replace(project, database=probe).environ()):
            path = project.target_output().get("path")
    except ConfigError:
        return "in-place"
    return "swap" if path and Path(str(path)).resolve() == probe.resolve() else "in-place"


class _RunLog:
    """The runs recorded for one database, in a JSON-lines file."""

    runs_log: Path

    def runs(self) -> list[Run]:
        """Every run recorded, oldest first."""
        return read_runs(self.runs_log)

    def record(self, run: Run) -> None:
        """Append a finished run to the log."""
        with self.runs_log.open("a") as f:
            f.write(json.dumps(asdict(run)) + "\n")


class Shadow(_RunLog):
    """The shadow copy of a DuckDB database a build writes, and its publication.

    Entering takes the build lock (one build per database), holds the published file
    read-only and copies it to the shadow; ``publish`` moves the shadow over it.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        self.folder = database.parent / SHADOW_DIR
        self.path = self.folder / database.name
        self.runs_log = self.folder / f"{database.name}.runs.jsonl"
        self._lock: IO[str] | None = None
        self._hold: Any = None

    def __enter__(self) -> Shadow:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        try:
            self._copy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._hold is not None:
            self._hold.close()
            self._hold = None
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def _take_lock(self) -> None:
        lock = (self.folder / f"{self.database.name}.lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            lock.seek(0)
            pid = lock.read().strip() or "unknown"
            lock.close()
            raise DatabaseError(
                f"another revops build (PID {pid}) is building {self.database}: "
                "wait for it to finish, or stop it"
            ) from exc
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        self._lock = lock

    def _copy(self) -> None:
        for stale in (self.path, _wal(self.path)):
            stale.unlink(missing_ok=True)
        if not self.database.exists():
            return  # a first build into a new file: dbt creates the shadow
        if _wal(self.database).exists():
            # A writer stopped before checkpointing: fold its log in, or the copy (and the
            # file that replaces the published one) would miss it.
            con = open_duckdb(self.database, read_only=False)
            con.execute("checkpoint")
            con.close()
        # Held until the swap: other processes may read, none may write.
        self._hold = open_duckdb(self.database, read_only=True)
        shutil.copyfile(self.database, self.path)

    def project(self, project: Project) -> Project:
        """The project pointed at the shadow."""
        return replace(project, database=self.path)

    def publish(self) -> None:
        """Checkpoint the shadow and move it over the published file."""
        con = open_duckdb(self.path, read_only=False)
        try:
            con.execute("checkpoint")
        finally:
            con.close()
        if _wal(self.path).exists():
            raise DatabaseError(f"{self.path} still has a write-ahead log: not published")
        os.replace(self.path, self.database)
        with contextlib.suppress(OSError):  # the rename is durable once the folder is synced
            fd = os.open(self.database.parent, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)

    def write_runs_table(self, run: Run) -> None:
        """Write the run history, ``run`` last, into the shadow as revops_meta.runs."""
        write_runs_table(self.path, [*self.runs(), run])


class SchemaSwap(_RunLog):
    """Write-audit-publish on PostgreSQL: dbt builds every schema with BUILD_SUFFIX (the
    environment carries it to dbt and to the checks), and ``publish`` renames the shadow
    schemas over the published ones in one transaction, then drops the old ones (with
    CASCADE: a view someone made on an old mart goes with it).

    One build per database at a time (a session advisory lock, released when the
    connection closes, even after a SIGKILL). Shadow schemas a blocked build left are
    kept for inspection and dropped when the next build starts.
    """

    LOCK = "hashtext('revops build')"

    def __init__(self, project: Project) -> None:
        from revops_cli.warehouse import postgres_params

        self.params = postgres_params(project.target_output())
        self.folder = project.project_dir / SHADOW_DIR
        self.runs_log = self.folder / f"postgres-{self.params.get('dbname')}.runs.jsonl"
        self._wh: Any = None
        self._saved: str | None = None

    def __enter__(self) -> SchemaSwap:
        from revops_cli.warehouse import PostgresWarehouse

        self.folder.mkdir(parents=True, exist_ok=True)
        self._wh = PostgresWarehouse.open(**self.params)
        try:
            [(locked,)] = self._wh.query(f"select pg_try_advisory_lock({self.LOCK})")[1]
            if not locked:
                raise DatabaseError(
                    f"another revops build is building PostgreSQL database "
                    f"{self.params.get('dbname')}: wait for it to finish, or stop it"
                )
            for schema in self._schemas(BUILD_SUFFIX) + self._schemas(OLD_SUFFIX):
                self._wh.query(f'drop schema "{schema}" cascade')
            self._carry_history()
        except BaseException:
            self._wh.close()
            self._wh = None
            raise
        self._saved = os.environ.get(SCHEMA_SUFFIX_ENV)
        os.environ[SCHEMA_SUFFIX_ENV] = BUILD_SUFFIX
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is None:
            os.environ.pop(SCHEMA_SUFFIX_ENV, None)
        else:
            os.environ[SCHEMA_SUFFIX_ENV] = self._saved
        if self._wh is not None:
            self._wh.close()  # releases the advisory lock
            self._wh = None

    def _schemas(self, suffix: str) -> list[str]:
        _, rows = self._wh.query(
            "select nspname from pg_namespace "
            f"where right(nspname, {len(suffix)}) = '{suffix}' order by nspname"
        )
        return [str(r[0]) for r in rows]

    def _carry_history(self) -> None:
        """What accumulates across builds (the expectation results, the monitor's alerts):
        the shadow starts with it."""
        from revops_cli.checks.backends import RESULTS_SCHEMA, RESULTS_TABLE
        from revops_cli.monitor import ALERTS_SCHEMA, ALERTS_TABLE

        for schema, table in ((RESULTS_SCHEMA, RESULTS_TABLE), (ALERTS_SCHEMA, ALERTS_TABLE)):
            _, found = self._wh.query(
                "select 1 from information_schema.tables "
                f"where table_schema = '{schema}' and table_name = '{table}'"
            )
            if found:
                shadow = f'"{schema}{BUILD_SUFFIX}"'
                self._wh.query(f"create schema if not exists {shadow}")
                self._wh.query(f"create table {shadow}.{table} as select * from {schema}.{table}")

    def project(self, project: Project) -> Project:
        return project  # the same target: the suffix in the environment does the rest

    def publish(self) -> None:
        """Rename every shadow schema over its published one, in one transaction."""
        statements = []
        renamed = []
        for shadow in self._schemas(BUILD_SUFFIX):
            live = shadow[: -len(BUILD_SUFFIX)]
            exists = self._wh.query(f"select 1 from pg_namespace where nspname = '{live}'")[1]
            if exists:
                statements.append(f'alter schema "{live}" rename to "{live}{OLD_SUFFIX}"')
                renamed.append(f"{live}{OLD_SUFFIX}")
            statements.append(f'alter schema "{shadow}" rename to "{live}"')
        statements += [f'drop schema "{old}" cascade' for old in renamed]
        self._wh.query("begin; " + "; ".join(statements) + "; commit")

    def write_runs_table(self, run: Run) -> None:
        """The run history, ``run`` last, as revops_meta.runs in the shadow."""
        schema = f'"revops_meta{BUILD_SUFFIX}"'
        self._wh.query(f"create schema if not exists {schema}")
        columns = ", ".join(f"{name} {kind}" for name, kind in RUN_COLUMNS)
        self._wh.query(f"drop table if exists {schema}.runs")
        self._wh.query(f"create table {schema}.runs ({columns})")
        names = [name for name, _ in RUN_COLUMNS]
        rows = [
            [_timestamp(getattr(r, n)) if n.endswith("_at") else getattr(r, n) for n in names]
            for r in [*self.runs(), run]
        ]
        with self._wh.con.cursor() as cur:
            cur.executemany(
                f"insert into {schema}.runs values ({', '.join('%s' for _ in names)})", rows
            )


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def read_runs(log: Path) -> list[Run]:
    """The runs in a log (a line that does not parse is skipped: a run killed mid-write)."""
    runs = []
    with contextlib.suppress(FileNotFoundError):
        for line in log.read_text().splitlines():
            with contextlib.suppress(ValueError, TypeError):
                runs.append(Run(**json.loads(line)))
    return runs


RUN_COLUMNS = (
    ("run_id", "varchar"),
    ("started_at", "timestamp"),
    ("finished_at", "timestamp"),
    ("git_commit", "varchar"),
    ("vars", "varchar"),
    ("selection", "varchar"),
    ("status", "varchar"),
    ("reason", "varchar"),
)


def read_runs_table(con: Any) -> list[Run]:
    """The runs a DuckDB file carries in revops_meta.runs (none: a file no build published)."""
    names = [name for name, _ in RUN_COLUMNS]
    try:
        rows = con.execute(f"select {', '.join(names)} from {RUNS_TABLE}").fetchall()
    except Exception as exc:  # no table: a database built before runs were recorded
        if "revops_meta" in one_line(exc) or "does not exist" in one_line(exc):
            return []
        raise
    runs = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        for key in ("started_at", "finished_at"):
            if values[key] is not None:
                values[key] = _iso(values[key].replace(tzinfo=UTC))
        runs.append(Run(**values))
    return runs


def write_runs_table(database: Path, runs: list[Run]) -> None:
    """(Re)write revops_meta.runs in a DuckDB file."""
    con = open_duckdb(database, read_only=False)
    try:
        con.execute("create schema if not exists revops_meta")
        columns = ", ".join(f"{name} {kind}" for name, kind in RUN_COLUMNS)
        con.execute(f"create or replace table {RUNS_TABLE} ({columns})")
        names = [name for name, _ in RUN_COLUMNS]
        con.executemany(
            f"insert into {RUNS_TABLE} values ({', '.join('?' for _ in names)})",
            [
                [_timestamp(getattr(r, n)) if n.endswith("_at") else getattr(r, n) for n in names]
                for r in runs
            ],
        )
    finally:
        con.close()


def _timestamp(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", ""))


def published_run(project: Project, wh: Any = None) -> dict[str, Any] | None:
    """The run whose build a DuckDB database holds (the last published row of its
    revops_meta.runs), or None: not a DuckDB target, or built before runs were recorded.
    ``wh``: a DuckDB warehouse connection the caller read its answer from (the run is then
    the one that answered, even if a build was published since); else one is opened."""
    if project.target_type() != "duckdb" or not project.database.exists():
        return None
    given: duckdb.DuckDBPyConnection | None = getattr(wh, "con", None)
    owned = given is None
    try:
        con = given if given is not None else open_duckdb(project.database, read_only=True)
    except DatabaseError:
        return None
    try:
        cur = con.execute(
            f"select run_id, finished_at, git_commit from {RUNS_TABLE} "
            "where status = 'published' order by finished_at desc, run_id desc limit 1"
        )
        row = cur.fetchone()
    except Exception as exc:  # no table: a database built before runs were recorded
        if "revops_meta" in one_line(exc) or "does not exist" in one_line(exc):
            return None
        raise
    finally:
        if owned:
            con.close()
    if row is None:
        return None
    finished = row[1].isoformat(timespec="seconds") + "Z" if row[1] else None
    return {"run_id": row[0], "finished_at": finished, "git_commit": row[2]}


def describe(run: dict[str, Any]) -> str:
    """One line naming the build a reader reads."""
    return f"build {run['run_id']} (published {run['finished_at']}, commit {run['git_commit']})"
