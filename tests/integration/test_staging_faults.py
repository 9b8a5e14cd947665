"""Raw-data faults (issue #15): every row staging must refuse is rejected with its reason
in dq_rejected_rows, the build passes its gate and publishes, raw = accepted + rejected
on every table, and the valid copy of a re-loaded record is the one that reaches the marts.

The expected reasons are written out by hand below, one per injected row; none is read
from the models under test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration


def _copy(table: str, key: str, new_key: str, **replace: str) -> str:
    """A copy of one clean row of ``table`` (not the generator's dirt, whose keys have -X,
    nor an earlier fault) with a new key and a defect."""
    changes = ", ".join([f"'{new_key}' as {key}", *(f"{v} as {c}" for c, v in replace.items())])
    first = f"select min({key}) from {table} where {key} not like '%-X%' and {key} not like 'F-%'"
    return (
        f"insert into {table} select * replace ({changes}) from {table} "
        f"where {key} = ({first}) limit 1"
    )


#: (raw table, key column, injected key, column -> SQL value, the reason staging gives).
FAULTS: tuple[tuple[str, str, str, dict[str, str], str], ...] = (
    ("raw_crm.contacts", "contact_id", "F-EPOCH", {"created_at": "'epoch'"}, "unparseable_date"),
    ("raw_crm.contacts", "contact_id", "F-INF", {"created_at": "'infinity'"}, "unparseable_date"),
    (
        "raw_crm.contacts",
        "contact_id",
        "F-NEGINF",
        {"created_at": "'-infinity'"},
        "unparseable_date",
    ),
    (
        "raw_crm.contacts",
        "contact_id",
        "F-Y99999",
        {"created_at": "'99999-01-01'"},
        "unparseable_date",
    ),
    (
        "raw_crm.contacts",
        "contact_id",
        "F-OFFSET",
        {"created_at": "'2025-03-04T10:15:00+25:00'"},
        "unparseable_date",
    ),
    (
        "raw_crm.contacts",
        "contact_id",
        "F-2099",
        {"created_at": "'2099-01-01T00:00:00Z'"},
        "date_after_load",
    ),
    ("raw_crm.contacts", "contact_id", "F-NOLOAD", {"_loaded_at": "null"}, "missing_load_time"),
    (
        "raw_billing.invoices",
        "invoice_id",
        "F-INV2099",
        {"issued_at": "'2099-05-01'"},
        "date_after_load",
    ),
    (
        "raw_billing.invoices",
        "invoice_id",
        "F-OVERFLOW",
        {"amount_due": "9999999999999999.99"},
        "amount_out_of_range",
    ),
    (
        "raw_billing.payments",
        "payment_id",
        "F-HUGE",
        {"amount": "10000000000000"},
        "amount_out_of_range",
    ),
    ("raw_support.tickets", "ticket_id", "F-CSAT99", {"csat_score": "99"}, "value_out_of_range"),
    ("raw_support.tickets", "ticket_id", "F-CSAT0", {"csat_score": "0"}, "value_out_of_range"),
    (
        "raw_crm.opportunities",
        "opportunity_id",
        "F-OWNER",
        {"owner_id": "'U-NOBODY'"},
        "orphan_foreign_key",
    ),
    (
        "raw_crm.lifecycle_events",
        "event_id",
        "F-NOCONTACT",
        {"contact_id": "null"},
        "orphan_foreign_key",
    ),
    (
        "raw_marketing.touches",
        "touch_id",
        "F-GHOST",
        {"contact_id": "'C-NOBODY'"},
        "orphan_foreign_key",
    ),
)


@pytest.fixture(scope="module")
def faulty(
    built: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], str, str]:
    """The small business with every fault above, plus a contact re-loaded with a bad date
    (``kept``) and one deleted in a later load (``deleted``), built and published."""
    db = tmp_path_factory.mktemp("faults") / "revops.duckdb"
    shutil.copy(built[0], db)
    con = duckdb.connect(str(db))
    for table, key, new_key, changes, _ in FAULTS:
        con.execute(_copy(table, key, new_key, **changes))
    # Two people with one CRM record each (no duplicate by e-mail to merge them with).
    single = """select contact_id from raw_crm.contacts
        where contact_id not like 'F-%' and contact_id not like '%-X%'
        and lower(trim(email)) in (
            select lower(trim(email)) from raw_crm.contacts group by 1 having count(*) = 1
        )
        group by contact_id
        having count(*) = 1 and not bool_or(coalesce(_deleted, false))
        and bool_and(created_at like '20%') order by contact_id"""
    kept, deleted = (r[0] for r in con.execute(single + " limit 2").fetchall())
    con.execute(f"""insert into raw_crm.contacts select * replace (
        'not a date' as created_at, _loaded_at + interval 1 day as _loaded_at)
        from raw_crm.contacts where contact_id = '{kept}'""")
    con.execute(f"""insert into raw_crm.contacts select * replace (
        true as _deleted, _loaded_at + interval 1 day as _loaded_at)
        from raw_crm.contacts where contact_id = '{deleted}'""")
    con.close()
    result = CliRunner().invoke(cli, ["build", "--database", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout), kept, deleted


def rejected(db: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select source_key, rejection_reason from data_quality.dq_rejected_rows "
        "order by source_key, rejection_reason"
    ).fetchall()
    con.close()
    out: dict[str, list[str]] = {}
    for key, reason in rows:
        out.setdefault(str(key), []).append(reason)
    return out


@pytest.mark.parametrize("fault", FAULTS, ids=[f[2] for f in FAULTS])
def test_each_fault_is_rejected_with_its_reason(
    faulty: tuple[Path, dict[str, Any], str, str], fault: tuple[Any, ...]
) -> None:
    _, _, new_key, _, reason = fault
    assert rejected(faulty[0]).get(new_key) == [reason]


def test_the_build_publishes_and_every_raw_row_is_accepted_or_rejected(
    faulty: tuple[Path, dict[str, Any], str, str], built: tuple[Path, dict[str, Any]]
) -> None:
    _, summary, _, _ = faulty
    assert summary["failed"] == [] and summary["publish"]["status"] == "published"
    before = {r["source_table"]: r for r in built[1]["reconciliation"]}
    injected: dict[str, int] = {}
    for table, *_ in FAULTS:
        name = table.removeprefix("raw_")
        injected[name] = injected.get(name, 0) + 1
    injected["crm.contacts"] += 2  # the re-load with a bad date and the deletion
    for r in summary["reconciliation"]:
        assert r["raw_rows"] == r["accepted_rows"] + r["rejected_rows"], r
        added = injected.get(r["source_table"], 0)
        assert r["raw_rows"] == before[r["source_table"]]["raw_rows"] + added, r
    contacts = next(r for r in summary["reconciliation"] if r["source_table"] == "crm.contacts")
    # Nine faults and the new copies are rejected; the deletion also retires the old copy.
    old = before["crm.contacts"]
    assert contacts["rejected_rows"] == old["rejected_rows"] + 7 + 2 + 1
    assert contacts["accepted_rows"] == old["accepted_rows"] - 1


def test_a_reload_with_a_bad_field_keeps_the_valid_copy(
    faulty: tuple[Path, dict[str, Any], str, str],
) -> None:
    db, _, kept, deleted = faulty
    reasons = rejected(db)
    # The newer copy is refused for its own defect; the older, valid one stays ...
    assert reasons[kept] == ["unparseable_date"]
    # ... while a deletion is a valid latest state: it retires the copy before it.
    assert reasons[deleted] == ["deleted_in_source", "superseded"]
    con = duckdb.connect(str(db), read_only=True)
    staged = {
        k for (k,) in con.execute("select contact_id from staging.stg_crm__contacts").fetchall()
    }
    in_mart = {
        k
        for (k,) in con.execute(
            f"select contact_id from marts.dim_contacts where contact_id in ('{kept}', '{deleted}')"
        ).fetchall()
    }
    con.close()
    assert kept in staged and deleted not in staged
    assert in_mart == {kept}


def test_health_scores_stay_in_their_documented_range(
    faulty: tuple[Path, dict[str, Any], str, str],
) -> None:
    con = duckdb.connect(str(faulty[0]), read_only=True)
    (low, high) = con.execute(
        "select min(health_score), max(health_score) from marts.fct_account_health"
    ).fetchone()  # type: ignore[misc]
    con.close()
    assert 0 <= low <= high <= 100
