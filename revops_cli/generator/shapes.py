"""The demo business in a connector's shape: ``revops generate --as fivetran_hubspot,...``.

Each shape rewrites the generated raw tables (revops' own contract) into the tables a
connector lands, in its schema (Fivetran's: ``hubspot``, ``salesforce``, ``stripe``, ``zendesk``;
Airbyte's, so that both fit one file: ``hubspot_airbyte``, ``stripe_airbyte``), typed as
it types them: TIMESTAMPs instead of ISO text, Stripe amounts in minor units and lowercase
currencies, HubSpot properties as ``property_<name>`` columns, property and stage history,
association tables, ``_fivetran_synced``. A connector keeps one current row per record:
the shape takes the latest load of each key (older copies and rows without a key, which
revops' contract keeps for staging to reject, do not exist there), and what the connector
cannot hold is lost the way the adapter's gaps say (docs/connectors.md): HubSpot records no
page views, rejection reasons or who changed a status, holds a contact's company size as a
range; Stripe keeps each subscription item's current price and quantity only.

Ids stay the generator's text ids (HubSpot's are numbers; the adapter reads either), so
the other systems' references (touches, tickets, billing's CRM account) still resolve.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from revops_cli.errors import ConfigError
from revops_cli.generator.shape_airbyte_hubspot import airbyte_hubspot
from revops_cli.generator.shape_airbyte_stripe import airbyte_stripe
from revops_cli.generator.shape_common import latest, minor, replace_schema, ts
from revops_cli.generator.shape_fivetran_salesforce import fivetran_salesforce
from revops_cli.generator.shape_fivetran_zendesk import fivetran_zendesk


def _fivetran_hubspot(con: duckdb.DuckDBPyConnection, project_dir: Path) -> None:
    users = latest("raw_crm.users", "user_id")
    accounts = latest("raw_crm.accounts", "account_id")
    contacts = latest("raw_crm.contacts", "contact_id")
    events = latest("raw_crm.lifecycle_events", "event_id")
    activities = latest("raw_crm.activities", "activity_id")
    opportunities = latest("raw_crm.opportunities", "opportunity_id")
    history = latest("raw_crm.opportunity_stage_history", "history_id")
    stage = (
        "case {c} when 'discovery' then 'appointmentscheduled' "
        "when 'demo' then 'presentationscheduled' when 'proposal' then 'decisionmakerboughtin' "
        "when 'negotiation' then 'contractsent' when 'closed_won' then 'closedwon' "
        "when 'closed_lost' then 'closedlost' else {c} end"
    )
    statements = [
        """create table hubspot.owner as select
            user_id as owner_id, 9 as portal_id, 'PERSON' as type, email,
            split_part(full_name, ' ', 1) as first_name,
            nullif(trim(substr(full_name, length(split_part(full_name, ' ', 1)) + 2)), '')
                as last_name,
            case when is_active then 7000 + row_number() over (order by user_id) end
                as active_user_id,
            {created} as created_at, cast(null as timestamp) as updated_at,
            _loaded_at as _fivetran_synced
        from {users}""".format(users=users, created=ts("created_at")),
        f"""create table hubspot.team as select distinct
            team as name, hash(team) % 1000000 as id, max(_loaded_at) over () as _fivetran_synced
        from {users} where team is not null""",
        f"""create table hubspot.owner_team as select
            users.user_id as owner_id, team.id as team_id, true as is_team_primary,
            users._loaded_at as _fivetran_synced
        from {users} as users inner join hubspot.team on users.team = team.name""",
        """create table hubspot.company as select
            account_id as id, 9 as portal_id, false as is_deleted, false as _fivetran_deleted,
            account_name as property_name, website_domain as property_domain,
            industry as property_industry, employee_count as property_numberofemployees,
            country_code as property_country, owner_id as property_hubspot_owner_id,
            {created} as property_createdate, _loaded_at as _fivetran_synced
        from {accounts}""".format(accounts=accounts, created=ts("created_at")),
        """create table hubspot.contact as select
            contact_id as id, false as _fivetran_deleted, email as property_email,
            first_name as property_firstname, last_name as property_lastname,
            job_title as property_jobtitle, company_name as property_company,
            account_id as property_associatedcompanyid,
            case
                when company_size is null then null
                when company_size < 5 then '1-5' when company_size < 25 then '5-25'
                when company_size < 50 then '25-50' when company_size < 100 then '50-100'
                when company_size < 500 then '100-500' when company_size < 1000 then '500-1000'
                else '1000+'
            end as property_numemployees,
            country_code as property_country,
            case lead_source
                when 'paid_search' then 'PAID_SEARCH' when 'paid_social' then 'PAID_SOCIAL'
                when 'organic_search' then 'ORGANIC_SEARCH' when 'content' then 'EMAIL_MARKETING'
                when 'referral' then 'REFERRALS' when 'events' then 'OTHER_CAMPAIGNS'
                when 'outbound' then 'OFFLINE' else lead_source
            end as property_hs_analytics_source,
            owner_id as property_hubspot_owner_id, {created} as property_createdate,
            _loaded_at as _fivetran_synced
        from {contacts}""".format(contacts=contacts, created=ts("created_at")),
        """create table hubspot.contact_property_history as select
            contact_id,
            case event_type when 'score_changed' then 'hubspotscore' else 'hs_lead_status' end
                as name,
            case
                when event_type = 'score_changed' then cast(score as varchar)
                when event_detail = 'sales_accepted' then 'IN_PROGRESS'
                when event_detail = 'sales_qualified' then 'OPEN_DEAL'
                when event_detail = 'sales_rejected' then 'UNQUALIFIED'
                else event_detail
            end as value,
            {occurred} as timestamp, 'CRM_UI' as source, cast(null as varchar) as source_id,
            _loaded_at as _fivetran_synced
        from {events} where event_type in ('score_changed', 'status_changed')""".format(
            events=events, occurred=ts("occurred_at")
        ),
        """create table hubspot.contact_form_submission as select
            contact_id, event_id as conversion_id,
            case event_detail
                when 'demo_request' then 'Demo request' when 'contact_sales' then 'Contact sales'
                else event_detail
            end as title,
            {occurred} as timestamp, _loaded_at as _fivetran_synced
        from {events} where event_type = 'form_submitted'""".format(
            events=events, occurred=ts("occurred_at")
        ),
        """create table hubspot.deal as select
            opportunity_id as deal_id, 9 as portal_id, false as is_deleted,
            false as _fivetran_deleted, 'default' as deal_pipeline_id,
            {stage} as deal_pipeline_stage_id, owner_id, opportunity_name as property_dealname,
            cast(amount as double) as property_amount,
            currency_code as property_deal_currency_code,
            {created} as property_createdate,
            coalesce({closed}, {expected}) as property_closedate,
            loss_reason_code as property_closed_lost_reason,
            _loaded_at as _fivetran_synced
        from {opportunities}""".format(
            opportunities=opportunities,
            stage=stage.format(c="stage_name"),
            created=ts("created_at"),
            closed=ts("closed_at"),
            expected=ts("expected_close_date"),
        ),
        """create table hubspot.deal_stage as select
            opportunity_id as deal_id, {stage} as value, {entered} as date_entered,
            'CRM_UI' as source, _loaded_at as _fivetran_synced
        from {history}""".format(
            history=history, stage=stage.format(c="stage_name"), entered=ts("entered_at")
        ),
        f"""create table hubspot.deal_company as select
            opportunity_id as deal_id, account_id as company_id, 5 as type_id,
            _loaded_at as _fivetran_synced
        from {opportunities} where account_id is not null""",
        f"""create table hubspot.deal_contact as select
            opportunity_id as deal_id, primary_contact_id as contact_id, 3 as type_id,
            _loaded_at as _fivetran_synced
        from {opportunities} where primary_contact_id is not null""",
        *(
            """create table hubspot.engagement_{kind} as select
                activity_id as engagement_id, upper('{kind}') as type,
                false as _fivetran_deleted, {occurred} as property_hs_timestamp,
                user_id as property_hubspot_owner_id, _loaded_at as _fivetran_synced
            from {activities} where activity_type = '{kind}'""".format(
                kind=kind, activities=activities, occurred=ts("occurred_at")
            )
            for kind in ("email", "call", "meeting")
        ),
        f"""create table hubspot.engagement_contact as select
            activity_id as engagement_id, contact_id, _loaded_at as _fivetran_synced
        from {activities} where contact_id is not null""",
        f"""create table hubspot.engagement_deal as select
            activity_id as engagement_id, opportunity_id as deal_id,
            _loaded_at as _fivetran_synced
        from {activities} where opportunity_id is not null""",
    ]
    replace_schema(con, "hubspot", statements)


def _fivetran_stripe(con: duckdb.DuckDBPyConnection, project_dir: Path) -> None:
    customers = latest("raw_billing.customers", "customer_id")
    subscriptions = latest("raw_billing.subscriptions", "subscription_id")
    items = latest("raw_billing.subscription_items", "subscription_item_id")
    invoices = latest("raw_billing.invoices", "invoice_id")
    payments = latest("raw_billing.payments", "payment_id")
    # Stripe changes an item in place: one item per subscription and plan, at its latest
    # price and quantity, created when the first of its canonical items started.
    current_items = f"""(
        select *,
            first_value(subscription_item_id) over plan_items as stripe_item_id,
            min(started_at) over plan_items as first_started_at
        from {items}
        window plan_items as (
            partition by subscription_id, plan_code order by started_at
            rows between unbounded preceding and unbounded following
        )
        qualify row_number() over (
            partition by subscription_id, plan_code order by started_at desc
        ) = 1
    )"""
    # An item removed before its subscription ended is gone from Stripe.
    current_items = f"""(
        select items.* from {current_items} as items
        left join {subscriptions} as subscriptions
            on items.subscription_id = subscriptions.subscription_id
        where {ts("items.ended_at")} is null
            or {ts("items.ended_at")} >= {ts("subscriptions.ended_at")}
    )"""
    statements = [
        """create table stripe.customer as select
            customer_id as id, customer_name as name, email, lower(currency_code) as currency,
            country_code as address_country,
            case when crm_account_id is not null
                then json_object('crm_account_id', crm_account_id)::varchar
            end as metadata,
            {created} as created, false as is_deleted, true as livemode,
            _loaded_at as _fivetran_synced
        from {customers}""".format(customers=customers, created=ts("created_at")),
        """create table stripe.subscription_history as select
            subscription_id as id, customer_id, status, {started} as start_date,
            {started} as created, {canceled} as canceled_at, {ended} as ended_at,
            true as livemode, true as _fivetran_active, _loaded_at as _fivetran_synced
        from {subscriptions}""".format(
            subscriptions=subscriptions,
            started=ts("started_at"),
            canceled=ts("cancel_requested_at"),
            ended=ts("ended_at"),
        ),
        """create table stripe.price as select
            'price_' || items.stripe_item_id as id, lower(items.currency_code) as currency,
            {unit} as unit_amount, subscriptions.billing_interval as recurring_interval,
            1 as recurring_interval_count, items.plan_code as nickname,
            items._loaded_at as _fivetran_synced
        from {current_items} as items
        left join {subscriptions} as subscriptions
            on items.subscription_id = subscriptions.subscription_id""".format(
            current_items=current_items, subscriptions=subscriptions, unit=minor("unit_amount")
        ),
        """create table stripe.subscription_item as select
            stripe_item_id as id, subscription_id, 'price_' || stripe_item_id as plan_id,
            quantity, {created} as created, _loaded_at as _fivetran_synced
        from {current_items}""".format(current_items=current_items, created=ts("first_started_at")),
        """create table stripe.invoice as select
            invoice_id as id, customer_id, subscription_id, invoice_number as number, status,
            lower(currency_code) as currency, {amount} as amount_due, {issued} as created,
            {due} as due_date, {period_start} as period_start, {period_end} as period_end,
            {issued} as status_transitions_finalized_at,
            {paid} as status_transitions_paid_at, false as is_deleted, true as livemode,
            _loaded_at as _fivetran_synced
        from {invoices}""".format(
            invoices=invoices,
            amount=minor("amount_due"),
            issued=ts("issued_at"),
            due=ts("due_at"),
            period_start=ts("period_start"),
            period_end=ts("period_end"),
            paid=ts("paid_at"),
        ),
        """create table stripe.invoice_line_item as select
            'il_' || invoice_id as id, invoice_id, {period_start} as period_start,
            {period_end} as period_end, false as proration, _loaded_at as _fivetran_synced
        from {invoices}""".format(
            invoices=invoices, period_start=ts("period_start"), period_end=ts("period_end")
        ),
        """create table stripe.charge as select
            payment_id as id, customer_id, invoice_id, {amount} as amount,
            lower(currency_code) as currency,
            case when status = 'refunded' then 'succeeded' else status end as status,
            status = 'refunded' as refunded, failure_code, {attempted} as created,
            true as livemode, _loaded_at as _fivetran_synced
        from {payments}""".format(
            payments=payments, amount=minor("amount"), attempted=ts("attempted_at")
        ),
        """create table stripe.refund as select
            're_' || payment_id as id, payment_id as charge_id, 'succeeded' as status,
            {refunded} as created, _loaded_at as _fivetran_synced
        from {payments} where status = 'refunded'""".format(
            payments=payments, refunded=ts("refunded_at")
        ),
    ]
    replace_schema(con, "stripe", statements)


#: Shapes by adapter name.
SHAPES: dict[str, Callable[[duckdb.DuckDBPyConnection, Path], None]] = {
    "fivetran_hubspot": _fivetran_hubspot,
    "fivetran_stripe": _fivetran_stripe,
    "airbyte_hubspot": airbyte_hubspot,
    "airbyte_stripe": airbyte_stripe,
    "fivetran_salesforce": fivetran_salesforce,
    "fivetran_zendesk": fivetran_zendesk,
}


def parse_shapes(text: str | None) -> list[str]:
    """``--as`` as a list of adapter names; a ConfigError names an unknown one."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        raise ConfigError(
            f"--as {unknown[0]!r}: no such connector shape (one of: {', '.join(SHAPES)})"
        )
    return names


def write_shapes(con: duckdb.DuckDBPyConnection, names: Sequence[str], project_dir: Path) -> None:
    """Write the generated business in each named connector's shape (the project's
    seeds/source_value_map.csv gives a connector's own values)."""
    for name in names:
        SHAPES[name](con, project_dir)
