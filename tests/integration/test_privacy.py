"""No personal data leaves the raw and staging layers (issue #15): every BI-facing column
and every generated HTML page is scanned for the e-mail addresses and names of the raw
contacts, and e-mail matching uses a keyed hash."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

#: The schemas BI tools read (the metric layer, marts, data quality and the run history).
BI_SCHEMAS = ("marts", "metrics", "metric_stages", "data_quality", "reference", "revops_meta")


def personal_data(con: duckdb.DuckDBPyConnection) -> set[str]:
    """E-mail addresses and full names of the raw contacts and ticket requesters, lowercase."""
    rows = con.execute(
        """select lower(trim(email)) from raw_crm.contacts where email like '%@%'
        union select lower(trim(requester_email)) from raw_support.tickets
            where requester_email like '%@%'
        union select lower(trim(first_name) || ' ' || trim(last_name)) from raw_crm.contacts
            where first_name is not null and last_name is not null"""
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def test_no_bi_facing_column_holds_an_email_or_a_name(built: tuple[Path, dict[str, Any]]) -> None:
    con = duckdb.connect(str(built[0]), read_only=True)
    try:
        pii = personal_data(con)
        assert len(pii) > 500  # the scan has something to find
        con.execute("create temp table pii (v varchar)")
        con.executemany("insert into pii values (?)", [[v] for v in pii])
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in {BI_SCHEMAS} and data_type = 'VARCHAR'"
        ).fetchall()
        assert len(columns) > 100
        found = []
        for schema, table, column in columns:
            ref = f'"{schema}"."{table}"."{column}"'
            (hits,) = con.execute(
                f'select count(*) from "{schema}"."{table}" '
                f"where lower({ref}) in (select v from pii) "
                f"or regexp_matches({ref}, '[^@ ]+@[^@ ]+[.][a-z]{{2,}}')"
            ).fetchone()  # type: ignore[misc]
            if hits:
                found.append(f"{schema}.{table}.{column}: {hits}")
    finally:
        con.close()
    assert found == []


def test_no_generated_html_page_holds_an_email_or_a_name(
    built: tuple[Path, dict[str, Any]],
) -> None:
    docs = Path(built[1]["checks"]["data_docs"]).parent
    pages = list(docs.rglob("*.html"))
    assert len(pages) > 20
    con = duckdb.connect(str(built[0]), read_only=True)
    pii = personal_data(con)
    con.close()
    leaks = []
    for page in pages:
        text = page.read_text(encoding="utf-8").lower()
        leaks += [f"{page.name}: {m}" for m in re.findall(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text)]
        leaks += [f"{page.name}: {v}" for v in pii if v in text]
    assert leaks == []
    # The pages did carry addresses before redaction: the duplicate check samples them.
    assert any("[e-mail redacted]" in p.read_text(encoding="utf-8") for p in pages)


def test_email_hash_is_keyed_by_the_secret_in_the_environment(
    built: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    con = duckdb.connect(str(db), read_only=True)
    contact, plain = con.execute(
        "select c.contact_id, c.email_hash from marts.dim_contacts as c order by 1 limit 1"
    ).fetchone()  # type: ignore[misc]
    (email,) = con.execute(
        "select email from staging.stg_crm__contacts where contact_id = ?", [contact]
    ).fetchone()  # type: ignore[misc]
    con.close()
    # Without a key: a plain SHA-256 (which the build summary warns about).
    assert plain == hashlib.sha256(email.encode()).hexdigest()
    assert "REVOPS_EMAIL_HASH_KEY is not set" in " ".join(built[1]["notes"])

    monkeypatch.setenv("REVOPS_EMAIL_HASH_KEY", "s3cret'key")
    result = CliRunner().invoke(
        cli,
        [
            *("build", "--database", str(db), "--select", "dim_contacts"),
            *("--skip-checks", "--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    (keyed,) = con.execute(
        "select email_hash from marts.dim_contacts where contact_id = ?", [contact]
    ).fetchone()  # type: ignore[misc]
    con.close()
    assert keyed == hashlib.sha256(("s3cret'key" + email).encode()).hexdigest()
