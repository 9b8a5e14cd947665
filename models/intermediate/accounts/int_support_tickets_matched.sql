{#- One row per support ticket with the account it belongs to and how it was matched, first
    rule that finds one account wins: crm_account_id (the support tool knows the CRM id),
    contact_email (the requester is a CRM contact of one account), billing_email (the
    requester is a billing customer's email), email_domain (the requester's domain is one
    account's web domain; free mail never matches), else unmatched (account_id null). -#}
{%- set free_mail = revops.definition('lifecycle.mql.fit.exclude_free_mail_domains') -%}

with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

accounts as (
    select * from {{ ref('int_crm_accounts_keyed') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

billing_customers as (
    select * from {{ ref('stg_billing__customers') }}
),

customers_matched as (
    select * from {{ ref('int_billing_customers_matched') }}
),

contact_emails as (
    select
        email,
        min(account_id) as account_id
    from contacts
    where account_id is not null and email is not null
    group by email
    having count(distinct account_id) = 1
),

billing_emails as (
    select
        billing_customers.email,
        min(customers_matched.account_id) as account_id
    from billing_customers
    inner join customers_matched
        on billing_customers.customer_id = customers_matched.customer_id
    where billing_customers.email is not null
    group by billing_customers.email
    having count(distinct customers_matched.account_id) = 1
),

candidates as (
    select
        tickets.ticket_id,
        by_id.account_id as id_account_id,
        contact_emails.account_id as contact_account_id,
        billing_emails.account_id as billing_account_id,
        by_domain.account_id as domain_account_id
    from tickets
    left join accounts as by_id
        on tickets.crm_account_id = by_id.account_id
    left join contact_emails
        on tickets.requester_email = contact_emails.email
    left join billing_emails
        on tickets.requester_email = billing_emails.email
    left join accounts as by_domain
        on
            tickets.requester_email_domain = by_domain.unique_match_domain
            and tickets.requester_email_domain not in {{ revops.sql_list(free_mail) }}
),

final as (
    select
        ticket_id,
        coalesce(id_account_id, contact_account_id, billing_account_id, domain_account_id)
            as account_id,
        case
            when id_account_id is not null then 'crm_account_id'
            when contact_account_id is not null then 'contact_email'
            when billing_account_id is not null then 'billing_email'
            when domain_account_id is not null then 'email_domain'
            else 'unmatched'
        end as match_method
    from candidates
)

select * from final
