{#- CRM accounts with the keys other systems can be matched on: the normalised web domain
    (lowercase, no leading www.) when no other account shares it, and the billing customer
    id sales typed, when no other account typed the same one. -#}
with

accounts as (
    select * from {{ ref('int_crm__accounts_validated') }}
),

normalised as (
    select
        account_id,
        billing_customer_id,
        case
            when lower(trim(website_domain)) like 'www.%'
                then substring(lower(trim(website_domain)), 5)
            else nullif(lower(trim(website_domain)), '')
        end as match_domain
    from accounts
),

domain_counts as (
    select
        match_domain,
        count(*) as account_count
    from normalised
    where match_domain is not null
    group by match_domain
),

billing_id_counts as (
    select
        billing_customer_id,
        count(*) as account_count
    from normalised
    where billing_customer_id is not null
    group by billing_customer_id
),

final as (
    select
        normalised.account_id,
        normalised.match_domain,
        case when domain_counts.account_count = 1 then normalised.match_domain end
            as unique_match_domain,
        case when billing_id_counts.account_count = 1 then normalised.billing_customer_id end
            as unique_billing_customer_id
    from normalised
    left join domain_counts
        on normalised.match_domain = domain_counts.match_domain
    left join billing_id_counts
        on normalised.billing_customer_id = billing_id_counts.billing_customer_id
)

select * from final
