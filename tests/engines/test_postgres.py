"""The same project on PostgreSQL: load the generated raw tables, `revops build` against a
postgres target, and hold every relation it builds to the DuckDB build of the same seed.

Needs a server: `make test-postgres` (scripts/pg_lane.sh) starts a throwaway one and sets
REVOPS_PG_HOST/PORT/USER/PASSWORD/DATABASE; without them the module is skipped, unless
REVOPS_TEST_POSTGRES=1 says a server was promised, where it fails. REVOPS_ENGINE_SELECT
narrows the builds to a dbt selection (default: the whole project).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from lanes import (
    EPHEMERAL_ON_DUCKDB,
    NOT_BUILT,
    PARSE_SQL,
    PROJECT_DIR,
    SELECT,
    build_cli,
    compare,
    compiled,
    raw_table_problems,
)

from revops_cli.cli import cli
from revops_cli.contract import RAW_TABLES
from revops_cli.dbt_runner import run_dbt
from revops_cli.generator import GenerationResult
from revops_cli.project import Project
from revops_cli.warehouse import (
    DuckDBWarehouse,
    PostgresWarehouse,
    fingerprint,
    load_raw,
    relations,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

PG_ENV = ("REVOPS_PG_HOST", "REVOPS_PG_PORT", "REVOPS_PG_USER", "REVOPS_PG_PASSWORD")


@pytest.fixture(scope="module")
def server() -> dict[str, str]:
    """Connection settings of the server the lane started."""
    if "REVOPS_PG_PORT" not in os.environ:
        if os.environ.get("REVOPS_TEST_POSTGRES") == "1":
            pytest.fail("REVOPS_TEST_POSTGRES=1 but no REVOPS_PG_PORT: run make test-postgres")
        pytest.skip("no PostgreSQL server (make test-postgres starts one)")
    return {k: os.environ.get(k, "") for k in PG_ENV} | {
        "REVOPS_PG_DATABASE": os.environ.get("REVOPS_PG_DATABASE", "postgres")
    }


def _connect(server: dict[str, str], dbname: str) -> PostgresWarehouse:
    return PostgresWarehouse.open(
        host=server["REVOPS_PG_HOST"] or "127.0.0.1",
        port=int(server["REVOPS_PG_PORT"]),
        user=server["REVOPS_PG_USER"] or "revops",
        password=server["REVOPS_PG_PASSWORD"] or None,
        dbname=dbname,
    )


@pytest.fixture(scope="module")
def make_database(server: dict[str, str]) -> Iterator[Any]:
    """Creates empty databases for the module, dropped at its end."""
    admin = _connect(server, server["REVOPS_PG_DATABASE"])
    made: list[str] = []

    def make(name: str) -> str:
        name = f"revops_test_{name}_{os.getpid()}"
        admin.query(f"drop database if exists {name} with (force)")
        admin.query(f"create database {name}")
        made.append(name)
        return name

    yield make
    for name in made:
        admin.query(f"drop database if exists {name} with (force)")
    admin.close()


@pytest.fixture(scope="module")
def pg_env(server: dict[str, str], make_database: Any) -> Iterator[dict[str, str]]:
    """The profile's REVOPS_PG_* variables, pointing at this module's database."""
    env = server | {"REVOPS_PG_DATABASE": make_database("build")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        yield env


@pytest.fixture(scope="module")
def pg(server: dict[str, str], pg_env: dict[str, str]) -> Iterator[PostgresWarehouse]:
    wh = _connect(server, pg_env["REVOPS_PG_DATABASE"])
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def loaded(
    small_db: tuple[Path, GenerationResult],
    pg: PostgresWarehouse,
    lane_timings: dict[str, float],
) -> dict[str, int]:
    began = time.perf_counter()
    counts = load_raw(small_db[0], pg)
    lane_timings["load raw tables into PostgreSQL"] = time.perf_counter() - began
    return counts


@pytest.fixture(scope="module")
def pg_built(
    loaded: dict[str, int],
    profiles: Path,
    tmp_path_factory: pytest.TempPathFactory,
    lane_timings: dict[str, float],
) -> tuple[int, dict[str, Any], str]:
    unused = tmp_path_factory.mktemp("unused") / "unused.duckdb"
    began = time.perf_counter()
    out = build_cli(
        ["--profiles-dir", str(profiles), "--target", "postgres", "--database", str(unused)]
    )
    lane_timings["revops build on PostgreSQL"] = time.perf_counter() - began
    return out


def test_raw_tables_load_with_the_contract_types(
    small_db: tuple[Path, GenerationResult], loaded: dict[str, int], pg: PostgresWarehouse
) -> None:
    assert loaded == small_db[1].raw_rows
    problems = raw_table_problems(small_db[0], pg)
    assert not problems, "\n".join(problems)


def test_the_build_passes_on_postgres_as_on_duckdb(
    pg_built: tuple[int, dict[str, Any], str], duck_built: tuple[Path, dict[str, Any]]
) -> None:
    code, summary, output = pg_built
    assert code == 0, output
    assert summary["ok"] is True, summary["failed"]
    _, duck = duck_built
    # The metric measures are tables here, CTEs on DuckDB: the same nodes otherwise.
    models = duck["nodes"]["model"]["success"] + EPHEMERAL_ON_DUCKDB
    assert summary["nodes"] == {**duck["nodes"], "model": {"success": models}}
    # The reconciliation is read back from PostgreSQL (revops_cli.warehouse).
    assert summary["reconciliation"] == duck["reconciliation"]
    if not SELECT:
        assert len(summary["reconciliation"]) == len(RAW_TABLES)


def test_every_relation_matches_duckdb(
    pg_built: tuple[int, dict[str, Any], str],
    duck_built: tuple[Path, dict[str, Any]],
    pg: PostgresWarehouse,
    lane_timings: dict[str, float],
) -> None:
    """Row counts, and per column non-null counts and sums to the cent, min/max dates,
    distinct text: equal on both engines for every seed, model and data-quality table."""
    assert pg_built[0] == 0, pg_built[2]
    duck = DuckDBWarehouse.open(duck_built[0])
    try:
        on_duck, on_pg = relations(duck, NOT_BUILT), relations(pg, NOT_BUILT)
        assert on_pg == on_duck
        assert len(on_pg) >= 40
        began = time.perf_counter()
        problems = compare(duck, pg, on_duck)
        lane_timings[f"compare {len(on_duck)} relations"] = time.perf_counter() - began
    finally:
        duck.close()
    assert not problems, "\n".join(problems)


def test_offsets_become_the_same_utc_instants(
    pg_built: tuple[int, dict[str, Any], str],
    duck_built: tuple[Path, dict[str, Any]],
    pg: PostgresWarehouse,
) -> None:
    """Row by row, not only min/max: the CRM's local times with offsets and billing's UTC."""
    sql = {
        "stg_crm__contacts": "select contact_id, created_at from staging.stg_crm__contacts",
        "stg_crm__lifecycle_events": "select event_id, occurred_at "
        "from staging.stg_crm__lifecycle_events",
        "stg_billing__invoices": "select invoice_id, issued_at, period_start_date, paid_at "
        "from staging.stg_billing__invoices",
    }
    duck = DuckDBWarehouse.open(duck_built[0])
    try:
        for name, query in sql.items():
            assert sorted(pg.query(query)[1]) == sorted(duck.query(query)[1]), name
    finally:
        duck.close()


def test_parse_macros_agree_with_duckdb(
    profiles: Path, pg: PostgresWarehouse, tmp_path: Path
) -> None:
    """postgres__parse_timestamp / parse_date return what DuckDB's try_cast returns, and
    null (not an error) for text that is not a date."""
    sql = PARSE_SQL
    on_pg = sorted(pg.query(compiled(profiles, "postgres", sql))[1])
    duck = duckdb.connect()
    try:
        duck.execute("set TimeZone = 'UTC'")
        on_duck = sorted(
            duck.execute(compiled(profiles, "duckdb", sql, tmp_path / "x.duckdb")).fetchall()
        )
    finally:
        duck.close()
    assert on_pg == on_duck
    by_text = {v: (ts, d) for v, ts, d in on_pg}
    assert str(by_text["2025-03-04T10:15:00+01:00"][0]) == "2025-03-04 09:15:00"
    assert str(by_text["2025-03-04T23:15:00-05:00"][0]) == "2025-03-05 04:15:00"
    assert all(by_text[v] == (None, None) for v in ("31/02/2025", "N/A", "2025-02-29", ""))


def _project_copy(tmp: Path) -> Path:
    """The staging layer of the project (what the probe needs), in a folder of its own."""
    copy = tmp / "project"
    copy.mkdir()
    shutil.copy(PROJECT_DIR / "dbt_project.yml", copy)
    for folder in ("macros", "seeds", "models/staging"):
        shutil.copytree(PROJECT_DIR / folder, copy / folder)
    return copy


def test_a_duckdb_only_function_in_a_model_fails_the_postgres_build(
    small_db: tuple[Path, GenerationResult],
    profiles: Path,
    server: dict[str, str],
    make_database: Any,
    tmp_path: Path,
) -> None:
    """The guard: a staging model that calls DuckDB's try_cast instead of the dispatched
    revops.parse_timestamp still builds on DuckDB, and fails on PostgreSQL."""
    project_dir = _project_copy(tmp_path)
    model = project_dir / "models/staging/crm/base_crm__contacts.sql"
    portable = "{{ revops.parse_timestamp('created_at') }}"
    text = model.read_text()
    assert portable in text
    model.write_text(text.replace(portable, "try_cast(created_at as timestamptz)"))
    db = tmp_path / "probe.duckdb"
    shutil.copy(small_db[0], db)
    args = ["--select", "base_crm__contacts"]

    on_duck = run_dbt(
        Project.resolve(project_dir, profiles, "duckdb", db), "build", args, raise_on_failure=False
    )
    assert [(n.name, n.status) for n in on_duck.nodes if n.resource_type == "model"] == [
        ("base_crm__contacts", "success")
    ]

    database = make_database("probe")
    wh = _connect(server, database)
    try:
        load_raw(small_db[0], wh, [t for t in RAW_TABLES if t.name == "contacts"])
    finally:
        wh.close()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in (server | {"REVOPS_PG_DATABASE": database}).items():
            mp.setenv(k, v)
        on_pg = run_dbt(
            Project.resolve(project_dir, profiles, "postgres", db),
            "build",
            args,
            raise_on_failure=False,
        )
    [failed] = on_pg.failed
    assert failed.name == "base_crm__contacts"
    assert "try_cast" in (failed.message or "")


def test_connector_fixtures_build_on_postgres_as_on_duckdb(
    server: dict[str, str], make_database: Any, profiles: Path, tmp_path: Path
) -> None:
    """The Fivetran HubSpot and Stripe adapters on a Fivetran destination in PostgreSQL:
    the hand-written fixtures (tests/fixtures/connectors) give the same funnel and MRR as
    on DuckDB, whose values tests/integration/test_connectors.py works out by hand."""
    fixtures = PROJECT_DIR / "tests" / "fixtures" / "connectors"
    texts = [(fixtures / f"{n}.sql").read_text() for n in ("fivetran_hubspot", "fivetran_stripe")]
    sources = (
        "{revops_sources: {crm: {adapter: fivetran_hubspot}, billing: {adapter: fivetran_stripe},"
        " marketing: none, support: none, product: none}}"
    )
    columns = "month_start_date, leads, mqls, sqls, deals_won, bookings, mrr, collected"
    query = f"select {columns} from metrics.kpi_monthly order by 1"

    db = tmp_path / "fixtures.duckdb"
    with duckdb.connect(str(db)) as con:
        for text in texts:
            con.execute(text)
    on_duck = CliRunner().invoke(
        cli, ["build", "--project-dir", str(PROJECT_DIR), "--database", str(db),
              "--vars", sources, "--skip-checks"],
    )  # fmt: skip
    assert on_duck.exit_code == 0, on_duck.output
    with duckdb.connect(str(db), read_only=True) as con:
        expected = [tuple(float(v) if isinstance(v, Decimal) else v for v in r)
                    for r in con.execute(query).fetchall()]  # fmt: skip

    database = make_database("connectors")
    wh = _connect(server, database)
    try:
        for text in texts:  # DuckDB's `double` is PostgreSQL's `double precision`
            wh.query(re.sub(r"\bdouble\b", "double precision", text))
    finally:
        wh.close()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in (server | {"REVOPS_PG_DATABASE": database}).items():
            mp.setenv(k, v)
        on_pg = CliRunner().invoke(
            cli, ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles),
                  "--target", "postgres", "--database", str(tmp_path / "unused.duckdb"),
                  "--vars", sources, "--skip-checks"],
        )  # fmt: skip
        assert on_pg.exit_code == 0, on_pg.output
    wh = _connect(server, database)
    try:
        got = [tuple(float(v) if isinstance(v, Decimal) else v for v in r)
               for r in wh.query(query)[1]]  # fmt: skip
    finally:
        wh.close()
    assert got == expected
    assert expected[-1][4:6] == (1, 12000.0) and expected[-1][6] == 1000.0


def test_a_build_failing_its_gate_leaves_the_published_schemas_untouched(
    pg_built: tuple[int, dict[str, Any], str],
    pg: PostgresWarehouse,
    profiles: Path,
    tmp_path: Path,
) -> None:
    """Write-audit-publish on PostgreSQL: the build that passed was published by renaming
    its shadow schemas into place; a build that fails its gate leaves the published
    schemas as they were (its own stay, suffixed, for inspection); the next one publishes.
    A --select build runs in place (a shadow schema holds only what it built)."""
    if SELECT:
        pytest.skip("REVOPS_ENGINE_SELECT narrows the builds: a selection builds in place")
    assert pg_built[1]["publish"]["mode"] == "schema-swap"
    assert pg_built[1]["publish"]["status"] == "published"
    [(runs,)] = pg.query("select count(*) from revops_meta.runs where status = 'published'")[1]
    assert runs >= 1
    assert _suffixed(pg) == []

    def published() -> Any:
        return (
            fingerprint(pg, "staging", "stg_billing__subscriptions"),
            fingerprint(pg, "marts", "fct_mrr"),
        )

    before = published()
    args = ["--profiles-dir", str(profiles), "--target", "postgres"]
    args += ["--database", str(tmp_path / "unused.duckdb"), "--skip-checks"]
    pg.query(
        "create temp table paused as select * from raw_billing.subscriptions limit 1; "
        "update paused set subscription_id = 'S-PAUSED', status = 'paused'; "
        "insert into raw_billing.subscriptions select * from paused; drop table paused"
    )
    try:
        code, summary, output = build_cli(args)
        assert code == 1, output
        assert summary["publish"]["status"] == "blocked", summary["publish"]
        assert published() == before
        assert "staging__revops_build" in _suffixed(pg)
    finally:
        pg.query("delete from raw_billing.subscriptions where subscription_id = 'S-PAUSED'")
    code, summary, output = build_cli(args)
    assert code == 0, output
    assert summary["publish"]["status"] == "published"
    assert published() == before
    assert _suffixed(pg) == []
    code, summary, output = build_cli([*args, "--select", "stg_crm__users"])
    assert code == 0, output
    assert summary["publish"]["mode"] == "in-place"
    assert _suffixed(pg) == []


def _suffixed(pg: PostgresWarehouse) -> list[str]:
    _, rows = pg.query(
        "select nspname from pg_namespace where nspname like '%\\_\\_revops\\_%' order by 1"
    )
    return [str(r[0]) for r in rows]


def test_suite_queries_run_on_a_read_only_session(
    pg_built: tuple[int, dict[str, Any], str], profiles: Path
) -> None:
    """The expectation suites read PostgreSQL through a session whose every transaction is
    read only (a backstop behind the query guard); the results are stored through another."""
    import sqlalchemy as sa

    from revops_cli.checks.backends import SqlBackend

    project = Project.resolve(profiles_dir=profiles, target="postgres")
    backend = SqlBackend.for_project(project)
    engine = sa.create_engine(backend.read_only_url())
    try:
        with engine.connect() as con:
            assert con.execute(sa.text("show default_transaction_read_only")).scalar() == "on"
            assert con.execute(sa.text("select count(*) from marts.dim_date")).scalar() > 0
            with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
                con.execute(sa.text("create table marts.probe_write (x int)"))
    finally:
        engine.dispose()
        backend.close()
    code, summary, output = pg_built
    assert code == 0 and summary["checks"]["counts"]["pass"] > 0, output


def test_leaks_monitor_and_report_read_postgres_as_duckdb(
    pg_built: tuple[int, dict[str, Any], str],
    duck_built: tuple[Path, dict[str, Any]],
    profiles: Path,
    tmp_path: Path,
) -> None:
    """`revops leaks` gives the same ranking and amounts on both engines; `revops monitor`
    records its alerts in PostgreSQL, and `revops report` shows the same KPI tiles and as
    many open alerts as the monitor left."""
    import json

    pg_args = ["--profiles-dir", str(profiles), "--target", "postgres"]
    duck_args = ["--database", str(duck_built[0])]

    def leaks(args: list[str]) -> list[tuple[str, float]]:
        result = CliRunner().invoke(cli, ["leaks", *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        return [(r["leak"], round(r["amount"], 2)) for r in json.loads(result.stdout)]

    assert leaks(pg_args) == leaks(duck_args)
    monitor = CliRunner().invoke(cli, ["monitor", *pg_args, "--format", "json"])
    assert monitor.exit_code in (0, 1), monitor.output
    opened = [a for a in json.loads(monitor.stdout) if a["status"] in ("new", "open")]

    def tiles(args: list[str], out: Path) -> tuple[list[tuple[str, str]], str]:
        result = CliRunner().invoke(cli, ["report", *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        page = out.read_text()
        found = re.findall(r'data-metric="([a-z_]+)" data-value="([^"]*)"', page)
        return [(m, f"{float(v):.6g}" if v else "") for m, v in found], page

    on_pg, page = tiles(pg_args, tmp_path / "pg.html")
    on_duck, _ = tiles(duck_args, tmp_path / "duck.html")
    assert on_pg == on_duck and len(on_pg) >= 8
    assert f"Open alerts ({len(opened)})" in page

    def audit(args: list[str]) -> dict[str, tuple[Any, Any]]:
        result = CliRunner().invoke(cli, ["audit", *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        return {r["criterion"]: (r["stage"], r["value"]) for r in rows}

    # The audit's plain SQL runs on PostgreSQL and measures what it does on DuckDB; the
    # monitor ran on PostgreSQL only, so its rules count there.
    pg_audit, duck_audit = audit(pg_args), audit(duck_args)
    assert pg_audit.pop("alerts_in_use")[0] == 5
    duck_audit.pop("alerts_in_use")
    assert pg_audit.pop("contact_decay") == duck_audit.pop("contact_decay") == (None, None)
    assert {k: (s, pytest.approx(v, abs=1e-6)) for k, (s, v) in duck_audit.items()} == pg_audit
    assert all(s is not None for s, _ in pg_audit.values())
