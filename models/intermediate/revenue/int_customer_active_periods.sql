{#- The spans during which a billing customer had at least one active subscription
    (overlapping or back-to-back subscriptions merged), with how each ended: a period that
    ended is a churn at period_end_at (cancel_requested_at: the latest cancellation request
    among the subscriptions that ended it); a later period is a reactivation. -#}
with

subscriptions as (
    select * from {{ ref('int_billing__subscriptions_validated') }}
),

ordered as (
    select
        customer_id,
        subscription_id,
        started_at,
        ended_at,
        cancel_requested_at,
        max(coalesce(ended_at, cast('9999-12-31' as {{ dbt.type_timestamp() }}))) over (
            partition by customer_id
            order by started_at, subscription_id
            rows between unbounded preceding and 1 preceding
        ) as previous_max_end_at
    from subscriptions
),

flagged as (
    select
        ordered.*,
        sum(
            case
                when
                    ordered.previous_max_end_at is null
                    or ordered.started_at > ordered.previous_max_end_at
                    then 1
                else 0
            end
        ) over (
            partition by ordered.customer_id
            order by ordered.started_at, ordered.subscription_id
            rows between unbounded preceding and current row
        ) as period_number
    from ordered
),

periods as (
    select
        customer_id,
        period_number,
        min(started_at) as period_start_at,
        max(case when ended_at is null then 1 else 0 end) = 1 as is_open,
        max(ended_at) as last_ended_at,
        count(*) as subscription_count
    from flagged
    group by
        customer_id,
        period_number
),

cancellations as (
    select
        flagged.customer_id,
        flagged.period_number,
        max(flagged.cancel_requested_at) as cancel_requested_at
    from flagged
    inner join periods
        on
            flagged.customer_id = periods.customer_id
            and flagged.period_number = periods.period_number
            and flagged.ended_at = periods.last_ended_at
    group by
        flagged.customer_id,
        flagged.period_number
),

final as (
    select
        {{ revops.composite_key(['periods.customer_id', 'periods.period_number']) }}
            as customer_period_id,
        periods.customer_id,
        periods.period_number,
        periods.period_start_at,
        case when not periods.is_open then periods.last_ended_at end as period_end_at,
        case when not periods.is_open then cancellations.cancel_requested_at end
            as cancel_requested_at,
        not periods.is_open as is_churned,
        periods.period_number > 1 as is_reactivation,
        lead(periods.period_start_at) over (
            partition by periods.customer_id order by periods.period_number
        ) as next_period_start_at,
        periods.subscription_count
    from periods
    left join cancellations
        on
            periods.customer_id = cancellations.customer_id
            and periods.period_number = cancellations.period_number
)

select * from final
