"""The airbyte_hubspot adapter: on a hand-written fixture in the shape Airbyte's HubSpot
source lands (tests/fixtures/connectors/airbyte_hubspot.sql, the portal of
fivetran_hubspot.sql, not produced by the generator) the build gives the funnel worked out
by hand below; on the generated business written in that shape
(revops_cli.generator.shape_airbyte_hubspot) it gives the canonical build's metrics, but
for the ones the connector cannot hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from connector_kit import (
    HUBSPOT_CLOSEDATE_GAP,
    HUBSPOT_MQL_GAP,
    HUBSPOT_QUOTA_GAP,
    ONE_ROW_PER_RECORD_GAP,
    PROJECT_DIR,
    assert_parity,
    build,
    monthly,
    rows,
)

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/connectors/airbyte_hubspot.sql"
ALONE = (
    "crm: {adapter: airbyte_hubspot}, billing: none, marketing: none, support: none, product: none"
)

# The portal of fivetran_hubspot.sql as Airbyte holds it, by hand (airbyte_hubspot.sql).
# leads   Jan: Alice 301, Bob 302. Feb: Carol 303, Dan 304 and Eve 305: Eve was deleted in
#         HubSpot, but the contacts stream asks for live contacts only and Airbyte has no
#         archived stream for them, so her last row stays (archived false): a lead (Fivetran:
#         2 in Feb, Eve rejected as deleted).
# MQLs    fit = 20+ people, a listed country, manager or above, a business domain; the action
#         is a hubspotscore of 60 or more: Airbyte has no form submissions per contact.
#         Jan: Bob (Director at Globex, 80, DE: score 65 on Jan 25). Alice (VP at Acme, 150,
#         US) is fit, but her only action was the demo form of Jan 11: not an MQL (Fivetran:
#         2 in Jan). Feb: Dan (Head of Sales = director, Acme, score 70 on Feb 11). Carol's
#         demo form is lost too (she was not fit anyway); Eve (CEO at Acme) did nothing
#         Airbyte sees (her contact-sales form is lost).
# SAL     Jan: Alice (lead status IN_PROGRESS, Jan 12); Bob's UNQUALIFIED is a rejection.
# SQL     Jan: Alice (OPEN_DEAL, Jan 15).
# deals   created Jan: 401; Feb: 402. 403 was deleted: in deals_archived (the row wins over
#         its stale row in deals) and rejected. Won Feb: 401 entered closedwon on Feb 18
#         (deals_property_history), 12,000 USD.
FUNNEL_COLUMNS = ("leads", "mqls", "sals", "sqls", "opportunities_created", "deals_won", "bookings")
FUNNEL = {
    "2026-01": (2, 1, 1, 1, 1, 0, 0.0),
    "2026-02": (3, 1, 0, 0, 1, 1, 12000.0),
}
# Only the deleted deal shows as deleted. Fivetran also rejects Merged Away (204), Eve (305)
# and call 502, whose deletes Airbyte does not see (they stay, as their last rows), and
# Eve's form (an orphan there), which Airbyte does not hold.
REJECTED = {("opportunities", "403", "deleted_in_source")}


def test_airbyte_hubspot_alone_gives_the_funnel_worked_out_by_hand(tmp_path: Path) -> None:
    db = tmp_path / "revops.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(FIXTURE.read_text())
    code, summary = build(db, ALONE)
    assert code == 0, (summary["failed"], summary["checks"]["results"])
    assert monthly(db, *FUNNEL_COLUMNS) == FUNNEL
    rejected = rows(
        db, "select source_table, source_key, rejection_reason from data_quality.dq_rejected_rows"
    )
    assert set(rejected) == REJECTED
    # Cy (103) is deactivated: owners_archived wins over his older row in owners.
    assert rows(db, "select user_id, team, is_active from staging.stg_crm__users order by 1") == [
        ("101", "sdr", True),
        ("102", "ae", True),
        ("103", None, False),
    ]
    contacts = dict(
        rows(
            db,
            "select contact_id, seniority || '/' || lead_source || '/' || country_code || '/' "
            "|| account_id from staging.stg_crm__contacts",
        )
    )
    assert contacts == {
        "301": "vp/paid_search/US/201",
        "302": "director/organic_search/DE/202",
        "303": "individual/referral/US/203",
        "304": "director/content/US/201",
        "305": "c_level/paid_search/US/201",
    }
    # Epoch milliseconds read as UTC; who set a lead status is the owner of the HubSpot user
    # (updated-by-user-id 7001 = Ana, 101); a score HubSpot computed has no user.
    events = rows(
        db,
        "select contact_id, event_type, coalesce(event_detail, cast(score as varchar)), "
        "user_id, strftime(occurred_at, '%m-%d %H:%M') from staging.stg_crm__lifecycle_events "
        "where contact_id in ('301', '302') order by occurred_at",
    )
    assert events == [
        ("301", "status_changed", "sales_accepted", "101", "01-12 10:00"),
        ("301", "status_changed", "sales_qualified", "101", "01-15 10:00"),
        ("302", "score_changed", "40", None, "01-23 10:00"),
        ("302", "score_changed", "65", None, "01-25 10:00"),
        ("302", "status_changed", "sales_rejected", "101", "01-27 10:00"),
    ]
    # Stage history with who moved the deal (updatedByUserId 7002 = Ben, 102).
    assert rows(
        db,
        "select stage_name, changed_by_user_id from staging.stg_crm__opportunity_stage_history "
        "where opportunity_id = '401' order by entered_at",
    ) == [("discovery", "102"), ("demo", "102"), ("closed_won", "102")]
    # The first id of each association array; call 502 (deleted in HubSpot) is still there.
    assert rows(
        db,
        "select activity_id, contact_id, account_id, opportunity_id, user_id, activity_type "
        "from staging.stg_crm__activities order by 1",
    ) == [
        ("501", "301", "201", None, "101", "email"),
        ("502", "302", "202", None, "101", "call"),
        ("503", "301", "201", "401", "102", "meeting"),
    ]
    # Closed when it entered closedwon (Feb 18), not on its close date (Feb 20).
    assert rows(
        db,
        "select opportunity_id, account_id, primary_contact_id, stage_name, amount, "
        "currency_code, strftime(closed_at, '%m-%d'), is_won "
        "from staging.stg_crm__opportunities order by 1",
    ) == [
        ("401", "201", "301", "closed_won", 12000, "USD", "02-18", True),
        ("402", "201", "304", "negotiation", 5000, "EUR", None, False),
    ]


# --- parity: the generated business in Airbyte's shape ---------------------------------

#: Metrics the Airbyte shape cannot reproduce, each with what the connector lacks
#: (docs/connectors.md, airbyte_hubspot). Every other metric must equal the canonical
#: build's, month by month.
AIRBYTE_HUBSPOT_GAPS = {
    **dict.fromkeys(
        HUBSPOT_MQL_GAP,
        "Airbyte's HubSpot: no form submissions per contact and no page views (the demo and "
        "contact-sales forms and the pricing page are qualifying actions: only the score is "
        "left), and a contact's company size as a range (numemployees)",
    ),
    **HUBSPOT_CLOSEDATE_GAP,
    **HUBSPOT_QUOTA_GAP,
    **ONE_ROW_PER_RECORD_GAP,
}
#: Metrics the shape must reproduce exactly (a sample the parity cannot lose): the stages
#: after MQL, deals, bookings and the other systems' metrics.
EXACT = (
    "leads", "sals", "sqls", "opportunities_created", "deals_won", "bookings",
    "opportunity_win_rate", "average_deal_size", "sales_cycle_days", "median_lead_response_hours",
    "duplicate_crm_records", "mrr", "invoiced", "collected", "tickets",
)  # fmt: skip


def test_the_generated_business_in_airbyte_hubspot_shape_matches_the_canonical_build(
    small_db: tuple[Path, Any], built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    from revops_cli.generator.shape_airbyte_hubspot import airbyte_hubspot

    db = tmp_path / "revops.duckdb"
    db.write_bytes(small_db[0].read_bytes())
    with duckdb.connect(str(db)) as con:
        airbyte_hubspot(con, PROJECT_DIR)
        kinds = dict(
            con.execute(
                "select table_name || '.' || column_name, data_type "
                "from information_schema.columns where table_schema = 'hubspot_airbyte' and "
                "column_name in ('timestamp', 'companies', 'properties_amount')"
            ).fetchall()
        )
    # As Airbyte lands them: epoch milliseconds, JSON id arrays, numbers as text.
    assert kinds["contacts_property_history.timestamp"] == "BIGINT"
    assert kinds["deals.companies"] == "JSON"
    assert kinds["deals.properties_amount"] == "VARCHAR"
    # Without forms and page views some leads reach MQL by score only after sales qualified
    # them.
    assert_parity(
        built[0],
        db,
        "crm: {adapter: airbyte_hubspot}",
        gaps=AIRBYTE_HUBSPOT_GAPS,
        exact=EXACT,
        at_least_equal=65,
        may_fail=frozenset({"sql_after_mql"}),
    )
    # Who changed a lead status survives the shape (a HubSpot user id, mapped back).
    assert rows(
        db,
        "select count(*) filter (where user_id is null) from staging.stg_crm__lifecycle_events "
        "where event_type = 'status_changed'",
    ) == [(0,)]
