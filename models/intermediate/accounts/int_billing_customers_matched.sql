{#- One row per billing customer with the CRM account it belongs to and how it was matched,
    first rule that finds one account wins: billing_crm_account_id (finance typed the CRM id),
    crm_billing_customer_id (sales typed the billing id), email_domain (the billing email's
    domain is one account's web domain; free-mail domains never match), else unmatched.
    account_id is the conformed key: the CRM account id, or `billing:<customer_id>` for a
    customer no CRM account matches (it is listed in fct_unmatched_account_records). -#}
{%- set free_mail = revops.definition('lifecycle.mql.fit.exclude_free_mail_domains') -%}

with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

accounts as (
    select * from {{ ref('int_crm_accounts_keyed') }}
),

candidates as (
    select
        customers.customer_id,
        by_billing_id.account_id as billing_id_account_id,
        by_crm_id.account_id as crm_id_account_id,
        by_domain.account_id as domain_account_id
    from customers
    left join accounts as by_billing_id
        on customers.crm_account_id = by_billing_id.account_id
    left join accounts as by_crm_id
        on customers.customer_id = by_crm_id.unique_billing_customer_id
    left join accounts as by_domain
        on
            customers.email_domain = by_domain.unique_match_domain
            and customers.email_domain not in {{ revops.sql_list(free_mail) }}
),

matched as (
    select
        customer_id,
        coalesce(billing_id_account_id, crm_id_account_id, domain_account_id) as crm_account_id,
        case
            when billing_id_account_id is not null then 'billing_crm_account_id'
            when crm_id_account_id is not null then 'crm_billing_customer_id'
            when domain_account_id is not null then 'email_domain'
            else 'unmatched'
        end as match_method,
        coalesce(
            billing_id_account_id is not null
            and crm_id_account_id is not null
            and billing_id_account_id <> crm_id_account_id,
            false
        ) as has_conflicting_ids
    from candidates
),

final as (
    select
        customer_id,
        coalesce(crm_account_id, {{ dbt.concat(["'billing:'", 'customer_id']) }}) as account_id,
        crm_account_id,
        match_method,
        has_conflicting_ids
    from matched
)

select * from final
