"""Fivetran's HubSpot and Stripe connectors."""

from __future__ import annotations

from revops_cli.contract.sources import (
    BOOLEAN,
    NUMBER,
    TEXT,
    TIMESTAMP,
    Adapter,
    ConnectorColumn,
    ConnectorTable,
    register,
)

_ID = NUMBER  # Fivetran lands HubSpot ids as BIGINT
_SYNCED = ConnectorColumn("_fivetran_synced", TIMESTAMP, "When Fivetran wrote the row (UTC).")
_DELETED = ConnectorColumn("_fivetran_deleted", BOOLEAN, "Deleted in the source (soft delete).")


def fivetran_table(
    name: str, description: str, *columns: tuple[str, str], may_be_empty: bool = False
) -> ConnectorTable:
    """A table as Fivetran lands it: the columns an adapter reads, then _fivetran_synced."""
    return ConnectorTable.landed(_SYNCED, name, description, *columns, may_be_empty=may_be_empty)


FIVETRAN_HUBSPOT = register(
    Adapter(
        name="fivetran_hubspot",
        system="crm",
        title="HubSpot through Fivetran",
        default_schema="hubspot",
        loaded_at="_fivetran_synced",
        deleted_flag="_fivetran_deleted",
        provides=(
            "users",
            "accounts",
            "contacts",
            "lifecycle_events",
            "activities",
            "opportunities",
            "opportunity_stage_history",
        ),
        tables=(
            fivetran_table(
                "owner",
                "HubSpot owners (the users records are assigned to).",
                ("owner_id", _ID),
                ("email", TEXT),
                ("first_name", TEXT),
                ("last_name", TEXT),
                ("active_user_id", _ID),
                ("created_at", TIMESTAMP),
            ),
            fivetran_table(
                "owner_team",
                "Owners' teams.",
                ("owner_id", _ID),
                ("team_id", _ID),
                ("is_team_primary", BOOLEAN),
                may_be_empty=True,
            ),
            fivetran_table("team", "Teams.", ("id", _ID), ("name", TEXT), may_be_empty=True),
            fivetran_table(
                "company",
                "Companies, one column per property.",
                ("id", _ID),
                ("is_deleted", BOOLEAN),
                ("_fivetran_deleted", BOOLEAN),
                ("property_name", TEXT),
                ("property_domain", TEXT),
                ("property_industry", TEXT),
                ("property_numberofemployees", NUMBER),
                ("property_country", TEXT),
                ("property_hubspot_owner_id", _ID),
                ("property_createdate", TIMESTAMP),
            ),
            fivetran_table(
                "contact",
                "Contacts, one column per property.",
                ("id", _ID),
                ("_fivetran_deleted", BOOLEAN),
                ("property_email", TEXT),
                ("property_firstname", TEXT),
                ("property_lastname", TEXT),
                ("property_jobtitle", TEXT),
                ("property_company", TEXT),
                ("property_associatedcompanyid", _ID),
                ("property_numemployees", TEXT),
                ("property_country", TEXT),
                ("property_hs_analytics_source", TEXT),
                ("property_hubspot_owner_id", _ID),
                ("property_createdate", TIMESTAMP),
            ),
            fivetran_table(
                "contact_property_history",
                "Every value a contact property took (lifecycle stage, lead status, score).",
                ("contact_id", _ID),
                ("name", TEXT),
                ("value", TEXT),
                ("timestamp", TIMESTAMP),
            ),
            fivetran_table(
                "contact_form_submission",
                "Form submissions by contact.",
                ("contact_id", _ID),
                ("conversion_id", TEXT),
                ("title", TEXT),
                ("timestamp", TIMESTAMP),
                may_be_empty=True,
            ),
            fivetran_table(
                "deal",
                "Deals; pipeline stage and owner as columns, other fields as properties.",
                ("deal_id", _ID),
                ("is_deleted", BOOLEAN),
                ("_fivetran_deleted", BOOLEAN),
                ("deal_pipeline_stage_id", TEXT),
                ("owner_id", _ID),
                ("property_dealname", TEXT),
                ("property_amount", NUMBER),
                ("property_deal_currency_code", TEXT),
                ("property_createdate", TIMESTAMP),
                ("property_closedate", TIMESTAMP),
                ("property_closed_lost_reason", TEXT),
            ),
            fivetran_table(
                "deal_stage",
                "Every stage a deal entered (value = the stage id).",
                ("deal_id", _ID),
                ("value", TEXT),
                ("date_entered", TIMESTAMP),
            ),
            fivetran_table(
                "deal_company", "Deal to company.", ("deal_id", _ID), ("company_id", _ID)
            ),
            fivetran_table(
                "deal_contact", "Deal to contact.", ("deal_id", _ID), ("contact_id", _ID)
            ),
            *(
                fivetran_table(
                    f"engagement_{kind}",
                    f"{kind.title()} engagements.",
                    ("engagement_id", _ID),
                    ("_fivetran_deleted", BOOLEAN),
                    ("property_hs_timestamp", TIMESTAMP),
                    ("property_hubspot_owner_id", _ID),
                    may_be_empty=True,
                )
                for kind in ("email", "call", "meeting")
            ),
            fivetran_table(
                "engagement_contact",
                "Engagement to contact.",
                ("engagement_id", _ID),
                ("contact_id", _ID),
                may_be_empty=True,
            ),
            fivetran_table(
                "engagement_deal",
                "Engagement to deal.",
                ("engagement_id", _ID),
                ("deal_id", _ID),
                may_be_empty=True,
            ),
        ),
        gaps=(
            "users.manager_id, monthly_quota_amount, quota_currency: HubSpot owners have no "
            "manager or quota (quotas are HubSpot goals): null; quota attainment is not "
            "available.",
            "users.role: not mapped (HubSpot roles are permission sets): null.",
            "contacts.seniority: derived from the job title (revops.seniority_from_title); "
            "the MQL fit rule reads it.",
            "contacts.company_size: the associated company's numberofemployees, else the "
            "lower bound of the contact's range (numemployees, e.g. 5-25): the MQL fit's "
            "minimum company size falls on the range bounds. industry: the company's.",
            "lifecycle_events: page_viewed events and rejection reasons are not recorded by "
            "HubSpot: MQLs qualify by form or score only; sales_rejected has no reason.",
            "lifecycle_events.user_id and opportunity_stage_history.changed_by_user_id: the "
            "connector does not say who changed a property: null.",
            "activities.direction and outcome: not mapped (portal-specific values): null.",
            "accounts.billing_customer_id: no standard property: null; accounts match "
            "billing by domain and name.",
            "opportunities.closed_at: the time the deal entered its closed stage "
            "(deal_stage), else its close date.",
        ),
        references=(
            "https://github.com/fivetran/dbt_hubspot (macros/staging/get_*_columns.sql)",
            "https://fivetran.com/docs/connectors/applications/hubspot",
        ),
    )
)


FIVETRAN_STRIPE = register(
    Adapter(
        name="fivetran_stripe",
        system="billing",
        title="Stripe through Fivetran",
        default_schema="stripe",
        loaded_at="_fivetran_synced",
        deleted_flag="is_deleted",
        provides=("customers", "subscriptions", "subscription_items", "invoices", "payments"),
        tables=(
            fivetran_table(
                "customer",
                "Customers (metadata: a JSON string).",
                ("id", TEXT),
                ("name", TEXT),
                ("email", TEXT),
                ("currency", TEXT),
                ("address_country", TEXT),
                ("metadata", TEXT),
                ("created", TIMESTAMP),
                ("is_deleted", BOOLEAN),
                ("livemode", BOOLEAN),
            ),
            fivetran_table(
                "subscription_history",
                "Subscriptions, one row per version (_fivetran_active: the current one).",
                ("id", TEXT),
                ("customer_id", TEXT),
                ("status", TEXT),
                ("start_date", TIMESTAMP),
                ("canceled_at", TIMESTAMP),
                ("ended_at", TIMESTAMP),
                ("livemode", BOOLEAN),
                ("_fivetran_active", BOOLEAN),
            ),
            fivetran_table(
                "subscription_item",
                "Subscription items, current state (plan_id: the price or plan).",
                ("id", TEXT),
                ("subscription_id", TEXT),
                ("plan_id", TEXT),
                ("quantity", NUMBER),
                ("created", TIMESTAMP),
            ),
            fivetran_table(
                "price",
                "Prices (amounts in the currency's minor unit).",
                ("id", TEXT),
                ("currency", TEXT),
                ("unit_amount", NUMBER),
                ("recurring_interval", TEXT),
                ("recurring_interval_count", NUMBER),
                ("nickname", TEXT),
            ),
            fivetran_table(
                "invoice",
                "Invoices (amounts in the currency's minor unit).",
                ("id", TEXT),
                ("customer_id", TEXT),
                ("subscription_id", TEXT),
                ("number", TEXT),
                ("status", TEXT),
                ("currency", TEXT),
                ("amount_due", NUMBER),
                ("created", TIMESTAMP),
                ("due_date", TIMESTAMP),
                ("period_start", TIMESTAMP),
                ("period_end", TIMESTAMP),
                ("status_transitions_finalized_at", TIMESTAMP),
                ("status_transitions_paid_at", TIMESTAMP),
                ("is_deleted", BOOLEAN),
                ("livemode", BOOLEAN),
            ),
            fivetran_table(
                "invoice_line_item",
                "Invoice lines: the service period of subscription lines.",
                ("id", TEXT),
                ("invoice_id", TEXT),
                ("period_start", TIMESTAMP),
                ("period_end", TIMESTAMP),
                ("proration", BOOLEAN),
            ),
            fivetran_table(
                "charge",
                "Charges: one per payment attempt.",
                ("id", TEXT),
                ("customer_id", TEXT),
                ("invoice_id", TEXT),
                ("amount", NUMBER),
                ("currency", TEXT),
                ("status", TEXT),
                ("refunded", BOOLEAN),
                ("failure_code", TEXT),
                ("created", TIMESTAMP),
                ("livemode", BOOLEAN),
            ),
            fivetran_table(
                "refund",
                "Refunds of charges.",
                ("id", TEXT),
                ("charge_id", TEXT),
                ("status", TEXT),
                ("created", TIMESTAMP),
            ),
        ),
        gaps=(
            "Amounts: Stripe's minor units divided per currency (0 decimals for JPY, KRW "
            "and the other zero-decimal currencies, 3 for BHD, JOD, KWD, OMR, TND, else 2).",
            "customers.crm_account_id: the customer's metadata key crm_account_id, when "
            "finance sets it; otherwise accounts match by domain and name.",
            "subscriptions.status: trialing, past_due, unpaid and paused count as active; "
            "canceled and incomplete_expired as canceled; incomplete (never paid) is left "
            "out as not a subscription. billing_interval and currency: the first item's "
            "price; an interval other than 1 month or 1 year passes through and fails "
            "staging's test.",
            "subscription_items: Stripe changes an item in place and the connector keeps "
            "its current state: a past price or quantity change is not seen, so MRR "
            "history before the latest change reads today's price.",
            "invoices: drafts and test-mode (livemode false) rows are not invoices and are "
            "left out; the due date of an invoice charged automatically is its "
            "finalisation; the service period comes from its lines.",
            "payments: a pending charge is not yet an attempt and is left out; a partial "
            "refund stays succeeded (the contract has no partial state).",
            "product.usage_daily: Stripe has no product usage.",
        ),
        references=(
            "https://github.com/fivetran/dbt_stripe (macros/staging/get_*_columns.sql)",
            "https://fivetran.com/docs/connectors/applications/stripe",
            "https://docs.stripe.com/currencies#zero-decimal",
        ),
    )
)
