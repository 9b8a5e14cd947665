{#- Open pipeline at the end of each day, by stage and owner, rebuilt from the stage history:
    pipeline coverage and forecast accuracy can be computed as of any past date. A balance:
    each day's amounts are converted at that day's month's rate. -#}
with

history as (
    select * from {{ ref('fct_opportunity_stage_history') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

intervals as (
    select
        history.opportunity_id,
        history.stage_name,
        opportunities.owner_id,
        opportunities.amount,
        opportunities.currency_code,
        cast(stages.default_probability as {{ revops.type_rate() }}) as probability,
        cast(history.entered_at as date) as first_open_date,
        cast(history.exited_at as date) as exit_date,
        cast({{ dbt.dateadd('day', -1, 'history.as_of_at') }} as date) as last_complete_date
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    left join stages
        on history.stage_name = stages.stage_name
    where
        not history.is_closed_stage
        and not coalesce(history.exited_at < history.entered_at, false)
),

daily as (
    select
        dates.date_day,
        intervals.stage_name,
        intervals.owner_id,
        intervals.opportunity_id,
        cast(intervals.amount * rates.to_reporting_rate as decimal(18, 2)) as reporting_amount,
        intervals.probability
    from intervals
    inner join dates
        on
            intervals.first_open_date <= dates.date_day
            and (intervals.exit_date is null or intervals.exit_date > dates.date_day)
            and intervals.last_complete_date >= dates.date_day
    left join rates
        on
            intervals.currency_code = rates.currency_code
            and dates.month_start_date = rates.rate_month
),

final as (
    select
        {{ revops.composite_key(['date_day', 'stage_name', 'owner_id']) }} as pipeline_day_key,
        date_day,
        stage_name,
        owner_id,
        cast(count(*) as integer) as open_opportunity_count,
        cast(sum(reporting_amount) as decimal(18, 2)) as open_reporting_amount,
        cast(sum(reporting_amount * probability) as decimal(18, 2)) as weighted_reporting_amount
    from daily
    group by date_day, stage_name, owner_id
)

select * from final
