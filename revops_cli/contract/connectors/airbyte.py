"""Airbyte's connectors, as its Destinations V2 land them: typed final tables, one column
per top-level field (nested objects as JSON columns), ``_airbyte_raw_id``,
``_airbyte_extracted_at`` and ``_airbyte_meta``."""

from __future__ import annotations

from revops_cli.contract.sources import (
    ANY,
    BOOLEAN,
    NUMBER,
    TEXT,
    TIMESTAMP,
    Adapter,
    ConnectorColumn,
    ConnectorTable,
    register,
)

_EXTRACTED = ConnectorColumn(
    "_airbyte_extracted_at", TIMESTAMP, "When Airbyte extracted the record (UTC)."
)


def airbyte_table(
    name: str,
    description: str,
    *columns: tuple[str, str] | tuple[str, str, str],
    may_be_empty: bool = False,
) -> ConnectorTable:
    """A stream as Airbyte lands it: the columns an adapter reads (name, family and an
    optional description), then _airbyte_extracted_at."""
    return ConnectorTable.landed(_EXTRACTED, name, description, *columns, may_be_empty=may_be_empty)


# --- Stripe ----------------------------------------------------------------------------

#: Stripe times are Unix epoch seconds: integers, or floats where the stream's schema
#: types the field `number`.
_EPOCH = (NUMBER, "Unix epoch seconds.")


def _epoch(name: str) -> tuple[str, str, str]:
    return (name, *_EPOCH)


def _json(name: str, what: str) -> tuple[str, str, str]:
    return (name, ANY, f"JSON object: {what}.")


AIRBYTE_STRIPE = register(
    Adapter(
        name="airbyte_stripe",
        system="billing",
        title="Stripe through Airbyte",
        default_schema="stripe",
        loaded_at="_airbyte_extracted_at",
        deleted_flag="is_deleted",
        provides=("customers", "subscriptions", "subscription_items", "invoices", "payments"),
        tables=(
            airbyte_table(
                "customers",
                "Customers (is_deleted: arrived through a customer.deleted event).",
                ("id", TEXT),
                ("name", TEXT),
                ("email", TEXT),
                ("currency", TEXT),
                _json("address", "country and the rest of the postal address"),
                _json("metadata", "the keys finance set"),
                _epoch("created"),
                ("is_deleted", BOOLEAN),
                ("livemode", BOOLEAN),
            ),
            airbyte_table(
                "subscriptions",
                "Subscriptions, current state (is_deleted: ended, through a "
                "customer.subscription.deleted event).",
                ("id", TEXT),
                ("customer", TEXT),
                ("status", TEXT),
                ("currency", TEXT),
                _json("items", "{data: [subscription item, with its price]}"),
                _json("plan", "the legacy single plan (interval, interval_count)"),
                _epoch("start_date"),
                _epoch("canceled_at"),
                _epoch("ended_at"),
                ("is_deleted", BOOLEAN),
                ("livemode", BOOLEAN),
            ),
            airbyte_table(
                "subscription_items",
                "Subscription items, current state (price: the price object, amounts in the "
                "currency's minor unit).",
                ("id", TEXT),
                ("subscription", TEXT),
                _json("price", "id, nickname, unit_amount, currency, recurring"),
                ("quantity", NUMBER),
                _epoch("created"),
            ),
            airbyte_table(
                "invoices",
                "Invoices (amounts in the currency's minor unit).",
                ("id", TEXT),
                ("customer", TEXT),
                ("subscription", TEXT),
                ("number", TEXT),
                ("status", TEXT),
                ("currency", TEXT),
                ("amount_due", NUMBER),
                _epoch("created"),
                _epoch("due_date"),
                _epoch("period_start"),
                _epoch("period_end"),
                _json("status_transitions", "finalized_at, paid_at (epoch seconds)"),
                ("is_deleted", BOOLEAN),
                ("livemode", BOOLEAN),
            ),
            airbyte_table(
                "invoice_line_items",
                "Invoice lines: the service period of subscription lines.",
                ("id", TEXT),
                ("invoice_id", TEXT),
                _json("period", "start, end (epoch seconds)"),
                ("proration", BOOLEAN),
            ),
            airbyte_table(
                "charges",
                "Charges: one per payment attempt.",
                ("id", TEXT),
                ("customer", TEXT),
                ("invoice", TEXT),
                ("amount", NUMBER),
                ("currency", TEXT),
                ("status", TEXT),
                ("refunded", BOOLEAN),
                ("failure_code", TEXT),
                _epoch("created"),
                ("livemode", BOOLEAN),
            ),
            airbyte_table(
                "refunds",
                "Refunds of charges.",
                ("id", TEXT),
                ("charge", TEXT),
                ("status", TEXT),
                _epoch("created"),
            ),
        ),
        gaps=(
            "Times: Stripe's Unix epoch seconds (integers, floats, or digits in text where "
            "a stream's schema types them string) are read as UTC timestamps, so a value the "
            "destination nulled for a failed cast (see _airbyte_meta) is a missing date.",
            "Amounts: Stripe's minor units divided per currency (0 decimals for JPY, KRW "
            "and the other zero-decimal currencies, 3 for BHD, JOD, KWD, OMR, TND, else 2).",
            "customers.crm_account_id: the customer's metadata key crm_account_id, when "
            "finance sets it; otherwise accounts match by domain and name.",
            "subscriptions.status: trialing, past_due, unpaid and paused count as active; "
            "canceled and incomplete_expired as canceled; incomplete (never paid) is left "
            "out as not a subscription; is_deleted, set by the customer.subscription.deleted "
            "event Stripe sends when a subscription ends, means canceled, not deleted.",
            "subscriptions.billing_interval: the first item's price in the subscription's "
            "items (else its legacy plan), so an interval other than 1 month or 1 year "
            "passes through and fails staging's test; currency: the subscription's own.",
            "subscription_items: Stripe changes an item in place and the stream keeps its "
            "current state: a past price or quantity change is not seen, so MRR history "
            "before the latest change reads today's price.",
            "subscription_items: an item removed from a subscription drops out of a full "
            "refresh but, synced incrementally (append and dedupe), keeps its last row and "
            "counts until its subscription ends.",
            "Deletes: Airbyte sees a deleted customer or draft invoice only through Stripe's "
            "events, which it reads back 30 days at most, so one deleted while syncs were "
            "stopped for longer keeps its row in an append-and-dedupe table.",
            "invoices: drafts and test-mode (livemode false) rows are not invoices and are "
            "left out; the due date of an invoice charged automatically is its "
            "finalisation; the service period comes from its lines.",
            "payments: a pending charge is not yet an attempt and is left out; a partial "
            "refund stays succeeded (the contract has no partial state).",
            "product.usage_daily: Stripe has no product usage.",
        ),
        references=(
            "https://github.com/airbytehq/airbyte/tree/master/airbyte-integrations/connectors/"
            "source-stripe (erd/source.dbml, source_stripe/source.py)",
            "https://docs.airbyte.com/integrations/sources/stripe",
            "https://docs.airbyte.com/understanding-airbyte/airbyte-metadata-fields",
            "https://docs.stripe.com/currencies#zero-decimal",
        ),
    )
)


# --- HubSpot ---------------------------------------------------------------------------
# source-hubspot (manifest-only, 5.x/6.x). The destination lowercases field names and
# replaces other characters with _ (firstName -> firstname, updated-by-user-id ->
# updated_by_user_id); properties land both nested (`properties`) and flattened as
# properties_<name> columns.

#: A HubSpot number property: source-hubspot 6.0.1 types numbers number-or-string, which
#: lands as text (DuckDB), jsonb (PostgreSQL) or a number (older versions).
_HS_NUMBER = (ANY, "HubSpot number: a number, or text (source-hubspot 6.0.1+).")


def _hs_number(name: str) -> tuple[str, str, str]:
    return (name, *_HS_NUMBER)


def _hs_ids(name: str, what: str) -> tuple[str, str, str]:
    return (name, ANY, f"JSON array of the associated {what} ids (text).")


def _hs_owners(name: str, description: str, *, may_be_empty: bool = False) -> ConnectorTable:
    return airbyte_table(
        name,
        description,
        ("id", TEXT),
        ("email", TEXT),
        ("firstname", TEXT),
        ("lastname", TEXT),
        ("userid", NUMBER, "The owner's HubSpot user id (null once deactivated)."),
        ("useridincludinginactive", NUMBER, "The user id, also of a deactivated user."),
        ("createdat", TIMESTAMP),
        ("archived", BOOLEAN),
        ("teams", ANY, "JSON array of {id, name, primary}: the owner's teams."),
        may_be_empty=may_be_empty,
    )


def _hs_deals(name: str, description: str, *, may_be_empty: bool = False) -> ConnectorTable:
    return airbyte_table(
        name,
        description,
        ("id", TEXT),
        ("archived", BOOLEAN),
        _hs_ids("companies", "company"),
        _hs_ids("contacts", "contact"),
        ("properties_dealname", TEXT),
        ("properties_dealstage", TEXT, "The deal's pipeline stage id."),
        ("properties_hubspot_owner_id", TEXT),
        _hs_number("properties_amount"),
        ("properties_deal_currency_code", TEXT),
        ("properties_createdate", TIMESTAMP),
        ("properties_closedate", TIMESTAMP),
        ("properties_closed_lost_reason", TEXT),
        may_be_empty=may_be_empty,
    )


AIRBYTE_HUBSPOT = register(
    Adapter(
        name="airbyte_hubspot",
        system="crm",
        title="HubSpot through Airbyte",
        default_schema="hubspot_airbyte",
        loaded_at="_airbyte_extracted_at",
        deleted_flag="archived",
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
            _hs_owners("owners", "Active owners (the users records are assigned to)."),
            _hs_owners(
                "owners_archived", "Deactivated owners (archived = true).", may_be_empty=True
            ),
            airbyte_table(
                "companies",
                "Companies (live ones: the stream asks for archived = false).",
                ("id", TEXT),
                ("archived", BOOLEAN),
                ("properties_name", TEXT),
                ("properties_domain", TEXT),
                ("properties_industry", TEXT),
                _hs_number("properties_numberofemployees"),
                ("properties_country", TEXT),
                ("properties_hubspot_owner_id", TEXT),
                ("properties_createdate", TIMESTAMP),
            ),
            airbyte_table(
                "contacts",
                "Contacts (live ones: the stream asks for archived = false).",
                ("id", TEXT),
                ("archived", BOOLEAN),
                _hs_ids("companies", "company"),
                ("properties_email", TEXT),
                ("properties_firstname", TEXT),
                ("properties_lastname", TEXT),
                ("properties_jobtitle", TEXT),
                ("properties_company", TEXT),
                _hs_number("properties_associatedcompanyid"),
                ("properties_numemployees", TEXT, "Employee range, e.g. 25-50."),
                ("properties_country", TEXT),
                ("properties_hs_analytics_source", TEXT),
                ("properties_hubspot_owner_id", TEXT),
                ("properties_createdate", TIMESTAMP),
            ),
            airbyte_table(
                "contacts_property_history",
                "Every value a contact property took (lifecycle stage, lead status, score).",
                ("vid", NUMBER, "The contact id."),
                ("property", TEXT),
                ("value", TEXT),
                ("timestamp", NUMBER, "When the value was set: epoch milliseconds."),
                ("updated_by_user_id", NUMBER, "The HubSpot user who set it (updated-by-user-id)."),
            ),
            _hs_deals("deals", "Live deals (the stream asks for archived = false)."),
            _hs_deals(
                "deals_archived",
                "Deleted deals still in HubSpot's recycle bin (90 days; archived = true).",
                may_be_empty=True,
            ),
            airbyte_table(
                "deals_property_history",
                "Every value a deal property took (dealstage: the stage ids it entered).",
                ("dealid", TEXT),
                ("property", TEXT),
                ("value", TEXT),
                ("timestamp", TIMESTAMP),
                _hs_number("updatedbyuserid"),
            ),
            airbyte_table(
                "deal_pipelines",
                "Deal pipelines, their stages nested.",
                ("pipelineid", TEXT),
                (
                    "stages",
                    ANY,
                    "JSON array of {stageId, label, metadata: {isClosed, probability}}.",
                ),
            ),
            *(
                airbyte_table(
                    f"engagements_{kind}",
                    f"{kind.title()} (CRM v3 engagements).",
                    ("id", TEXT),
                    ("archived", BOOLEAN),
                    _hs_ids("contacts", "contact"),
                    _hs_ids("companies", "company"),
                    _hs_ids("deals", "deal"),
                    ("properties_hs_timestamp", TIMESTAMP),
                    ("properties_hubspot_owner_id", TEXT),
                    may_be_empty=True,
                )
                for kind in ("emails", "calls", "meetings")
            ),
        ),
        gaps=(
            "users.manager_id, role, monthly_quota_amount, quota_currency: HubSpot owners have "
            "no manager, job role or quota (quotas are HubSpot goals): null; quota attainment "
            "is not available.",
            "users.team: the owner's primary team (else the first by name) through "
            "source_value_map field `team`; is_active: false for an owner in owners_archived "
            "(deactivated), which wins over its last row in owners.",
            "Deleted contacts and companies: the streams ask HubSpot for live records only "
            "and there is no archived stream for them, so a deleted record keeps its last "
            "synced row (archived false) in an append-and-dedupe table and still counts as a "
            "lead or account; only a full refresh with overwrite drops it.",
            "Deleted emails, calls and meetings: likewise not seen (no archived stream); they "
            "stay in activities.",
            "lifecycle_events.form_submitted: Airbyte has no form submissions per contact "
            "(contacts_form_submissions was removed in 5.0.0; form_submissions carries no "
            "contact id): no lead qualifies as an MQL by a form, only by score (hubspotscore).",
            "lifecycle_events: page_viewed events and rejection reasons are not recorded by "
            "HubSpot: the pricing page is no qualifying action; sales_rejected has no reason.",
            "lifecycle_events.user_id and opportunity_stage_history.changed_by_user_id: the "
            "owner whose user id set the value (updated-by-user-id, updatedByUserId); a value "
            "HubSpot set itself (a score, a workflow) has none.",
            "contacts.seniority: derived from the job title (revops.seniority_from_title); "
            "company_size: the associated company's numberofemployees, else the lower bound "
            "of the contact's range (numemployees); industry: the company's.",
            "contacts.account_id: associatedcompanyid, else the first company the contact is "
            "associated with.",
            "activities.direction and outcome: not mapped (portal-specific values): null; "
            "contact, account and opportunity: the first id of each association array.",
            "accounts.billing_customer_id: no standard property: null; accounts match "
            "billing by domain and name.",
            "opportunities.account_id and primary_contact_id: the first company and contact "
            "of the deal's association arrays (Airbyte records no primary flag).",
            "opportunities.is_closed and is_won: seeds/opportunity_stages.csv for a mapped "
            "stage, else the stage's metadata in deal_pipelines (isClosed; probability 1 is "
            "won); closed_at: when the deal entered its current stage "
            "(deals_property_history), else its close date.",
            "Deleted deals: from deals_archived, which holds HubSpot's recycle bin (90 days): "
            "a deal deleted longer before the first sync keeps its last row in deals.",
            "Numbers: source-hubspot 6.0.1 lands number properties as text; amounts, employee "
            "counts, scores and ids in them are read from either.",
        ),
        references=(
            "https://github.com/airbytehq/airbyte/tree/master/airbyte-integrations/connectors/"
            "source-hubspot (manifest.yaml, components.py)",
            "https://docs.airbyte.com/integrations/sources/hubspot",
            "https://docs.airbyte.com/using-airbyte/core-concepts/typing-deduping",
        ),
    )
)
