"""The fivetran_salesforce adapter on a hand-written fixture in the connector's documented
shape (tests/fixtures/connectors/fivetran_salesforce.sql, not produced by the generator):
the build maps it onto the canonical contract, and the funnel equals the values worked out
by hand below from the fixture rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from connector_kit import (
    ONE_ROW_PER_RECORD_GAP,
    PROJECT_DIR,
    SALESFORCE_CLOSEDATE_GAP,
    SALESFORCE_CONTACT_GAP,
    SALESFORCE_MQL_GAP,
    SALESFORCE_QUOTA_GAP,
    assert_parity,
)

from revops_cli.cli import cli
from revops_cli.generator.shapes import write_shapes

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/connectors/fivetran_salesforce.sql"
SOURCES = (
    "{revops_sources: {crm: {adapter: fivetran_salesforce}, billing: none, marketing: none, "
    "support: none, product: none}}"
)

# Ids of the fixture (18-character Salesforce ids; 00Q leads, 003 contacts, 006 deals).
ANA, BEN, CY, DEE = (f"00500000000000{n}AAA" for n in "1234")
ALICE, BOB, CAROL, DAN, EVE = (f"00Q00000000000{n}AAA" for n in "12345")
FRANK, GINA = "003000000000002AAA", "003000000000003AAA"
PLATFORM, EXPANSION, PILOT, DELETED_DEAL = (f"00600000000000{n}AAA" for n in "1234")

# The Salesforce org, by hand (fivetran_salesforce.sql). A lead is the person; the contacts
# Alice and Dan converted into (003...1, 003...4) are them, not new people.
# leads   Jan: Alice (Jan 10), Bob (Jan 22). Feb: Carol (Feb 3), Dan (Feb 10), Frank, a
#         contact that never was a lead (Feb 20). Eve's lead and Gina's contact are deleted.
# MQLs    fit = 20+ people, a listed country, manager or above, a business domain; the action
#         is a pi__score__c of 60 or more (Salesforce has no forms or page views).
#         Jan: Alice (VP, Acme 150, United States: score 75 on Jan 11), Bob (Director,
#         Globex 80, DE: 40 then 65 on Jan 25). Feb: Dan (Head of Sales = director, Acme
#         150, USA: 70 on Feb 11). Carol's 80 does not count: Tiny has 5 people and she is an
#         engineer. Frank (CFO) is fit but did nothing.
# SAL     Status Working - Contacted. Jan: Alice (Jan 12), Bob (Jan 26; Closed - Not
#         Converted on Jan 28 is a rejection). Feb: Carol (Feb 5). Eve's is deleted.
# SQL     Jan: Alice (Status Closed - Converted, Jan 16). Feb: Dan, whose Status is not
#         tracked: converted on Feb 14 (converted_date).
# deals   created Jan: Acme - platform (Jan 16), Globex - pilot (Jan 20); Feb: Acme -
#         expansion (Feb 14); the deleted deal (Jan 17) does not count.
#         Won Feb: Acme - platform entered Closed Won on Feb 18 (OpportunityHistory; its
#         Feb 19 row only changed the close date), 12,000 USD. Globex - pilot lost Feb 5.
FUNNEL_COLUMNS = ("leads", "mqls", "sals", "sqls", "opportunities_created", "deals_won", "bookings")
FUNNEL = {
    "2026-01": (2, 2, 2, 1, 2, 0, 0.0),
    "2026-02": (3, 1, 1, 1, 1, 1, 12000.0),
}
# Every soft delete is rejected and counted: is_deleted on Salesforce objects (also on the
# history rows of Eve's lead and of the deleted deal), _fivetran_deleted on the user.
REJECTED = {
    ("users", DEE, "deleted_in_source"),
    ("accounts", "001000000000003AAA", "deleted_in_source"),
    ("contacts", EVE, "deleted_in_source"),
    ("contacts", GINA, "deleted_in_source"),
    ("lifecycle_events", "017000000000013AAA", "deleted_in_source"),
    ("opportunities", DELETED_DEAL, "deleted_in_source"),
    ("opportunity_stage_history", "008000000000011AAA", "deleted_in_source"),
    ("activities", "00T000000000002AAA", "deleted_in_source"),
}


def _build(db: Path) -> tuple[int, dict[str, Any]]:
    with duckdb.connect(str(db)) as con:
        con.execute(FIXTURE.read_text())
    result = CliRunner().invoke(
        cli, ["build", "--database", str(db), "--vars", SOURCES, "--format", "json"]
    )
    assert result.stdout.lstrip().startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_fivetran_salesforce_alone_gives_the_funnel_worked_out_by_hand(tmp_path: Path) -> None:
    db = tmp_path / "revops.duckdb"
    code, summary = _build(db)
    assert code == 0, (summary["failed"], summary["checks"]["results"])

    monthly = _rows(
        db,
        f"select strftime(month_start_date, '%Y-%m'), {', '.join(FUNNEL_COLUMNS)} "
        "from metrics.kpi_monthly order by 1",
    )
    assert {r[0]: tuple(r[1:]) for r in monthly} == FUNNEL
    assert (
        set(
            _rows(
                db,
                "select source_table, source_key, rejection_reason "
                "from data_quality.dq_rejected_rows",
            )
        )
        == REJECTED
    )

    # Teams from the role's name (Sales Development, Account Executive); Cy's role
    # (Operations) maps to no team. The role is the title.
    assert _rows(
        db, "select user_id, team, role, is_active from staging.stg_crm__users order by 1"
    ) == [
        (ANA, "sdr", "Sales Development Rep", True),
        (BEN, "ae", "Account Executive", True),
        (CY, None, "Analyst", False),
    ]
    # https://www.acme.com/about -> acme.com; country names through the country map.
    assert _rows(
        db,
        "select account_id, website_domain, country_code from staging.stg_crm__accounts order by 1",
    ) == [("001000000000001AAA", "acme.com", "US"), ("001000000000002AAA", "globex.de", "DE")]
    # Seniority from the title, lead sources Web / Partner Referral / Purchased List / Phone
    # Inquiry through the defaults, countries United States / USA / Germany by name. A
    # converted lead carries its account; Frank takes his account's size.
    contacts = _rows(
        db,
        "select contact_id, account_id, seniority || '/' || lead_source || '/' || country_code "
        "|| '/' || company_size from staging.stg_crm__contacts",
    )
    assert {r[0]: r[1:] for r in contacts} == {
        ALICE: ("001000000000001AAA", "vp/content/US/150"),
        BOB: (None, "director/partner/DE/80"),
        CAROL: (None, "individual/outbound/US/5"),
        DAN: ("001000000000001AAA", "director/content/US/150"),
        FRANK: ("001000000000002AAA", "c_level/content/DE/80"),
    }
    # Lead status and score history, and Dan's conversion (no Status history of his).
    assert _rows(
        db,
        "select contact_id, event_type, coalesce(event_detail, cast(score as varchar)) "
        "from staging.stg_crm__lifecycle_events order by occurred_at",
    ) == [
        (ALICE, "score_changed", "75"),
        (ALICE, "status_changed", "sales_accepted"),
        (ALICE, "status_changed", "sales_qualified"),
        (BOB, "score_changed", "40"),
        (BOB, "score_changed", "65"),
        (BOB, "status_changed", "sales_accepted"),
        (BOB, "status_changed", "sales_rejected"),
        (CAROL, "score_changed", "80"),
        (CAROL, "status_changed", "sales_accepted"),
        (DAN, "score_changed", "70"),
        (DAN, "status_changed", "sales_qualified"),
    ]
    # Stages through the default map; the primary contact is the converted lead; closed_at
    # is when the deal entered its closed stage; the custom loss reason is read.
    assert _rows(
        db,
        "select opportunity_id, primary_contact_id, stage_name, currency_code, "
        "strftime(closed_at, '%Y-%m-%d %H:%M'), is_won, loss_reason_code "
        "from staging.stg_crm__opportunities order by 1",
    ) == [
        (PLATFORM, ALICE, "closed_won", "USD", "2026-02-18 10:00", True, None),
        (EXPANSION, DAN, "negotiation", "EUR", None, False, None),
        (PILOT, None, "closed_lost", "USD", "2026-02-05 09:00", False, "competitor"),
    ]
    # OpportunityHistory rows that changed the stage only: Value Proposition's amount edit
    # and Id. Decision Makers (demo again) are not entries, nor Closed Won's date edit.
    assert _rows(
        db,
        "select opportunity_id, string_agg(stage_name, ' > ' order by entered_at) "
        "from staging.stg_crm__opportunity_stage_history group by 1 order by 1",
    ) == [
        (PLATFORM, "discovery > demo > closed_won"),
        (EXPANSION, "discovery > negotiation"),
        (PILOT, "discovery > closed_lost"),
    ]
    # Tasks and events: the to-do is not an activity; activities on a converted contact
    # are the lead's; the call's direction from call_type.
    assert _rows(
        db,
        "select activity_id, contact_id, opportunity_id, activity_type, direction "
        "from staging.stg_crm__activities order by 1",
    ) == [
        ("00T000000000001AAA", ALICE, PLATFORM, "email", None),
        ("00T000000000004AAA", CAROL, None, "call", "inbound"),
        ("00U000000000001AAA", ALICE, PLATFORM, "meeting", None),
        ("00U000000000002AAA", DAN, EXPANSION, "meeting", None),
    ]


# --- parity: the generated business in Salesforce's shape -----------------------------

#: Metrics the Salesforce shape cannot reproduce, each with the field the connector lacks
#: (docs/connectors.md). Every other metric equals the canonical build's, month by month.
SALESFORCE_GAPS = {
    **SALESFORCE_MQL_GAP,
    **SALESFORCE_CONTACT_GAP,
    **SALESFORCE_CLOSEDATE_GAP,
    **SALESFORCE_QUOTA_GAP,
    **ONE_ROW_PER_RECORD_GAP,
}
#: Metrics the shape must reproduce exactly (a sample the parity cannot lose).
EXACT = (
    "leads", "sals", "sqls", "opportunities_created", "deals_won", "bookings",
    "opportunity_win_rate", "average_deal_size", "sales_cycle_days", "mrr",
)  # fmt: skip


def test_the_generated_business_in_salesforce_shape_matches_the_canonical_build(
    small_db: tuple[Path, Any], built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db = tmp_path / "revops.duckdb"
    db.write_bytes(small_db[0].read_bytes())
    with duckdb.connect(str(db)) as con:
        write_shapes(con, ["fivetran_salesforce"], PROJECT_DIR)
        shape = con.execute(
            """select
                (select count(*) from salesforce.lead where is_converted),
                (select count(*) from salesforce.contact),
                (select count(distinct stage_name) from salesforce.opportunity),
                (select count(*) from salesforce.task where who_id like '003%')"""
        ).fetchone()
    # Converted leads have their contact; stages are Salesforce's picklist values; activities
    # after a conversion are logged on the contact.
    assert shape is not None
    converted, contacts, stages, on_contacts = shape
    assert converted == contacts > 0
    assert stages >= 5
    assert on_contacts > 0
    # Without form fills no lead is an MQL, so SQLs come without one.
    assert_parity(
        built[0],
        db,
        "crm: fivetran_salesforce",
        gaps=SALESFORCE_GAPS,
        exact=EXACT,
        at_least_equal=65,
        may_fail=frozenset({"sql_after_mql"}),
    )
