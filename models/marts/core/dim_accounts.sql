{#- The conformed account: one row per CRM account, plus one per billing customer no CRM
    account matches (account_id `billing:<customer_id>`, account_source billing_only). The
    billing side comes from int_billing_customers_matched (how each customer was matched);
    the revenue status is read at the last closed month. -#}
with

accounts as (
    select * from {{ ref('int_crm__accounts_validated') }}
),

keyed as (
    select * from {{ ref('int_crm_accounts_keyed') }}
),

billing_customers as (
    select * from {{ ref('stg_billing__customers') }}
),

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

mrr as (
    select * from {{ ref('fct_mrr') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

account_billing as (
    select
        customers.account_id,
        count(*) as billing_customer_count,
        min(customers.customer_id) as billing_customer_id,
        min(customers.match_method) as billing_match_method,
        min(billing_customers.currency_code) as billing_currency_code
    from customers
    inner join billing_customers
        on customers.customer_id = billing_customers.customer_id
    group by customers.account_id
),

account_revenue as (
    select
        mrr.account_id,
        min(case when mrr.is_paying then mrr.month_start_date end) as first_paying_month_start_date,
        max(case when mrr.is_paying then mrr.month_start_date end) as last_paying_month_start_date,
        sum(
            case
                when mrr.month_start_date = as_of.last_closed_month_start_date
                    then mrr.ending_mrr_reporting
                else 0
            end
        ) as current_mrr_reporting
    from mrr
    cross join as_of
    group by mrr.account_id
),

crm_side as (
    select
        accounts.account_id,
        'crm' as account_source,
        accounts.account_id as crm_account_id,
        accounts.account_name,
        keyed.match_domain as website_domain,
        accounts.industry,
        accounts.employee_count,
        accounts.country_code,
        accounts.owner_id,
        accounts.created_at
    from accounts
    left join keyed
        on accounts.account_id = keyed.account_id
),

billing_only as (
    select
        customers.account_id,
        'billing_only' as account_source,
        cast(null as {{ dbt.type_string() }}) as crm_account_id,
        billing_customers.customer_name as account_name,
        billing_customers.email_domain as website_domain,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_int() }}) as employee_count,
        billing_customers.country_code,
        cast(null as {{ dbt.type_string() }}) as owner_id,
        billing_customers.created_at
    from customers
    inner join billing_customers
        on customers.customer_id = billing_customers.customer_id
    where customers.crm_account_id is null
),

unioned as (
    select * from crm_side
    union all
    select * from billing_only
),

final as (
    select
        unioned.account_id,
        cast(unioned.account_source as {{ dbt.type_string() }}) as account_source,
        unioned.crm_account_id,
        unioned.account_name,
        unioned.website_domain,
        unioned.industry,
        unioned.employee_count,
        unioned.country_code,
        unioned.owner_id,
        unioned.created_at,
        account_billing.billing_customer_id,
        coalesce(account_billing.billing_customer_count, 0) as billing_customer_count,
        account_billing.billing_match_method,
        account_billing.billing_currency_code,
        account_revenue.first_paying_month_start_date,
        account_revenue.last_paying_month_start_date,
        cast(coalesce(account_revenue.current_mrr_reporting, 0) as {{ revops.type_money() }})
            as current_mrr_reporting,
        cast(
            case
                when coalesce(account_revenue.current_mrr_reporting, 0) > 0 then 'customer'
                when account_revenue.first_paying_month_start_date is not null then 'churned'
                else 'prospect'
            end as {{ dbt.type_string() }}
        ) as lifecycle_status
    from unioned
    left join account_billing
        on unioned.account_id = account_billing.account_id
    left join account_revenue
        on unioned.account_id = account_revenue.account_id
)

select * from final
