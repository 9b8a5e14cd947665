"""--raw-database: the raw tables in their own DuckDB file, attached read-only, and the
database revops builds (the file BI tools open) without them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def separate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """The session's small business generated into raw.duckdb and built into bi.duckdb."""
    folder = tmp_path_factory.mktemp("separate")
    raw, bi = folder / "raw.duckdb", folder / "bi.duckdb"
    files = ["--raw-database", str(raw), "--database", str(bi)]
    small = ["--seed", "7", "--scale", "0.3", "--months", "12"]  # conftest.SMALL
    generated = CliRunner().invoke(cli, ["generate", *small, *files])
    assert generated.exit_code == 0, generated.output
    assert raw.exists() and not bi.exists()  # generate wrote the raw file only
    result = CliRunner().invoke(cli, ["build", *files, "--format", "json"])
    assert result.exit_code == 0, result.output
    return raw, bi, json.loads(result.stdout)


def _schemas(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select distinct table_schema from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_the_built_file_holds_no_raw_table(
    separate: tuple[Path, Path, dict[str, Any]], small_db: tuple[Path, Any]
) -> None:
    raw, bi, _ = separate
    raw_schemas = _schemas(small_db[0])  # what `generate` writes without --raw-database
    assert {"raw_crm", "raw_billing"} <= raw_schemas
    assert _schemas(raw) == raw_schemas
    assert _schemas(bi).isdisjoint(raw_schemas)
    assert {"marts", "metrics", "staging"} <= _schemas(bi)


def test_the_marts_equal_a_build_with_the_raw_tables_inside(
    separate: tuple[Path, Path, dict[str, Any]], built: tuple[Path, dict[str, Any]]
) -> None:
    """The same business built both ways: every mart and metric table row for row."""
    _, bi, summary = separate
    con = duckdb.connect(str(bi), read_only=True)
    try:
        con.execute(f"attach '{built[0]}' as inside (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_type = 'BASE TABLE' "
            "and table_schema in ('marts', 'metrics')"
        ).fetchall()
        assert len(tables) > 15
        differ = []
        for schema, table in tables:
            # A float average may differ in its last bits with the order DuckDB's threads
            # add it up in (health_score did): floats are compared to 9 decimal places.
            columns = ", ".join(
                f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"'
                for c, t in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = current_database() and table_schema = ? "
                    "and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
            )
            here = f'select {columns} from "{schema}"."{table}"'
            there = f'select {columns} from inside."{schema}"."{table}"'
            (n,) = con.execute(  # type: ignore[misc]
                f"select count(*) from (({here} except all {there}) "
                f"union all ({there} except all {here}))"
            ).fetchone()
            if n:
                differ.append(f"{schema}.{table}: {n}")
        (rows,) = con.execute("select count(*) from marts.fct_lead_funnel").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert differ == []
    assert rows > 1000
    recon = summary["reconciliation"]
    assert len(recon) == 17  # every raw table read from the attached file, none lost
    assert all(r["raw_rows"] == r["accepted_rows"] + r["rejected_rows"] > 0 for r in recon)


def test_query_check_and_doctor_read_through_the_attached_file(
    separate: tuple[Path, Path, dict[str, Any]], built: tuple[Path, dict[str, Any]]
) -> None:
    raw, bi, _ = separate
    files = ["--raw-database", str(raw), "--database", str(bi)]
    ask = ["query", "mrr", "--grain", "month", "--format", "csv"]
    here = CliRunner().invoke(cli, [*ask, *files])
    inside = CliRunner().invoke(cli, [*ask, "--database", str(built[0])])
    assert here.exit_code == 0, here.output
    assert here.stdout == inside.stdout
    assert here.stdout.count("\n") > 10
    check = CliRunner().invoke(cli, ["check", *files, "--suite", "raw_sources"])
    assert check.exit_code == 0, check.output
    assert "passed" in check.output and "skipped" not in check.output
    doctor = CliRunner().invoke(cli, ["doctor", *files])
    assert doctor.exit_code == 0, doctor.output


def test_a_missing_raw_file_is_one_clear_error(tmp_path: Path) -> None:
    bi, missing = tmp_path / "bi.duckdb", tmp_path / "nope.duckdb"
    duckdb.connect(str(bi)).close()
    result = CliRunner().invoke(
        cli, ["query", "mrr", "--database", str(bi), "--raw-database", str(missing)]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert f"--raw-database {missing} does not exist" in result.output
    assert not missing.exists()


def test_the_raw_file_cannot_be_the_database(tmp_path: Path) -> None:
    same = tmp_path / "x.duckdb"
    result = CliRunner().invoke(
        cli, ["query", "mrr", "--database", str(same), "--raw-database", str(same)]
    )
    assert result.exit_code == 2
    assert "is the --database itself" in result.output
