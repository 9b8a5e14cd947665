"""The warehouse a target points at: read queries for the CLI, raw-table loading, and a
fingerprint of a relation so two engines' builds can be compared.

dbt builds the models on any adapter; the CLI only needs to read a few results back (the
row reconciliation, the funnel) and, for the engine tests, to land the raw tables on a
server. DuckDB (the embedded default), PostgreSQL and Spark (dbt-spark's ``session``
method: Spark runs inside this process) are supported; another adapter type raises
``ConfigError`` and callers skip what needs it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from revops_cli.errors import ConfigError, DatabaseError, one_line
from revops_cli.project import Project, open_duckdb

if TYPE_CHECKING:
    from revops_cli.contract import RawTable

#: Adapter types the CLI can read from (dbt can build on more).
SUPPORTED = ("duckdb", "postgres", "spark")

Rows = list[tuple[Any, ...]]


class Warehouse(Protocol):
    """A connection that runs SQL and returns column names and rows."""

    kind: str

    def query(self, sql: str) -> tuple[list[str], Rows]:
        """Run one statement; its column names and rows (none for DDL)."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class DuckDBWarehouse:
    """The embedded DuckDB file."""

    kind = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def open(cls, path: Path, read_only: bool = True) -> DuckDBWarehouse:
        """Open a DuckDB file (it must exist when ``read_only``)."""
        return cls(open_duckdb(path, read_only=read_only))

    def query(self, sql: str) -> tuple[list[str], Rows]:
        try:
            cur = self.con.execute(sql)
            columns = [d[0] for d in cur.description or []]
            return columns, cur.fetchall() if columns else []
        except duckdb.Error as exc:
            raise DatabaseError(f"query failed: {one_line(exc)}") from exc

    def close(self) -> None:
        self.con.close()


class PostgresWarehouse:
    """A PostgreSQL database, through psycopg2 (autocommit: every statement stands alone)."""

    kind = "postgres"

    def __init__(self, con: Any) -> None:
        self.con = con

    @classmethod
    def open(cls, **params: Any) -> PostgresWarehouse:
        """Connect with libpq parameters: host, port, user, password, dbname ..."""
        import psycopg2  # optional until a postgres target is used

        try:
            con = psycopg2.connect(**params)
        except psycopg2.Error as exc:
            where = f"{params.get('host')}:{params.get('port')}/{params.get('dbname')}"
            raise DatabaseError(f"cannot connect to PostgreSQL {where}: {one_line(exc)}") from exc
        con.autocommit = True
        return cls(con)

    def query(self, sql: str) -> tuple[list[str], Rows]:
        import psycopg2

        try:
            with self.con.cursor() as cur:
                cur.execute(sql)
                if cur.description is None:
                    return [], []
                return [d[0] for d in cur.description], list(cur.fetchall())
        except psycopg2.Error as exc:
            raise DatabaseError(f"query failed: {one_line(exc)}") from exc

    def copy_csv(self, table: str, columns: Sequence[str], path: Path) -> None:
        """COPY a CSV file (no header, ``\\N`` for null) into ``table``."""
        import psycopg2

        cols = ", ".join(_quote(c) for c in columns)
        sql = f"copy {table} ({cols}) from stdin with (format csv, null '\\N')"
        try:
            with self.con.cursor() as cur, path.open("rb") as f:
                cur.copy_expert(sql, f)
        except psycopg2.Error as exc:
            raise DatabaseError(f"loading {table} failed: {one_line(exc)}") from exc

    def load(self, table: RawTable, source: DuckDBWarehouse, folder: Path) -> None:
        """Create ``table`` from the raw contract and fill it from ``source`` (CSV + COPY)."""
        from revops_cli.contract import ddl

        self.query(ddl(table))
        csv = folder / f"{table.schema}.{table.name}.csv"
        cols = table.column_names
        select = ", ".join(_quote(c) for c in cols)
        source.query(
            f"copy (select {select} from {table.qualified_name}) to '{csv}' "
            "(format csv, header false, nullstr '\\N')"
        )
        self.copy_csv(table.qualified_name, cols, csv)
        csv.unlink()

    def close(self) -> None:
        self.con.close()


class SparkWarehouse:
    """A Spark session in this process, with its Hive metastore: what dbt-spark's
    ``session`` method builds on. ``open`` returns the process's session when there is one
    (dbt's, or an earlier ``open``), so the CLI reads what dbt just wrote."""

    kind = "spark"

    def __init__(self, session: Any) -> None:
        self.session = session

    @classmethod
    def open(cls, conf: Mapping[str, Any] | None = None) -> SparkWarehouse:
        """The session, started with ``conf`` (Spark settings) when there is none yet."""
        import warnings

        # PySpark 4.3 warns that it has not caught up with pandas 3 (the checks' frames only).
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise ConfigError(
                "the spark target needs PySpark and dbt-spark: pip install 'revops[spark]'"
            ) from exc
        builder = SparkSession.builder.enableHiveSupport()
        for key, value in (conf or {}).items():
            builder = builder.config(str(key), str(value))
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # no Java, a locked metastore: Py4J and Spark errors alike
            raise DatabaseError(f"cannot start Spark: {one_line(exc)}") from exc
        session.sparkContext.setLogLevel("ERROR")  # Spark's own warnings are not our output
        return cls(session)

    def query(self, sql: str) -> tuple[list[str], Rows]:
        try:
            df = self.session.sql(sql)  # statements (DDL, inserts) run here, eagerly
            if not df.columns:
                return [], []
            return list(df.columns), [tuple(row) for row in df.collect()]
        except Exception as exc:  # pyspark's AnalysisException, ParseException, Py4JError
            raise DatabaseError(f"query failed: {one_line(exc)}") from exc

    def load(self, table: RawTable, source: DuckDBWarehouse, folder: Path) -> None:
        """Create ``table`` as a parquet table with the contract's types and fill it from
        ``source`` through a parquet file."""
        import sqlglot

        from revops_cli.contract import ddl

        create = sqlglot.transpile(ddl(table), read="duckdb", write="spark")[0]
        # A naive timestamp is Spark's TIMESTAMP in a UTC session, like every parsed one.
        self.query(create.replace("TIMESTAMP_NTZ", "TIMESTAMP") + " USING parquet")
        path = folder / f"{table.schema}.{table.name}.parquet"
        source.query(f"copy {table.qualified_name} to '{path}' (format parquet)")
        types = dict(columns(self, table.schema, table.name))
        try:
            frame = self.session.read.parquet(str(path))
            frame.select([frame[c].cast(types[c]) for c in table.column_names]).write.insertInto(
                table.qualified_name
            )
        except Exception as exc:
            raise DatabaseError(f"loading {table.qualified_name} failed: {one_line(exc)}") from exc

    def close(self) -> None:
        """Nothing to do: the session is the process's, shared with dbt."""


# --- the active target ---------------------------------------------------------------


def postgres_params(output: dict[str, Any]) -> dict[str, Any]:
    """libpq connection parameters from a dbt-postgres target block."""
    params: dict[str, Any] = {
        "host": output.get("host", "localhost"),
        "port": int(output.get("port", 5432)),
        "user": output.get("user"),
        "dbname": output.get("dbname") or output.get("database"),
        "connect_timeout": int(output.get("connect_timeout", 10)),
    }
    if output.get("pass") or output.get("password"):
        params["password"] = output.get("pass") or output.get("password")
    if output.get("sslmode"):
        params["sslmode"] = output["sslmode"]
    return params


def spark_conf(output: dict[str, Any]) -> dict[str, str]:
    """Spark settings from a dbt-spark target block (its server_side_parameters); only the
    ``session`` method runs Spark where the CLI can read it."""
    if output.get("method") != "session":
        raise ConfigError(
            "revops reads results from a spark target with method: session only; "
            f"this one uses {output.get('method')}: query the marts with the cluster's tools"
        )
    params = output.get("server_side_parameters") or {}
    return {str(k): str(v) for k, v in dict(params).items()}


def can_query(project: Project) -> bool:
    """True when the CLI can read the active target's results back."""
    try:
        kind = project.target_type()
        if kind == "spark":
            spark_conf(project.target_output())  # a cluster method is not read back
        return kind in SUPPORTED
    except ConfigError:
        return False


def connect(project: Project, read_only: bool = True) -> Warehouse:
    """A connection to the warehouse of the project's active target."""
    kind = project.target_type()
    if kind == "duckdb":
        return DuckDBWarehouse(project.connect(read_only=read_only))
    if kind == "postgres":
        return PostgresWarehouse.open(**postgres_params(project.target_output()))
    if kind == "spark":
        return SparkWarehouse.open(spark_conf(project.target_output()))
    raise ConfigError(
        f"revops reads results from {' and '.join(SUPPORTED)} targets, not {kind}: "
        "dbt builds there, query the marts with the warehouse's own tools"
    )


def query(project: Project, sql: str) -> tuple[list[str], Rows]:
    """Run one read query against the active target: column names and rows."""
    wh = connect(project)
    try:
        return wh.query(sql)
    finally:
        wh.close()


# --- loading raw tables into a server --------------------------------------------------


def load_raw(
    source: Path,
    target: PostgresWarehouse | SparkWarehouse,
    tables: Iterable[RawTable] | None = None,
) -> dict[str, int]:
    """Copy the raw tables of a generated DuckDB file into ``target``, replacing them.

    Each table is created from the raw contract (the same column types) in its
    ``raw_<system>`` schema and filled with COPY (PostgreSQL) or from parquet (Spark).
    Returns rows loaded per 'system.table' (``tables``: default every raw table).
    """
    from revops_cli.contract import RAW_TABLES

    tables = list(RAW_TABLES if tables is None else tables)
    src = DuckDBWarehouse.open(source)
    loaded: dict[str, int] = {}
    try:
        for schema in dict.fromkeys(t.schema for t in tables):
            target.query(f"drop schema if exists {schema} cascade")
            target.query(f"create schema {schema}")
        with tempfile.TemporaryDirectory(prefix="revops-load-") as tmp:
            for table in tables:
                target.load(table, src, Path(tmp))
                (count,) = target.query(f"select count(*) from {table.qualified_name}")[1][0]
                loaded[f"{table.system}.{table.name}"] = int(count)
    finally:
        src.close()
    return loaded


# --- comparing builds -------------------------------------------------------------------

#: Schemas that hold no dbt relations.
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast"})


def relations(wh: Warehouse, exclude: Iterable[str] = ()) -> set[tuple[str, str]]:
    """(schema, name) of every table and view, less system schemas and ``exclude``d ones
    (a name ending in ``*`` is a prefix)."""
    skip = set(SYSTEM_SCHEMAS)
    prefixes = tuple(e[:-1] for e in exclude if e.endswith("*"))
    skip.update(e for e in exclude if not e.endswith("*"))
    if wh.kind == "spark":  # no information_schema: the metastore's listing
        rows = [
            (schema, name)
            for (schema,) in wh.query("show schemas")[1]
            for _, name, temporary in wh.query(f"show tables in {_quote(schema, wh)}")[1]
            if not temporary
        ]
    else:
        _, rows = wh.query(
            "select table_schema, table_name from information_schema.tables"
            + (" where table_catalog = current_database()" if wh.kind == "postgres" else "")
        )
    return {
        (str(s), str(t))
        for s, t in rows
        if s not in skip and not str(s).startswith(prefixes) and not str(s).startswith("pg_temp")
    }


def columns(wh: Warehouse, schema: str, name: str) -> list[tuple[str, str]]:
    """(column, data type) of a relation, in order, as the engine names the types."""
    if wh.kind == "spark":
        out = []
        _, rows = wh.query(f"describe {_quote(schema, wh)}.{_quote(name, wh)}")
        for column, data_type, *_ in rows:
            if not column or str(column).startswith("#"):  # partition and detail sections
                break
            out.append((str(column), str(data_type)))
        return out
    _, rows = wh.query(
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position"
    )
    return [(str(c), str(t)) for c, t in rows]


@dataclass(frozen=True)
class ColumnStat:
    """What a column adds up to: comparable across engines."""

    column: str
    kind: str  # number, float, boolean, temporal, text, other
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Fingerprint:
    """Row count and per-column aggregates of one relation."""

    relation: str
    rows: int
    columns: tuple[ColumnStat, ...]


def column_kind(data_type: str) -> str:
    """Map an engine's information_schema data_type to a comparison kind."""
    t = data_type.lower().split("(")[0].strip()
    if t in ("double", "double precision", "real", "float", "float4", "float8"):
        return "float"
    if t in (
        "tinyint", "smallint", "integer", "int", "bigint", "hugeint", "ubigint", "uinteger",
        "usmallint", "utinyint", "uhugeint", "decimal", "numeric",
    ):  # fmt: skip
        return "number"
    if t in ("boolean", "bool"):
        return "boolean"
    if t == "date" or t.startswith(("timestamp", "time")):
        return "temporal"
    if t in ("varchar", "text", "string", "character varying", "character", "char", "bpchar"):
        return "text"
    return "other"


def fingerprint(wh: Warehouse, schema: str, name: str) -> Fingerprint:
    """Row count, then per column: non-null count and an aggregate by kind (sum rounded to
    the cent for numbers, true count for booleans, min/max for dates and timestamps,
    distinct count and total length for text). One query per relation."""
    kinds = [(c, column_kind(t)) for c, t in columns(wh, schema, name)]
    exprs = ["count(*)"]
    for column, kind in kinds:
        exprs += _aggregates(_quote(column, wh), kind)
    _, rows = wh.query(f"select {', '.join(exprs)} from {_quote(schema, wh)}.{_quote(name, wh)}")
    row = rows[0]
    stats, i = [], 1
    for column, kind in kinds:
        n = len(_aggregates("x", kind))
        stats.append(ColumnStat(column, kind, tuple(row[i : i + n])))
        i += n
    return Fingerprint(f"{schema}.{name}", int(row[0]), tuple(stats))


def _aggregates(col: str, kind: str) -> list[str]:
    if kind in ("number", "float"):
        return [f"count({col})", f"round(cast(sum({col}) as decimal(38, 6)), 2)"]
    if kind == "boolean":
        return [f"count({col})", f"sum(case when {col} then 1 else 0 end)"]
    if kind == "temporal":
        return [f"count({col})", f"min({col})", f"max({col})"]
    if kind == "text":
        return [f"count({col})", f"count(distinct {col})", f"sum(length({col}))"]
    return [f"count({col})"]


def differences(
    a: Fingerprint,
    b: Fingerprint,
    float_tolerance: float = 0.01,
    cent_per_row: Iterable[str] = (),
) -> list[str]:
    """How two fingerprints of the same relation differ (empty when they match).

    Counts, exact numbers, booleans, text and timestamps must be equal. A column that is a
    float on either engine may differ by ``float_tolerance`` (absolute, after rounding to
    the cent) or one part in 10^9, since the order of float additions is not fixed. A
    column named in ``cent_per_row`` is money an engine computes through a float and then
    rounds to the cent, where a half-cent tie can go either way: one cent per row.
    """
    out: list[str] = []
    loose = set(cent_per_row)
    if a.rows != b.rows:
        out.append(f"{a.relation}: {a.rows} rows vs {b.rows}")
    bcols = {c.column: c for c in b.columns}
    acols = {c.column: c for c in a.columns}
    if set(acols) != set(bcols):
        out.append(f"{a.relation}: columns {sorted(set(acols) ^ set(bcols))} in one engine only")
    for name in sorted(acols.keys() & bcols.keys()):
        x, y = acols[name], bcols[name]
        kinds = {x.kind, y.kind}
        if kinds <= {"number", "float"}:
            tolerance = float_tolerance if "float" in kinds else 0.0
            if name in loose:
                tolerance = max(tolerance, 0.01 * int(x.values[0] or 0))
            if x.values[0] != y.values[0] or not _close(x.values[1], y.values[1], tolerance):
                out.append(f"{a.relation}.{name}: {x.values} vs {y.values}")
        elif x.kind != y.kind:
            out.append(f"{a.relation}.{name}: a {x.kind} vs a {y.kind}")
        elif x.values != y.values:
            out.append(f"{a.relation}.{name}: {x.values} vs {y.values}")
    return out


def _close(x: Any, y: Any, tolerance: float) -> bool:
    if x is None or y is None:
        return x is None and y is None
    dx, dy = Decimal(str(x)), Decimal(str(y))
    if tolerance == 0.0:
        return dx == dy
    return abs(dx - dy) <= max(Decimal(str(tolerance)), abs(dx) * Decimal("1e-9"))


# --- helpers ---------------------------------------------------------------------------


def _quote(identifier: str, wh: Warehouse | None = None) -> str:
    if wh is not None and wh.kind == "spark":
        return "`" + identifier.replace("`", "``") + "`"
    return '"' + identifier.replace('"', '""') + '"'
