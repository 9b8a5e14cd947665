"""Connector adapters on hand-written fixtures in each connector's documented shape
(tests/fixtures/connectors/*.sql, not produced by the generator): the build maps them
onto the canonical contract, and the funnel and MRR equal the values worked out by hand
below from the fixture rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from connector_kit import (
    HUBSPOT_CLOSEDATE_GAP,
    HUBSPOT_MQL_GAP,
    HUBSPOT_QUOTA_GAP,
    ONE_ROW_PER_RECORD_GAP,
    PROJECT_DIR,
    STRIPE_ITEM_GAP,
    assert_parity,
    build,
    load,
    monthly,
    rows,
)

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

# Rates of seeds/currency_rates.csv the hand computations use (USD per unit).
EUR_JAN, EUR_FEB = 1.042829, 1.046506


def _rejected(db: Path) -> set[tuple[str, str, str]]:
    return set(
        rows(
            db,
            "select source_table, source_key, rejection_reason from data_quality.dq_rejected_rows",
        )
    )


HUBSPOT = "crm: {adapter: fivetran_hubspot, schema: hubspot}"
OFF = "marketing: none, support: none, product: none"

# The HubSpot portal, by hand (fivetran_hubspot.sql):
# leads   Jan: Alice 301, Bob 302; Feb: Carol 303, Dan 304 (Eve 305 deleted).
# MQLs    Jan: Alice (VP at Acme, 150 people, US: demo form Jan 11), Bob (Director at
#         Globex, 80, DE: score 65 on Jan 25); Feb: Dan (Head of Sales, score 70).
#         Carol's demo form does not count: Tiny has 5 people and she is an engineer.
# SAL     Jan: Alice (lead status IN_PROGRESS); Bob UNQUALIFIED is a rejection.
# SQL     Jan: Alice (OPEN_DEAL).
# deals   created Jan: 401; Feb: 402 (403 deleted). Won Feb: 401, 12,000 USD.
FUNNEL = {
    "2026-01": (2, 2, 1, 1, 1, 0, 0.0),
    "2026-02": (2, 1, 0, 0, 1, 1, 12000.0),
}
FUNNEL_COLUMNS = ("leads", "mqls", "sals", "sqls", "opportunities_created", "deals_won", "bookings")
HUBSPOT_REJECTED = {
    ("accounts", "204", "deleted_in_source"),
    ("contacts", "305", "deleted_in_source"),
    ("opportunities", "403", "deleted_in_source"),
    ("activities", "502", "deleted_in_source"),
    # Eve's form: her contact was deleted, so the event has no lead.
    ("lifecycle_events", "form|cv-3", "orphan_foreign_key"),
}


def test_fivetran_hubspot_alone_gives_the_funnel_worked_out_by_hand(tmp_path: Path) -> None:
    db = tmp_path / "revops.duckdb"
    load(db, "fivetran_hubspot")
    code, summary = build(db, f"{HUBSPOT}, billing: none, {OFF}")
    assert code == 0, (summary["failed"], summary["checks"]["results"])
    assert monthly(db, *FUNNEL_COLUMNS) == FUNNEL
    assert _rejected(db) == HUBSPOT_REJECTED
    with duckdb.connect(str(db), read_only=True) as con:
        users = con.execute(
            "select user_id, team, is_active from staging.stg_crm__users order by 1"
        ).fetchall()
        contacts = dict(
            con.execute(
                "select contact_id, seniority || '/' || lead_source || '/' || country_code "
                "from staging.stg_crm__contacts"
            ).fetchall()
        )
    assert users == [("101", "sdr", True), ("102", "ae", True), ("103", None, False)]
    assert contacts == {
        "301": "vp/paid_search/US",
        "302": "director/organic_search/DE",
        "303": "individual/referral/US",
        "304": "director/content/US",
    }


def test_fivetran_hubspot_and_stripe_give_mrr_and_cash_worked_out_by_hand(
    tmp_path: Path,
) -> None:
    db = tmp_path / "revops.duckdb"
    load(db, "fivetran_hubspot", "fivetran_stripe")
    code, summary = build(db, f"{HUBSPOT}, billing: {{adapter: fivetran_stripe}}, {OFF}")
    # dbt builds; the checks fail on what the fixture holds on purpose: a yen subscription
    # (JPY is not in seeds/currencies.csv), rejected as unknown_currency.
    assert summary["failed"] == []
    failing = {
        (r["suite"], r["expectation"])
        for r in summary["checks"]["results"]
        if r["status"] in ("fail", "error")
    }
    assert failing == {
        ("base_billing__subscription_items", "currency_known"),
        ("reconciliation", "rejected_share_within_tolerance"),
    }
    assert code == 1
    # MRR at each month's end, in USD at that month's rate:
    # Jan: Globex, 2 seats x 1,200 EUR a year = 200 EUR a month; Acme not yet.
    # Feb: Globex ended Feb 15 (churned: 200 EUR at Feb's rate); Acme 1,000 USD from Feb 18.
    # Cash: Jan Globex's second attempt, 2,400 EUR (the first was declined); Feb Acme 1,000.
    mrr_jan = round(200 * EUR_JAN, 2)
    assert monthly(db, "mrr", "new_mrr", "churned_mrr", "collected", "bookings") == {
        "2026-01": (mrr_jan, mrr_jan, 0.0, round(2400 * EUR_JAN, 2), 0.0),
        "2026-02": (1000.0, 1000.0, round(200 * EUR_FEB, 2), 1000.0, 12000.0),
    }
    assert _rejected(db) - HUBSPOT_REJECTED == {
        ("customers", "cus_X", "deleted_in_source"),
        ("customers", "cus_J", "unknown_currency"),
        ("subscriptions", "sub_J", "unknown_currency"),
        ("subscription_items", "si_J", "unknown_currency"),
    }
    with duckdb.connect(str(db), read_only=True) as con:
        # Minor units per currency: yen has none.
        amounts = dict(
            con.execute(
                "select subscription_item_id, unit_amount "
                "from adapters.fivetran_stripe__subscription_items"
            ).fetchall()
        )
        payments = con.execute(
            "select payment_id, status, failure_code from staging.stg_billing__payments order by 1"
        ).fetchall()
        (acme,) = con.execute(
            "select crm_account_id from staging.stg_billing__customers where customer_id = 'cus_A'"
        ).fetchone()  # type: ignore[misc]
    assert amounts == {"si_A": 1000.0, "si_B": 1200.0, "si_J": 50000.0}
    # The pending charge is not an attempt yet; the partial refund leaves ch_B2 succeeded.
    assert payments == [
        ("ch_A1", "succeeded", None),
        ("ch_B1", "failed", "card_declined"),
        ("ch_B2", "succeeded", None),
    ]
    assert acme == "201"


# --- parity: the generated business in the connectors' shapes ------------------------

#: Metrics a connector shape cannot reproduce, each with the field the connector lacks
#: (docs/connectors.md). Every other metric must equal the canonical build's, month by month.
CONNECTOR_GAPS = {
    **HUBSPOT_MQL_GAP,
    **STRIPE_ITEM_GAP,
    **HUBSPOT_CLOSEDATE_GAP,
    **HUBSPOT_QUOTA_GAP,
    **ONE_ROW_PER_RECORD_GAP,
}
#: Metrics the connectors must reproduce exactly (a sample the parity cannot lose).
EXACT = (
    "leads", "sals", "sqls", "opportunities_created", "deals_won", "bookings", "invoiced",
    "collected", "opportunity_win_rate", "average_deal_size", "tickets",
)  # fmt: skip


def test_the_generated_business_in_connector_shapes_matches_the_canonical_build(
    small_db: tuple[Path, Any], built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    from revops_cli.generator.shapes import write_shapes

    db = tmp_path / "revops.duckdb"
    db.write_bytes(small_db[0].read_bytes())
    with duckdb.connect(str(db)) as con:
        write_shapes(con, ["fivetran_hubspot", "fivetran_stripe"], PROJECT_DIR)
        (kind,) = con.execute(
            "select data_type from information_schema.columns where table_schema = 'stripe' "
            "and table_name = 'invoice' and column_name = 'amount_due'"
        ).fetchone()  # type: ignore[misc]
    assert kind == "BIGINT"  # minor units, as Stripe's connector lands them
    # Without page views some leads reach MQL by score only after sales qualified them.
    assert_parity(
        built[0],
        db,
        "crm: {adapter: fivetran_hubspot}, billing: {adapter: fivetran_stripe}",
        gaps=CONNECTOR_GAPS,
        exact=EXACT,
        at_least_equal=50,
        may_fail=frozenset({"sql_after_mql"}),
    )


def test_fivetran_ads_give_the_spend_worked_out_by_hand(tmp_path: Path) -> None:
    db = tmp_path / "revops.duckdb"
    load(db, "fivetran_hubspot", "fivetran_ads")
    code, summary = build(
        db,
        f"{HUBSPOT}, marketing: {{adapter: fivetran_ads}}, "
        "billing: none, support: none, product: none",
    )
    assert code == 0, (summary["failed"], summary["checks"]["results"])
    # Jan: Google 10.00 + 5.50 (two networks of Jan 5), LinkedIn 100 EUR, Meta 12.34;
    # Feb: Google 20.00, LinkedIn 50 EUR. EUR at each month's rate.
    assert monthly(db, "marketing_spend") == {
        "2026-01": (round(15.50 + round(100 * EUR_JAN, 2) + 12.34, 2),),
        "2026-02": (round(20.00 + round(50 * EUR_FEB, 2), 2),),
    }
    with duckdb.connect(str(db), read_only=True) as con:
        campaigns = con.execute(
            "select campaign_id, campaign_name, channel, budget_amount, currency_code "
            "from staging.stg_marketing__campaigns order by 1"
        ).fetchall()
    assert [(c[0], c[1], c[2], None if c[3] is None else float(c[3]), c[4]) for c in campaigns] == [
        ("facebook_ads:3001", "Retargeting", "paid_social", 500.0, "USD"),  # 50,000 cents
        ("google_ads:1001", "Brand Search", "paid_search", None, "USD"),  # the latest version
        ("linkedin_ads:2001", "ABM Q1", "paid_social", None, "EUR"),
    ]


def test_doctor_checks_only_the_ad_platforms_the_company_uses(tmp_path: Path) -> None:
    db = tmp_path / "revops.duckdb"
    load(db, "fivetran_hubspot", "fivetran_ads")
    with duckdb.connect(str(db)) as con:
        con.execute("drop schema facebook_ads cascade")

    def doctor(marketing: str) -> tuple[int, list[str]]:
        result = CliRunner().invoke(
            cli,
            [
                "doctor",
                "--database",
                str(db),
                "--vars",
                f"{{revops_sources: {{{HUBSPOT}, marketing: {marketing}, billing: none, "
                "support: none, product: none}}",
            ],
        )
        return result.exit_code, result.output.splitlines()

    code, lines = doctor("{adapter: fivetran_ads}")
    assert code == 2
    assert {line.split()[2] for line in lines if line.startswith("error")} == {
        "facebook_ads.campaign_history",
        "facebook_ads.basic_campaign",
        "facebook_ads.account_history",
    }
    code, lines = doctor(
        "{adapter: fivetran_ads, schema: {google_ads: google_ads, linkedin_ads: linkedin_ads}}"
    )
    assert code == 0, lines
