"""revops_cli.warehouse without a server: the profile, the DuckDB side, the comparison."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from revops_cli import warehouse
from revops_cli.errors import ConfigError, DatabaseError
from revops_cli.project import Project
from revops_cli.warehouse import (
    ColumnStat,
    DuckDBWarehouse,
    Fingerprint,
    column_kind,
    differences,
    fingerprint,
    postgres_params,
    relations,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path, target: str | None) -> Project:
    profiles = tmp_path / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "profiles.yml").write_text((PROJECT_DIR / "profiles.example.yml").read_text())
    return Project.resolve(PROJECT_DIR, profiles, target, tmp_path / "x.duckdb")


def test_the_example_postgres_block_renders_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVOPS_PG_HOST", "db.internal")
    monkeypatch.setenv("REVOPS_PG_PORT", "6543")
    monkeypatch.setenv("REVOPS_PG_USER", "analytics")
    monkeypatch.setenv("REVOPS_PG_PASSWORD", "s3cret")
    monkeypatch.delenv("REVOPS_PG_DATABASE", raising=False)
    project = _project(tmp_path, "postgres")
    assert project.target_type() == "postgres"
    output = project.target_output()
    assert output["type"] == "postgres"
    assert postgres_params(output) == {
        "host": "db.internal",
        "port": 6543,
        "user": "analytics",
        "password": "s3cret",
        "dbname": "revops",
        "connect_timeout": 10,
    }
    assert warehouse.can_query(project)


def test_the_example_spark_block_gives_a_local_session_under_revops_spark_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVOPS_SPARK_DIR", "/data/spark")
    monkeypatch.delenv("REVOPS_SPARK_DRIVER_MEMORY", raising=False)
    project = _project(tmp_path, "spark")
    assert project.target_type() == "spark"
    conf = warehouse.spark_conf(project.target_output())
    assert conf["spark.sql.warehouse.dir"] == "/data/spark/warehouse"
    assert conf["spark.hadoop.javax.jdo.option.ConnectionURL"] == (
        "jdbc:derby:;databaseName=/data/spark/metastore_db;create=true"
    )
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.driver.memory"] == "4g"
    assert warehouse.can_query(project)


def test_a_spark_cluster_target_builds_but_is_not_read_back(tmp_path: Path) -> None:
    profiles = tmp_path / "p"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "revops:\n  target: s\n  outputs:\n    s:\n      type: spark\n      method: thrift\n"
    )
    project = Project.resolve(PROJECT_DIR, profiles, None, tmp_path / "x.duckdb")
    assert not warehouse.can_query(project)
    with pytest.raises(ConfigError, match="method: session only; this one uses thrift"):
        warehouse.spark_conf({"type": "spark", "method": "thrift", "host": "spark.internal"})


def test_a_missing_required_variable_is_a_config_error(tmp_path: Path) -> None:
    profiles = tmp_path / "p"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "revops:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
        "      host: \"{{ env_var('REVOPS_TEST_NOT_SET_ANYWHERE') }}\"\n"
    )
    project = Project.resolve(PROJECT_DIR, profiles, None, tmp_path / "x.duckdb")
    with pytest.raises(ConfigError, match="REVOPS_TEST_NOT_SET_ANYWHERE"):
        project.target_output()


def test_other_adapters_build_but_are_not_read_back(tmp_path: Path) -> None:
    profiles = tmp_path / "p"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "revops:\n  target: sf\n  outputs:\n    sf:\n      type: snowflake\n"
    )
    project = Project.resolve(PROJECT_DIR, profiles, None, tmp_path / "x.duckdb")
    assert not warehouse.can_query(project)
    with pytest.raises(ConfigError, match="not snowflake"):
        warehouse.connect(project)


def test_query_reads_the_duckdb_target(tmp_path: Path) -> None:
    project = _project(tmp_path, None)
    with pytest.raises(DatabaseError, match="does not exist"):
        warehouse.query(project, "select 1")
    duckdb.connect(str(project.database)).close()
    assert warehouse.query(project, "select 1 as one") == (["one"], [(1,)])
    with pytest.raises(DatabaseError, match="query failed"):
        warehouse.query(project, "select * from nowhere")


@pytest.mark.parametrize(
    ("data_type", "kind"),
    [
        ("INTEGER", "number"),
        ("BIGINT", "number"),
        ("HUGEINT", "number"),
        ("DECIMAL(18,2)", "number"),
        ("numeric", "number"),
        ("DOUBLE", "float"),
        ("double precision", "float"),
        ("real", "float"),
        ("BOOLEAN", "boolean"),
        ("DATE", "temporal"),
        ("TIMESTAMP", "temporal"),
        ("timestamp without time zone", "temporal"),
        ("TIMESTAMP WITH TIME ZONE", "temporal"),
        ("VARCHAR", "text"),
        ("character varying", "text"),
        ("text", "text"),
        ("INTERVAL", "other"),
        ("INTEGER[]", "other"),
    ],
)
def test_column_kinds(data_type: str, kind: str) -> None:
    assert column_kind(data_type) == kind


@pytest.fixture()
def duck(tmp_path: Path) -> DuckDBWarehouse:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw_crm; create schema marts")
    con.execute("create table raw_crm.t (x integer)")
    con.execute(
        """create table marts.fct as select * from (values
        (1, 1.005::decimal(18,3), 0.1::double, true, date '2025-01-02', 'a'),
        (2, 2.000, 0.2, false, date '2025-03-04', 'bb'),
        (3, null, null, null, null, 'a')) as t (id, amount, share, is_ok, day, label)"""
    )
    con.close()
    return DuckDBWarehouse.open(path)


def test_relations_and_fingerprint(duck: DuckDBWarehouse) -> None:
    assert relations(duck, ["raw_*"]) == {("marts", "fct")}
    assert relations(duck) == {("marts", "fct"), ("raw_crm", "t")}
    fp = fingerprint(duck, "marts", "fct")
    assert fp.rows == 3
    stats = {c.column: (c.kind, c.values) for c in fp.columns}
    assert stats["id"] == ("number", (3, 6))
    assert stats["amount"][1][0] == 2
    assert float(stats["amount"][1][1]) == 3.01  # sum 3.005 to the cent
    assert stats["share"][0] == "float"
    assert stats["is_ok"] == ("boolean", (2, 1))
    assert stats["day"][1][0] == 2
    assert str(stats["day"][1][1]) == "2025-01-02"
    assert stats["label"] == ("text", (3, 2, 4))
    assert differences(fp, fp) == []
    duck.close()


def _fp(rows: int, *stats: ColumnStat) -> Fingerprint:
    return Fingerprint("marts.fct", rows, stats)


def test_differences_money_to_the_cent_and_floats_within_tolerance() -> None:
    money = ColumnStat("amount_usd", "number", (10, "1234.56"))
    assert differences(_fp(10, money), _fp(10, money)) == []
    cent_off = ColumnStat("amount_usd", "number", (10, "1234.57"))
    assert differences(_fp(10, money), _fp(10, cent_off)) == [
        "marts.fct.amount_usd: (10, '1234.56') vs (10, '1234.57')"
    ]
    share = ColumnStat("share", "float", (10, 0.3))
    near = ColumnStat("share", "number", (10, 0.31))
    far = ColumnStat("share", "float", (10, 0.33))
    assert differences(_fp(10, share), _fp(10, near)) == []
    assert len(differences(_fp(10, share), _fp(10, far))) == 1
    assert differences(_fp(10), _fp(11)) == ["marts.fct: 10 rows vs 11"]
    text = ColumnStat("share", "text", (10, 3, 30))
    assert differences(_fp(10, share), _fp(10, text)) == ["marts.fct.share: a float vs a text"]
    assert "in one engine only" in differences(_fp(10, share), _fp(10))[0]


def test_money_through_a_float_may_differ_by_a_cent_per_row() -> None:
    a = ColumnStat("cost_per_mql", "number", (98, "26583.74"))
    b = ColumnStat("cost_per_mql", "number", (98, "26583.79"))
    assert len(differences(_fp(98, a), _fp(98, b))) == 1
    assert differences(_fp(98, a), _fp(98, b), cent_per_row=["cost_per_mql"]) == []
    far = ColumnStat("cost_per_mql", "number", (98, "26585.00"))
    assert len(differences(_fp(98, a), _fp(98, far), cent_per_row=["cost_per_mql"])) == 1
