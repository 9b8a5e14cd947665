{#- Records of billing and support that no CRM account matched (by an explicit external id,
    a contact's or billing email, or a unique web domain): listed, never dropped. A billing
    customer here is still an account (dim_accounts, account_source billing_only); an
    unmatched ticket has no account. -#}
with

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

billing_customers as (
    select * from {{ ref('stg_billing__customers') }}
),

tickets_matched as (
    select * from {{ ref('int_support_tickets_matched') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

unmatched_customers as (
    select
        'billing' as source_system,
        'customers' as source_table,
        customers.customer_id as source_key,
        customers.account_id,
        billing_customers.email_domain,
        billing_customers.crm_account_id as external_account_id,
        billing_customers.created_at as record_created_at
    from customers
    inner join billing_customers
        on customers.customer_id = billing_customers.customer_id
    where customers.match_method = 'unmatched'
),

unmatched_tickets as (
    select
        'support' as source_system,
        'tickets' as source_table,
        tickets.ticket_id as source_key,
        cast(null as {{ dbt.type_string() }}) as account_id,
        tickets.requester_email_domain as email_domain,
        tickets.crm_account_id as external_account_id,
        tickets.opened_at as record_created_at
    from tickets_matched
    inner join tickets
        on tickets_matched.ticket_id = tickets.ticket_id
    where tickets_matched.match_method = 'unmatched'
),

unioned as (
    select * from unmatched_customers
    union all
    select * from unmatched_tickets
),

final as (
    select
        {{ dbt.concat(['source_system', "'.'", 'source_table', "':'", 'source_key']) }}
            as record_id,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        source_key,
        account_id,
        email_domain,
        external_account_id,
        record_created_at
    from unioned
)

select * from final
