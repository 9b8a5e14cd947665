{#- One row per won opportunity: where its booked revenue went, in the opportunity's
    currency (booked_not_collected_reporting: booked - net collected in the reporting currency
    at the won month's rate). booked (ACV) -> invoiced in the contract term (definitions: revenue.
    contract_months from the won date) -> collected, with the gap at each step by cause:
        booked = invoiced_in_term + never_invoiced + not_yet_invoiced
                 + invoiced_less_than_booked (negative when more was invoiced)
        invoiced = net_collected + unpaid + failed_payment + refunded
    Invoices reach a deal through the billing customer's matched CRM account; with several
    won deals on an account, an invoice belongs to the latest one won on or before its
    issue (else the first). Renewals after the term are invoiced_after_term. The raw
    contract holds no discount approvals, so no gap is attributed to an unapproved discount. -#}
{%- set contract_months = revops.definition('revenue.contract_months') | int -%}
{%- set invoice_within_days = revops.definition('revenue.invoice_within_days') | int -%}

with

opportunities as (
    select * from {{ ref('int_crm__opportunities_validated') }}
),

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
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

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

won as (
    select
        opportunity_id,
        account_id,
        owner_id as deal_owner_id,
        lead_source as deal_lead_source,
        currency_code,
        cast(amount as {{ revops.type_money() }}) as booked_amount,
        closed_at as won_at,
        cast(closed_at as date) as won_date,
        cast({{ dbt.dateadd('month', contract_months, 'cast(closed_at as date)') }} as date)
            as term_end_date
    from opportunities
    where is_won
),

invoice_candidates as (
    select
        invoices.invoice_id,
        won.opportunity_id,
        row_number() over (
            partition by invoices.invoice_id
            order by
                case when won.won_at <= invoices.issued_at then 0 else 1 end,
                case when won.won_at <= invoices.issued_at then won.won_at end desc,
                won.won_at,
                won.opportunity_id asc
        ) as candidate_rank
    from invoices
    inner join customers
        on invoices.customer_id = customers.customer_id
    inner join won
        on customers.crm_account_id = won.account_id
    where invoices.status <> 'void'
),

attributed as (
    select
        invoices.*,
        invoice_candidates.opportunity_id,
        invoices.period_start_date < won.term_end_date as is_in_term
    from invoice_candidates
    inner join invoices
        on invoice_candidates.invoice_id = invoices.invoice_id
    inner join won
        on invoice_candidates.opportunity_id = won.opportunity_id
    where invoice_candidates.candidate_rank = 1
),

invoice_totals as (
    select
        opportunity_id,
        count(*) as invoice_count,
        min(currency_code) as billing_currency_code,
        count(distinct currency_code) as billing_currency_count,
        sum(case when is_in_term then due_amount else 0 end) as invoiced_in_term_amount,
        sum(case when is_in_term then 0 else due_amount end) as invoiced_after_term_amount,
        sum(due_amount) as invoiced_amount,
        sum(gross_collected_amount) as collected_amount,
        sum(refunded_amount) as refunded_amount,
        sum(case when has_failed_payment then 0 else due_amount - gross_collected_amount end)
            as unpaid_amount,
        sum(case when has_failed_payment then due_amount - gross_collected_amount else 0 end)
            as failed_payment_amount
    from attributed
    group by opportunity_id
),

account_customers as (
    select
        customers.crm_account_id as account_id,
        count(*) as billing_customer_count,
        min(customers.customer_id) as customer_id
    from customers
    where customers.crm_account_id is not null
    group by customers.crm_account_id
),

paying_now as (
    select
        mrr.account_id,
        max(case when mrr.mrr_amount > 0 then 1 else 0 end) = 1 as is_paying
    from mrr
    inner join as_of
        on mrr.month_start_date = as_of.last_closed_month_start_date
    group by mrr.account_id
),

joined as (
    select
        won.*,
        account_customers.customer_id,
        coalesce(account_customers.billing_customer_count, 0) as billing_customer_count,
        invoice_totals.billing_currency_code,
        coalesce(invoice_totals.billing_currency_count, 0) as billing_currency_count,
        coalesce(invoice_totals.invoice_count, 0) as invoice_count,
        cast(coalesce(invoice_totals.invoiced_in_term_amount, 0) as {{ revops.type_money() }})
            as invoiced_in_term_amount,
        cast(coalesce(invoice_totals.invoiced_after_term_amount, 0) as {{ revops.type_money() }})
            as invoiced_after_term_amount,
        cast(coalesce(invoice_totals.invoiced_amount, 0) as {{ revops.type_money() }})
            as invoiced_amount,
        cast(coalesce(invoice_totals.collected_amount, 0) as {{ revops.type_money() }})
            as collected_amount,
        cast(coalesce(invoice_totals.refunded_amount, 0) as {{ revops.type_money() }})
            as refunded_amount,
        cast(coalesce(invoice_totals.unpaid_amount, 0) as {{ revops.type_money() }})
            as unpaid_amount,
        cast(coalesce(invoice_totals.failed_payment_amount, 0) as {{ revops.type_money() }})
            as failed_payment_amount,
        won.term_end_date <= {{ dbt.dateadd('day', 1, 'as_of.last_closed_date') }}
            as is_term_complete,
        as_of.last_closed_date as as_of_last_closed_date,
        coalesce(paying_now.is_paying, false) as is_paying_now
    from won
    cross join as_of
    left join account_customers
        on won.account_id = account_customers.account_id
    left join invoice_totals
        on won.opportunity_id = invoice_totals.opportunity_id
    left join paying_now
        on won.account_id = paying_now.account_id
),

gaps as (
    select
        joined.*,
        cast(
            case when joined.invoice_count = 0 then joined.booked_amount else 0 end
            as {{ revops.type_money() }}
        ) as never_invoiced_amount,
        cast(
            case
                when
                    joined.invoice_count > 0
                    and not joined.is_term_complete
                    and joined.is_paying_now
                    and joined.booked_amount > joined.invoiced_in_term_amount
                    then joined.booked_amount - joined.invoiced_in_term_amount
                else 0
            end as {{ revops.type_money() }}
        ) as not_yet_invoiced_amount
    from joined
),

final as (
    select
        gaps.opportunity_id,
        gaps.account_id,
        gaps.deal_owner_id,
        gaps.deal_lead_source,
        gaps.customer_id,
        gaps.billing_customer_count,
        gaps.won_at,
        gaps.won_date,
        cast({{ dbt.date_trunc('month', 'gaps.won_date') }} as date) as won_month_start_date,
        gaps.term_end_date,
        gaps.is_term_complete,
        gaps.is_paying_now,
        gaps.currency_code,
        gaps.billing_currency_code,
        coalesce(
            gaps.billing_currency_count > 1 or gaps.billing_currency_code <> gaps.currency_code,
            false
        ) as is_currency_mismatch,
        gaps.invoice_count,
        gaps.booked_amount,
        gaps.invoiced_in_term_amount,
        gaps.never_invoiced_amount,
        coalesce(
            gaps.never_invoiced_amount > 0
            and {{ dbt.dateadd('day', invoice_within_days, 'gaps.won_date') }}
            <= gaps.as_of_last_closed_date,
            false
        ) as is_never_invoiced,
        {{ revops.convert_money('gaps.never_invoiced_amount', 'rates.to_reporting_rate') }}
            as never_invoiced_reporting,
        gaps.not_yet_invoiced_amount,
        cast(
            gaps.booked_amount - gaps.invoiced_in_term_amount
            - gaps.never_invoiced_amount - gaps.not_yet_invoiced_amount
            as {{ revops.type_money() }}
        ) as invoiced_less_than_booked_amount,
        gaps.invoiced_after_term_amount,
        gaps.invoiced_amount,
        gaps.collected_amount as gross_collected_amount,
        gaps.refunded_amount,
        cast(gaps.collected_amount - gaps.refunded_amount as {{ revops.type_money() }})
            as net_collected_amount,
        gaps.unpaid_amount,
        gaps.failed_payment_amount,
        cast(gaps.booked_amount - gaps.invoiced_in_term_amount as {{ revops.type_money() }})
            as booked_to_invoiced_gap_amount,
        cast(
            gaps.invoiced_amount - gaps.collected_amount + gaps.refunded_amount
            as {{ revops.type_money() }}
        ) as invoiced_to_collected_gap_amount,
        {{ revops.convert_money(
            'gaps.booked_amount - (gaps.collected_amount - gaps.refunded_amount)',
            'rates.to_reporting_rate'
        ) }} as booked_not_collected_reporting,
        case
            when gaps.never_invoiced_amount > 0 then 'never_invoiced'
            when gaps.failed_payment_amount > 0 then 'failed_payment'
            when gaps.unpaid_amount > 0 then 'unpaid'
            when gaps.refunded_amount > 0 then 'refunded'
            when
                gaps.booked_amount - gaps.invoiced_in_term_amount
                - gaps.not_yet_invoiced_amount > 0
                then 'invoiced_less_than_booked'
            when gaps.not_yet_invoiced_amount > 0 then 'not_yet_invoiced'
            else 'none'
        end as gap_cause
    from gaps
    left join rates
        on
            gaps.currency_code = rates.currency_code
            and cast({{ dbt.date_trunc('month', 'gaps.won_date') }} as date) = rates.rate_month
)

select * from final
