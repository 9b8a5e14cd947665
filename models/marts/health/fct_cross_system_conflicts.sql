{#- The "data collisions": one row per record in one system that contradicts another.
    - marketing_touch_after_churn: a marketing touch (e.g. a nurture email click) of an
      account's contact after it asked to cancel (or its last subscription ended) and
      before it paid again;
    - open_opportunity_on_churned_account: an open deal on an account whose customers all
      churned (paid before, MRR 0 at the last closed month);
    - invoice_without_won_opportunity: an invoice whose customer matches no account with a
      won deal;
    - paying_customer_marked_as_lead: a CRM lead (no account) who is a paying account's
      person: the same email as one of its contacts, or its web domain (free mail never). -#}
{%- set free_mail = revops.definition('lifecycle.mql.fit.exclude_free_mail_domains') -%}

with

touches as (
    select * from {{ ref('int_marketing__touches_validated') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

opportunities as (
    select * from {{ ref('int_crm__opportunities_validated') }}
),

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

periods as (
    select * from {{ ref('int_customer_active_periods') }}
),

accounts_keyed as (
    select * from {{ ref('int_crm_accounts_keyed') }}
),

invoices as (
    select * from {{ ref('fct_invoices') }}
),

mrr as (
    select * from {{ ref('fct_mrr') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

account_status as (
    select
        mrr.account_id,
        max(
            case
                when
                    mrr.month_start_date = as_of.last_closed_month_start_date
                    then mrr.mrr_amount
                else 0
            end
        )
        > 0 as is_paying,
        max(mrr.mrr_amount) > 0 as has_paid
    from mrr
    cross join as_of
    group by mrr.account_id
),

touch_after_churn as (
    select distinct
        'marketing_touch_after_churn' as conflict_type,
        'marketing' as source_system,
        'touches' as source_table,
        touches.touch_id as source_key,
        customers.account_id,
        touches.occurred_at as detected_at,
        'marketing touch ' || touches.touch_type || ' after the account asked to cancel or churned'
            as description
    from touches
    inner join contacts
        on touches.contact_id = contacts.contact_id
    inner join customers
        on contacts.account_id = customers.crm_account_id
    inner join periods
        on customers.customer_id = periods.customer_id
    where
        periods.is_churned
        and touches.occurred_at >= coalesce(periods.cancel_requested_at, periods.period_end_at)
        and (
            periods.next_period_start_at is null
            or touches.occurred_at < periods.next_period_start_at
        )
),

open_on_churned as (
    select
        'open_opportunity_on_churned_account' as conflict_type,
        'crm' as source_system,
        'opportunities' as source_table,
        opportunities.opportunity_id as source_key,
        opportunities.account_id,
        opportunities.created_at as detected_at,
        'open opportunity on an account whose customers churned' as description
    from opportunities
    inner join account_status
        on opportunities.account_id = account_status.account_id
    where
        not opportunities.is_closed
        and account_status.has_paid
        and not account_status.is_paying
),

won_accounts as (
    select distinct account_id
    from opportunities
    where is_won
),

invoice_without_won as (
    select
        'invoice_without_won_opportunity' as conflict_type,
        'billing' as source_system,
        'invoices' as source_table,
        invoices.invoice_id as source_key,
        invoices.account_id,
        invoices.issued_at as detected_at,
        'invoice for an account with no won opportunity' as description
    from invoices
    left join won_accounts
        on invoices.account_id = won_accounts.account_id
    where won_accounts.account_id is null
),

paying_contacts as (
    select distinct
        contacts.email,
        contacts.account_id
    from contacts
    inner join account_status
        on contacts.account_id = account_status.account_id
    where account_status.is_paying and contacts.email is not null
),

paying_domains as (
    select
        accounts_keyed.unique_match_domain as email_domain,
        accounts_keyed.account_id
    from accounts_keyed
    inner join account_status
        on accounts_keyed.account_id = account_status.account_id
    where account_status.is_paying and accounts_keyed.unique_match_domain is not null
),

lead_is_customer as (
    select
        'paying_customer_marked_as_lead' as conflict_type,
        'crm' as source_system,
        'contacts' as source_table,
        contacts.contact_id as source_key,
        coalesce(paying_contacts.account_id, paying_domains.account_id) as account_id,
        contacts.created_at as detected_at,
        'lead record without an account for a person of a paying account' as description
    from contacts
    left join paying_contacts
        on contacts.email = paying_contacts.email
    left join paying_domains
        on
            contacts.email_domain = paying_domains.email_domain
            and contacts.email_domain not in {{ revops.sql_list(free_mail) }}
    where
        contacts.account_id is null
        and coalesce(paying_contacts.account_id, paying_domains.account_id) is not null
),

unioned as (
    select * from touch_after_churn
    union all
    select * from open_on_churned
    union all
    select * from invoice_without_won
    union all
    select * from lead_is_customer
),

final as (
    select
        {{ dbt.concat(['conflict_type', "':'", 'source_key']) }} as conflict_id,
        cast(conflict_type as {{ dbt.type_string() }}) as conflict_type,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        source_key,
        account_id,
        detected_at,
        cast(description as {{ dbt.type_string() }}) as description
    from unioned
)

select * from final
