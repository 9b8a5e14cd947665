{#- One row per billing customer per closed month: MRR at the month's end, ARR, and the
    month's movement (ChartMogul): new (first paying month), expansion, contraction, churn
    (MRR lost when the last active subscription ended), reactivation (paying again after a
    churn), none. Movements net within the month (an upgrade and a downgrade in one month
    are one movement). In the reporting currency:
        starting + new + expansion + reactivation - contraction - churn + fx_adjustment = ending
    exactly: every MRR is converted once at its month's rate and rounded to the cent; last
    month's MRR revalued at this month's rate, minus starting MRR, is the FX adjustment,
    and the movement is ending MRR minus that revalued MRR. -#}
with

mrr as (
    select * from {{ ref('int_customer_mrr_monthly') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

with_previous as (
    select
        customer_id,
        month_start_date,
        currency_code,
        mrr_amount,
        active_subscription_count,
        lag(month_start_date) over (
            partition by customer_id order by month_start_date
        ) as previous_month_start_date,
        coalesce(
            lag(mrr_amount) over (partition by customer_id order by month_start_date), 0
        ) as previous_mrr_amount,
        coalesce(
            lag(currency_code) over (partition by customer_id order by month_start_date),
            currency_code
        ) as previous_currency_code,
        coalesce(
            max(case when mrr_amount > 0 then 1 else 0 end) over (
                partition by customer_id
                order by month_start_date
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as has_paid_before
    from mrr
),

converted as (
    select
        with_previous.*,
        current_rate.reporting_currency_code,
        current_rate.to_reporting_rate as fx_rate,
        {{ revops.convert_money('with_previous.mrr_amount', 'current_rate.to_reporting_rate') }}
            as ending_mrr_reporting,
        case
            when with_previous.previous_month_start_date is null
                then cast(0 as {{ revops.type_money() }})
            else {{ revops.convert_money(
                'with_previous.previous_mrr_amount', 'starting_rate.to_reporting_rate'
            ) }}
        end as starting_mrr_reporting,
        case
            when with_previous.previous_month_start_date is null
                then cast(0 as {{ revops.type_money() }})
            else {{ revops.convert_money(
                'with_previous.previous_mrr_amount', 'revalued_rate.to_reporting_rate'
            ) }}
        end as revalued_mrr_reporting
    from with_previous
    left join rates as current_rate
        on
            with_previous.currency_code = current_rate.currency_code
            and with_previous.month_start_date = current_rate.rate_month
    left join rates as starting_rate
        on
            with_previous.previous_currency_code = starting_rate.currency_code
            and with_previous.previous_month_start_date = starting_rate.rate_month
    left join rates as revalued_rate
        on
            with_previous.previous_currency_code = revalued_rate.currency_code
            and with_previous.month_start_date = revalued_rate.rate_month
),

classified as (
    select
        converted.*,
        converted.currency_code <> converted.previous_currency_code as is_currency_change,
        case
            when converted.previous_mrr_amount = 0 and converted.mrr_amount > 0
                then case when converted.has_paid_before then 'reactivation' else 'new' end
            when converted.previous_mrr_amount > 0 and converted.mrr_amount = 0 then 'churn'
            when converted.previous_mrr_amount = 0 or converted.mrr_amount = 0 then 'none'
            when converted.currency_code = converted.previous_currency_code
                then case
                    when converted.mrr_amount > converted.previous_mrr_amount then 'expansion'
                    when converted.mrr_amount < converted.previous_mrr_amount then 'contraction'
                    else 'none'
                end
            when converted.ending_mrr_reporting > converted.revalued_mrr_reporting
                then 'expansion'
            when converted.ending_mrr_reporting < converted.revalued_mrr_reporting
                then 'contraction'
            else 'none'
        end as movement_type,
        converted.ending_mrr_reporting - converted.revalued_mrr_reporting as net_movement_reporting
    from converted
),

final as (
    select
        {{ revops.composite_key(['classified.customer_id', 'classified.month_start_date']) }}
            as customer_month_id,
        classified.customer_id,
        customers.account_id,
        classified.month_start_date,
        classified.currency_code,
        classified.mrr_amount,
        cast(classified.mrr_amount * 12 as {{ revops.type_money() }}) as arr_amount,
        classified.previous_mrr_amount,
        classified.previous_currency_code,
        case
            when not classified.is_currency_change
                then cast(
                    classified.mrr_amount - classified.previous_mrr_amount
                    as {{ revops.type_money() }}
                )
        end as mrr_change_amount,
        classified.movement_type,
        classified.mrr_amount > 0 as is_paying,
        classified.is_currency_change,
        classified.active_subscription_count,
        classified.reporting_currency_code,
        classified.fx_rate,
        classified.starting_mrr_reporting,
        {% for movement in ['new', 'expansion', 'reactivation'] -%}
            cast(
                case
                    when classified.movement_type = '{{ movement }}'
                        then classified.net_movement_reporting
                    else 0
                end as {{ revops.type_money() }}
            ) as {{ movement }}_mrr_reporting,
        {% endfor -%}
        cast(
            case
                when classified.movement_type = 'contraction'
                    then -classified.net_movement_reporting
                else 0
            end as {{ revops.type_money() }}
        ) as contraction_mrr_reporting,
        cast(
            case
                when classified.movement_type = 'churn'
                    then -classified.net_movement_reporting
                else 0
            end as {{ revops.type_money() }}
        ) as churned_mrr_reporting,
        cast(
            classified.revalued_mrr_reporting - classified.starting_mrr_reporting
            as {{ revops.type_money() }}
        ) as fx_adjustment_reporting,
        classified.ending_mrr_reporting,
        cast(classified.ending_mrr_reporting * 12 as {{ revops.type_money() }})
            as arr_reporting
    from classified
    left join customers
        on classified.customer_id = customers.customer_id
)

select * from final
