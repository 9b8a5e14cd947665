"""The demo business as Airbyte's Stripe source lands it (``revops generate --as
airbyte_stripe``): the generated raw tables (revops' own contract, ``raw_billing``)
rewritten into the streams the ``airbyte_stripe`` adapter reads, in schema
``stripe_airbyte``, typed as a Destinations V2 destination types them: times as Unix epoch
seconds (BIGINT where the stream's schema says integer, DOUBLE where it says number),
nested objects as JSON columns (address, metadata, items, price, status_transitions,
period), amounts in minor units, lowercase currencies, and Airbyte's ``_airbyte_raw_id``,
``_airbyte_extracted_at``, ``_airbyte_meta`` and ``_airbyte_generation_id``.

Like the Fivetran shape (shapes._fivetran_stripe), it keeps one current row per record and
each subscription item's latest price and quantity only; a subscription that ended carries
``is_deleted``, as when it arrived through Stripe's customer.subscription.deleted event.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from revops_cli.generator.shape_common import latest, minor, replace_schema, ts

SCHEMA = "stripe_airbyte"
#: Airbyte's metadata columns, from the row's load time.
_AIRBYTE = (
    "cast(uuid() as varchar) as _airbyte_raw_id, "
    "timezone('UTC', {loaded}) as _airbyte_extracted_at, "
    """'{{"sync_id": 1, "changes": []}}'::json as _airbyte_meta, """
    "cast(0 as bigint) as _airbyte_generation_id"
)


def _airbyte(loaded: str = "_loaded_at") -> str:
    return _AIRBYTE.format(loaded=loaded)


def _epoch(column: str) -> str:
    """ISO text as Stripe's epoch seconds, an integer (text that does not parse: null)."""
    return f"cast(epoch({ts(column)}) as bigint)"


def _epoch_number(column: str) -> str:
    """ISO text as epoch seconds where the stream's schema types the field `number`."""
    return f"cast(epoch({ts(column)}) as double)"


def airbyte_stripe(con: duckdb.DuckDBPyConnection, project_dir: Path) -> None:
    """Write the generated business as Airbyte's Stripe source lands it (schema
    ``stripe_airbyte``)."""
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
    # An item removed before its subscription ended is gone from Stripe (a full refresh
    # lists a subscription's current items).
    current_items = f"""(
        select items.* from {current_items} as items
        left join {subscriptions} as subscriptions
            on items.subscription_id = subscriptions.subscription_id
        where {ts("items.ended_at")} is null
            or {ts("items.ended_at")} >= {ts("subscriptions.ended_at")}
    )"""
    # The price object of each current item (its interval: the subscription's).
    priced_items = f"""(
        select
            items.*,
            json_object(
                'id', 'price_' || items.stripe_item_id, 'object', 'price',
                'currency', lower(items.currency_code),
                'unit_amount', {minor("items.unit_amount")},
                'nickname', items.plan_code, 'lookup_key', null, 'type', 'recurring',
                'recurring', json_object(
                    'interval', subscriptions.billing_interval, 'interval_count', 1,
                    'usage_type', 'licensed'
                )
            ) as price
        from {current_items} as items
        left join {subscriptions} as subscriptions
            on items.subscription_id = subscriptions.subscription_id
    )"""
    statements = [
        f"""create table {SCHEMA}.customers as select
            customer_id as id, 'customer' as object, customer_name as name, email,
            lower(currency_code) as currency,
            case when country_code is not null
                then json_object('country', country_code) end as address,
            case when crm_account_id is not null
                then json_object('crm_account_id', crm_account_id)
                else '{{}}'::json
            end as metadata,
            {_epoch("created_at")} as created, {_epoch("created_at")} as updated,
            true as livemode, cast(null as boolean) as is_deleted, {_airbyte()}
        from {customers}""",
        f"""create table {SCHEMA}.subscriptions as select
            subscriptions.subscription_id as id, 'subscription' as object,
            subscriptions.customer_id as customer, subscriptions.status,
            lower(subscriptions.currency_code) as currency,
            {_epoch("subscriptions.started_at")} as start_date,
            {_epoch("subscriptions.started_at")} as created,
            {_epoch_number("subscriptions.cancel_requested_at")} as canceled_at,
            {_epoch_number("subscriptions.ended_at")} as ended_at,
            json_object(
                'object', 'list', 'has_more', false,
                'data', coalesce(item_list.data, json_array())
            ) as items,
            cast(null as json) as plan, true as livemode,
            case when {ts("subscriptions.ended_at")} is not null then true end
                as is_deleted,
            {_airbyte("subscriptions._loaded_at")}
        from {subscriptions} as subscriptions
        left join (
            select
                subscription_id,
                to_json(list(
                    json_object(
                        'id', stripe_item_id, 'object', 'subscription_item',
                        'quantity', quantity, 'price', price
                    ) order by first_started_at, stripe_item_id
                )) as data
            from {priced_items}
            group by subscription_id
        ) as item_list on subscriptions.subscription_id = item_list.subscription_id""",
        f"""create table {SCHEMA}.subscription_items as select
            stripe_item_id as id, 'subscription_item' as object,
            subscription_id as subscription, price, cast(quantity as bigint) as quantity,
            {_epoch("first_started_at")} as created, true as livemode, {_airbyte()}
        from {priced_items}""",
        f"""create table {SCHEMA}.invoices as select
            invoice_id as id, 'invoice' as object, customer_id as customer,
            subscription_id as subscription, invoice_number as number, status,
            lower(currency_code) as currency, {minor("amount_due")} as amount_due,
            {_epoch("issued_at")} as created, {_epoch_number("due_at")} as due_date,
            {_epoch_number("period_start")} as period_start,
            {_epoch_number("period_end")} as period_end,
            json_object(
                'finalized_at', {_epoch("issued_at")}, 'paid_at', {_epoch("paid_at")},
                'voided_at', null, 'marked_uncollectible_at', null
            ) as status_transitions,
            true as livemode, cast(null as boolean) as is_deleted, {_airbyte()}
        from {invoices}""",
        f"""create table {SCHEMA}.invoice_line_items as select
            'il_' || invoice_id as id, 'line_item' as object, invoice_id,
            invoice_id as invoice, subscription_id as subscription,
            json_object(
                'start', {_epoch("period_start")}, 'end', {_epoch("period_end")}
            ) as period,
            false as proration, 'subscription' as type, {_airbyte()}
        from {invoices}""",
        f"""create table {SCHEMA}.charges as select
            payment_id as id, 'charge' as object, customer_id as customer,
            invoice_id as invoice, {minor("amount")} as amount,
            lower(currency_code) as currency,
            case when status = 'refunded' then 'succeeded' else status end as status,
            status = 'refunded' as refunded, failure_code,
            {_epoch("attempted_at")} as created, true as livemode, {_airbyte()}
        from {payments}""",
        f"""create table {SCHEMA}.refunds as select
            're_' || payment_id as id, 'refund' as object, payment_id as charge,
            'succeeded' as status, {_epoch("refunded_at")} as created, {_airbyte()}
        from {payments} where status = 'refunded'""",
    ]
    replace_schema(con, SCHEMA, statements)
