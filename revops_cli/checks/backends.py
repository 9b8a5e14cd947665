"""Where a suite's rows come from and where the results go: one interface, two paths.

- DuckDB (the embedded default): DuckDB is not a GX SQL dialect (GX's SQL datasource on
  ``duckdb:///`` returns no rows), so each batch is read through DuckDB into a pandas
  DataFrame, with only the columns its expectations need, and validated by GX's pandas
  datasource.
- Spark (dbt-spark's session method): the same pandas path, the batch read by Spark SQL
  (GX's Spark datasource would need its own expectations' Spark support; the batches are the
  columns a suite needs, small next to what Spark is for).
- Any other target (PostgreSQL, Snowflake, ...): GX's SQL datasource through SQLAlchemy, so
  the expectations run as SQL in the warehouse and no rows travel.

All store results in ``data_quality.dq_expectation_results``, created when absent and
appended to on every run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
from sqlglot import exp

from revops_cli.checks.suites import ExpectationSpec, Suite
from revops_cli.errors import ConfigError, DatabaseError, one_line
from revops_cli.project import Project

RESULTS_SCHEMA = "data_quality"


def results_schema() -> str:
    """The results' schema: data_quality, or its shadow while a build is being audited."""
    from revops_cli.publish import schema_suffix

    return RESULTS_SCHEMA + schema_suffix()


RESULTS_TABLE = "dq_expectation_results"
#: The results table: (column, DuckDB type).
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "varchar"),
    ("run_at", "timestamp"),
    ("suite", "varchar"),
    ("expectation", "varchar"),
    ("expectation_type", "varchar"),
    ("relation", "varchar"),
    ("column_name", "varchar"),
    ("where_condition", "varchar"),
    ("severity", "varchar"),
    ("dimension", "varchar"),
    ("status", "varchar"),
    ("success", "boolean"),
    ("observed_value", "varchar"),
    ("element_count", "bigint"),
    ("unexpected_count", "bigint"),
    ("unexpected_percent", "double"),
    ("mostly", "double"),
    ("example_keys", "varchar"),
    ("message", "varchar"),
)
#: Where a model lives when a suite does not say and several schemas hold the name.
SCHEMA_BY_PREFIX = {
    "base_": "staging",
    "stg_": "staging",
    "int_": "intermediate",
    "dq_": "data_quality",
    "fct_": "marts",
    "dim_": "marts",
}
#: SQLAlchemy dialect -> sqlglot dialect.
SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "snowflake": "snowflake"}
URL_ENV = "REVOPS_CHECKS_SQLALCHEMY_URL"


@dataclass(frozen=True)
class Relation:
    """A table or view in the warehouse, and its columns."""

    schema: str | None
    name: str
    columns: tuple[str, ...]
    database: str | None = None

    @property
    def display(self) -> str:
        """The name people see and results record: the published one, also while a shadow
        build is audited (its schema's suffix left out)."""
        from revops_cli.publish import schema_suffix

        suffix = schema_suffix()
        schema = self.schema
        if schema and suffix and schema.endswith(suffix):
            schema = schema[: -len(suffix)]
        return ".".join(p for p in (self.database, schema, self.name) if p)

    def table(self) -> exp.Table:
        return exp.table_(self.name, db=self.schema, catalog=self.database, quoted=True)


@dataclass
class Batch:
    """The rows one group of a suite's expectations validates (one ``where`` each)."""

    suite: Suite
    name: str
    expectations: list[ExpectationSpec]
    select: exp.Select
    relation: Relation | None = None
    where: str | None = None
    columns: list[str] = field(default_factory=list)


class Backend(Protocol):
    """What the runner needs from a warehouse."""

    dialect: str

    def locate(self, name: str, schema: str | None = None) -> Relation | None:
        """The relation called ``name`` (in ``schema``, or the likeliest), or None."""

    def validate(self, ctx: Any, batch: Batch, gx_suite: Any, fmt: dict[str, Any]) -> list[Any]:
        """Run a GX suite on a batch; the GX ExpectationValidationResults."""

    def store(self, rows: Sequence[Mapping[str, Any]]) -> str:
        """Append result rows to the results table; returns its name."""

    def close(self) -> None: ...


def _pick(name: str, found: Mapping[str | None, tuple[str, ...]], schema: str | None) -> Any:
    from revops_cli.publish import schema_suffix

    if schema is not None:
        return (schema, found[schema]) if schema in found else None
    if not found:
        return None
    suffix = schema_suffix()
    if suffix:  # auditing a shadow build: its relations, not the published ones
        shadow: dict[str | None, tuple[str, ...]] = {
            s: c for s, c in found.items() if s and s.endswith(suffix)
        }
        found = shadow or found
    preferred = next((s for p, s in SCHEMA_BY_PREFIX.items() if name.startswith(p)), None)
    preferred = f"{preferred}{suffix}" if preferred and suffix else preferred
    chosen = preferred if preferred in found else sorted(found, key=str)[0]
    return chosen, found[chosen]


class DuckDBBackend:
    """The pandas path: DuckDB reads the needed columns, GX validates a DataFrame."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._datasource: Any = None

    @classmethod
    def for_project(cls, project: Project, *, read_only: bool) -> DuckDBBackend:
        from revops_cli.warehouse import DuckDBWarehouse, connect

        wh = connect(project, read_only=read_only)
        assert isinstance(wh, DuckDBWarehouse)
        # A suite's query reads the warehouse, nothing else: no file, no ATTACH, no COPY,
        # no environment (DuckDB refuses them for the rest of this connection's life).
        wh.con.execute("set enable_external_access = false")
        return cls(wh.con)

    def locate(self, name: str, schema: str | None = None) -> Relation | None:
        rows = self.con.execute(
            """select table_schema, column_name from information_schema.columns
            where table_name = ? and table_catalog = current_database()
            order by table_schema, ordinal_position""",
            [name],
        ).fetchall()
        found: dict[str | None, tuple[str, ...]] = {}
        for s, c in rows:
            found[s] = (*found.get(s, ()), c)
        picked = _pick(name, found, schema)
        return None if picked is None else Relation(picked[0], name, picked[1])

    def validate(self, ctx: Any, batch: Batch, gx_suite: Any, fmt: dict[str, Any]) -> list[Any]:
        try:
            df = self.con.execute(batch.select.sql(dialect="duckdb")).df()
        except duckdb.Error as exc:
            raise DatabaseError(one_line(exc)) from exc
        self._datasource = self._datasource or ctx.data_sources.add_pandas("revops")
        return validate_frame(ctx, self._datasource, batch, gx_suite, fmt, df)

    def store(self, rows: Sequence[Mapping[str, Any]]) -> str:
        name = f"{results_schema()}.{RESULTS_TABLE}"
        cols = ", ".join(f"{c} {t}" for c, t in RESULT_COLUMNS)
        try:
            self.con.execute(f"create schema if not exists {results_schema()}")
            self.con.execute(f"create table if not exists {name} ({cols})")
            for c, t in RESULT_COLUMNS:  # a table from an older revops gains new columns
                self.con.execute(f"alter table {name} add column if not exists {c} {t}")
            names = [c for c, _ in RESULT_COLUMNS]
            self.con.executemany(
                f"insert into {name} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
                [[r[c] for c in names] for r in rows],
            )
        except duckdb.Error as exc:
            raise DatabaseError(f"cannot store results in {name}: {exc}") from exc
        return name

    def close(self) -> None:
        self.con.close()


def validate_frame(
    ctx: Any, datasource: Any, batch: Batch, gx_suite: Any, fmt: dict[str, Any], df: Any
) -> list[Any]:
    """Validate a pandas DataFrame holding a batch with GX's pandas datasource."""
    import great_expectations as gx

    asset = datasource.add_dataframe_asset(batch.name)
    definition = asset.add_batch_definition_whole_dataframe("all rows")
    validation = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=batch.name, data=definition, suite=gx_suite)
    )
    return list(validation.run(batch_parameters={"dataframe": df}, result_format=fmt).results)


class SparkBackend:
    """The pandas path on Spark: Spark SQL reads the needed columns, GX validates them."""

    dialect = "spark"

    def __init__(self, wh: Any) -> None:
        self.wh = wh  # revops_cli.warehouse.SparkWarehouse
        self._datasource: Any = None
        self._relations: set[tuple[str, str]] | None = None

    @classmethod
    def for_project(cls, project: Project) -> SparkBackend:
        from revops_cli.warehouse import connect

        return cls(connect(project))

    def locate(self, name: str, schema: str | None = None) -> Relation | None:
        from revops_cli.warehouse import columns, relations

        if self._relations is None:  # the metastore's listing, once per run
            self._relations = relations(self.wh)
        found: dict[str | None, tuple[str, ...]] = {
            s: tuple(c for c, _ in columns(self.wh, s, n))
            for s, n in sorted(self._relations)
            if n == name and (schema is None or s == schema)
        }
        picked = _pick(name, found, schema)
        return None if picked is None else Relation(picked[0], name, picked[1])

    def validate(self, ctx: Any, batch: Batch, gx_suite: Any, fmt: dict[str, Any]) -> list[Any]:
        try:
            df = self.wh.session.sql(batch.select.sql(dialect="spark")).toPandas()
        except Exception as exc:  # pyspark's AnalysisException and kin
            raise DatabaseError(one_line(exc)) from exc
        self._datasource = self._datasource or ctx.data_sources.add_pandas("revops")
        return validate_frame(ctx, self._datasource, batch, gx_suite, fmt, df)

    def store(self, rows: Sequence[Mapping[str, Any]]) -> str:
        name = f"{results_schema()}.{RESULTS_TABLE}"
        types = {"varchar": "string"}
        schema = ", ".join(f"{c} {types.get(t, t)}" for c, t in RESULT_COLUMNS)
        try:
            self.wh.query(f"create schema if not exists {results_schema()}")
            self.wh.query(f"create table if not exists {name} ({schema}) using parquet")
            names = [c for c, _ in RESULT_COLUMNS]
            frame = self.wh.session.createDataFrame([[r[c] for c in names] for r in rows], schema)
            frame.write.insertInto(name)
        except Exception as exc:
            raise DatabaseError(f"cannot store results in {name}: {one_line(exc)}") from exc
        return name

    def close(self) -> None:
        """Nothing: the Spark session is the process's."""


#: libpq's startup option making every transaction of a session read only.
_READ_ONLY_OPTION = "-c default_transaction_read_only=on"


class SqlBackend:
    """The SQL path: GX's SQL datasource runs the expectations in the warehouse."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        try:
            self.engine = sa.create_engine(url)
            self.inspector = sa.inspect(self.engine)
        except Exception as exc:  # a missing driver, a bad URL, a refused connection
            raise DatabaseError(f"cannot connect for the checks: {one_line(exc)}") from exc
        self.url = url
        self.dialect = SQLGLOT_DIALECTS.get(self.engine.dialect.name, self.engine.dialect.name)
        self._datasource: Any = None
        self._names: dict[str | None, set[str]] = {}

    @classmethod
    def for_project(cls, project: Project) -> SqlBackend:
        return cls(sqlalchemy_url(project))

    def _schemas(self) -> list[str | None]:
        if self.engine.dialect.name == "sqlite":
            return [None]
        return list(self.inspector.get_schema_names())

    def locate(self, name: str, schema: str | None = None) -> Relation | None:
        found: dict[str | None, tuple[str, ...]] = {}
        for s in [schema] if schema is not None else self._schemas():
            if s not in self._names:
                try:
                    self._names[s] = set(self.inspector.get_table_names(schema=s)) | set(
                        self.inspector.get_view_names(schema=s)
                    )
                except Exception:  # the schema does not exist
                    self._names[s] = set()
            if name in self._names[s]:
                cols = self.inspector.get_columns(name, schema=s)
                found[s] = tuple(str(c["name"]) for c in cols)
        picked = _pick(name, found, schema)
        return None if picked is None else Relation(picked[0], name, picked[1])

    def validate(self, ctx: Any, batch: Batch, gx_suite: Any, fmt: dict[str, Any]) -> list[Any]:
        import great_expectations as gx

        if self._datasource is None:
            self._datasource = ctx.data_sources.add_sql(
                "warehouse", connection_string=self.read_only_url()
            )
        # A query asset for every batch: the same select (columns, where) as the pandas path.
        asset = self._datasource.add_query_asset(
            batch.name, query=batch.select.sql(dialect=self.dialect)
        )
        definition = asset.add_batch_definition_whole_table("all rows")
        validation = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=batch.name, data=definition, suite=gx_suite)
        )
        return list(validation.run(result_format=fmt).results)

    def read_only_url(self) -> str:
        """The URL the suites' queries run on: on PostgreSQL every transaction of it is read
        only (default_transaction_read_only), a backstop behind the query guard; the
        results are stored through the engine of the plain URL."""
        if self.engine.dialect.name != "postgresql":
            return self.url
        import sqlalchemy as sa

        url = sa.engine.make_url(self.url)
        options = " ".join(filter(None, [str(url.query.get("options") or ""), _READ_ONLY_OPTION]))
        return url.update_query_dict({"options": options}).render_as_string(hide_password=False)

    def store(self, rows: Sequence[Mapping[str, Any]]) -> str:
        import sqlalchemy as sa

        types = {
            "varchar": sa.String,
            "timestamp": sa.DateTime,
            "boolean": sa.Boolean,
            "bigint": sa.BigInteger,
            "double": sa.Float,
        }
        # SQLite has no schemas: there the table is unqualified.
        schema = None if self.engine.dialect.name == "sqlite" else results_schema()
        meta = sa.MetaData(schema=schema)
        table = sa.Table(
            RESULTS_TABLE, meta, *(sa.Column(c, types[t]()) for c, t in RESULT_COLUMNS)
        )
        try:
            with self.engine.begin() as conn:
                if schema is not None:
                    conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
                meta.create_all(conn, checkfirst=True)
                conn.execute(table.insert(), [dict(r) for r in rows])
        except Exception as exc:
            raise DatabaseError(
                f"cannot store results in {table.fullname}: {one_line(exc)}"
            ) from exc
        return str(table.fullname)

    def close(self) -> None:
        self.engine.dispose()


def sqlalchemy_url(project: Project) -> str:
    """A SQLAlchemy URL for the target: REVOPS_CHECKS_SQLALCHEMY_URL, or the dbt profile."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    from revops_cli.warehouse import postgres_params

    output = project.target_output()
    kind = str(output.get("type"))
    if kind == "postgres":
        import sqlalchemy as sa

        params = postgres_params(output)
        url = sa.URL.create(
            "postgresql+psycopg2",
            username=params.get("user"),
            password=params.get("password"),
            host=params.get("host"),
            port=params.get("port"),
            database=params.get("dbname"),
        )
        return url.render_as_string(hide_password=False)
    raise ConfigError(
        f"checks on a {kind} target need a SQLAlchemy URL in {URL_ENV} "
        "(and that warehouse's SQLAlchemy dialect installed)"
    )
