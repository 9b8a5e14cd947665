{#- A forecast of bookings made at each snapshot date (the as-of date and every
    forecast.snapshot_every_days before it) for the fiscal quarter holding it ('current') and
    the next ('next'), reconstructed point-in-time from the stage history: what the pipeline
    looked like at the end of that day and only what had closed by then. Method (README
    "Forecast"):

    forecast = booked so far in the quarter
             + open pipeline x P(won inside the quarter | its stage), per deal, with
               P from the stage's win curve (the share of deals open in that stage at an
               earlier snapshot that were won within so many days; stalled deals, in the
               stage longer than slas.stagnation_days, apart), scaled by its source's and
               its owner's win rates relative to everyone's (shrunk by forecast.shrink_deals)
             + run rate: the bookings that deals not created yet brought in the same days
               after earlier snapshots, per unit of pipeline created in the 91 days before
               them, times what the 91 days before this snapshot created
    Everything is learnt from the forecast.learn_days before the snapshot and only from
    outcomes known by then. The interval is the forecast scaled by the quantiles of the
    relative errors of earlier forecasts (same horizon, within 3 weeks of days left) whose
    quarter had closed by the snapshot date; null until forecast.min_errors of them exist.
    Amounts are in the reporting currency at each deal's own rate (fct_opportunities). -#}
{%- set fc = revops.definition('forecast') -%}
{%- set stagnation = revops.definition('slas.stagnation_days') -%}
{%- set learn = fc.learn_days | int -%}
{%- set shrink = fc.shrink_deals -%}
{%- set low = (1 - fc.interval) / 2 -%}
{%- set high = (1 + fc.interval) / 2 -%}
{%- set snapshot = 'snapshot_days.snapshot_date' -%}
{%- set days_to_start = dbt.datediff(snapshot, 'quarters.quarter_start_date', 'day') -%}
{%- set days_to_end = dbt.datediff(snapshot, 'quarters.quarter_end_date', 'day') -%}
{%- set days_in_stage = dbt.datediff('stages.entered_date', snapshot, 'day') -%}
{%- set days_to_win = dbt.datediff(snapshot, 'opportunities.closed_date', 'day') -%}
{%- set snapshot_id = dbt.concat([
    "cast(points.snapshot_date as " ~ dbt.type_string() ~ ")", "'-'", "points.horizon"
]) -%}

with

as_of as (
    select last_closed_date from {{ ref('dim_as_of') }}
),

opportunities as (
    select
        opportunity_id,
        cast(created_at as date) as created_date,
        cast(closed_at as date) as closed_date,
        is_won,
        is_closed,
        coalesce(owner_id, '(none)') as owner_id,
        coalesce(lead_source, '(none)') as lead_source,
        -- doubles throughout: a decimal division rounds to a few places on Spark
        cast(coalesce(reporting_amount, 0) as {{ revops.type_double() }}) as amount
    from {{ ref('fct_opportunities') }}
),

history_start as (
    select min(created_date) as first_created_date
    from opportunities
),

stages as (
    select
        opportunity_id,
        stage_name,
        cast(entered_at as date) as entered_date,
        cast(exited_at as date) as exited_date
    from {{ ref('fct_opportunity_stage_history') }}
    where not is_closed_stage
),

quarters as (
    select
        fiscal_year,
        fiscal_quarter,
        min(date_day) as quarter_start_date,
        max(date_day) as quarter_end_date,
        row_number() over (order by fiscal_year, fiscal_quarter) as quarter_number
    from {{ ref('dim_date') }}
    group by fiscal_year, fiscal_quarter
),

snapshot_days as (
    select
        calendar_days.date_day as snapshot_date,
        quarters.quarter_number
    from {{ ref('dim_date') }} as calendar_days
    cross join as_of
    cross join history_start
    inner join quarters
        on
            calendar_days.fiscal_year = quarters.fiscal_year
            and calendar_days.fiscal_quarter = quarters.fiscal_quarter
    where
        calendar_days.date_day <= as_of.last_closed_date
        and calendar_days.date_day >= history_start.first_created_date
        and {{ dbt.datediff('calendar_days.date_day', 'as_of.last_closed_date', 'day') }}
        % {{ fc.snapshot_every_days }} = 0
),

-- Each snapshot's quarter and the next. A deal closed d days after the snapshot date lands
-- in the quarter when start_after_days < d <= end_after_days.
targets as (
    select
        snapshot_days.snapshot_date,
        quarters.fiscal_year,
        quarters.fiscal_quarter,
        quarters.quarter_start_date,
        quarters.quarter_end_date,
        case
            when quarters.quarter_number = snapshot_days.quarter_number then 'current'
            else 'next'
        end as horizon,
        case
            when quarters.quarter_number = snapshot_days.quarter_number then 0
            else {{ days_to_start }} - 1
        end as start_after_days,
        {{ days_to_end }}
            as end_after_days
    from snapshot_days
    inner join quarters
        on quarters.quarter_number in (
            snapshot_days.quarter_number, snapshot_days.quarter_number + 1
        )
),

-- Every deal open at the end of a snapshot day, its stage then, and when it was won.
open_deals as (
    select
        snapshot_days.snapshot_date,
        stages.stage_name,
        -- in the stage longer than slas.stagnation_days: a stalled deal, whose chances differ
        case
            {%- for stage, days in stagnation.items() %}
                when stages.stage_name = {{ revops.string_literal(stage) }}
                    then {{ days_in_stage }} > {{ days }}
            {%- endfor %}
            else false
        end as is_stagnant,
        opportunities.owner_id,
        opportunities.lead_source,
        opportunities.amount,
        case
            when opportunities.is_won
                then {{ days_to_win }}
        end as won_after_days
    from snapshot_days
    inner join stages
        on
            snapshot_days.snapshot_date >= stages.entered_date
            and (stages.exited_date is null or snapshot_days.snapshot_date < stages.exited_date)
    inner join opportunities
        on stages.opportunity_id = opportunities.opportunity_id
    where
        opportunities.created_date <= snapshot_days.snapshot_date
        and (
            opportunities.closed_date is null
            or opportunities.closed_date > snapshot_days.snapshot_date
        )
),

-- A stage's win curve at a target: of the deals open in it at earlier snapshots whose
-- window had passed by the target's snapshot, the share won inside the window.
curves as (
    select
        targets.snapshot_date,
        targets.horizon,
        earlier.stage_name,
        earlier.is_stagnant,
        count(*) as learnt_deals,
        cast(sum(
            case
                when
                    earlier.won_after_days > targets.start_after_days
                    and earlier.won_after_days <= targets.end_after_days then 1
                else 0
            end
        ) as {{ revops.type_double() }}) / count(*) as win_share
    from targets
    inner join open_deals as earlier
        on
            earlier.snapshot_date >= {{ dbt.dateadd('day', -learn, 'targets.snapshot_date') }}
            and earlier.snapshot_date
            <= {{ dbt.dateadd('day', '-targets.end_after_days', 'targets.snapshot_date') }}
    group by targets.snapshot_date, targets.horizon, earlier.stage_name, earlier.is_stagnant
),

-- Win rates of the deals closed in the learning days, overall, by source and by owner.
closed_before as (
    select
        snapshot_days.snapshot_date,
        opportunities.lead_source,
        opportunities.owner_id,
        cast(case when opportunities.is_won then 1 else 0 end as {{ revops.type_double() }}) as won
    from snapshot_days
    inner join opportunities
        on
            opportunities.is_closed
            and snapshot_days.snapshot_date >= opportunities.closed_date
            and opportunities.closed_date
            > {{ dbt.dateadd('day', -learn, 'snapshot_days.snapshot_date') }}
),

overall_rates as (
    select
        snapshot_date,
        avg(won) as win_rate
    from closed_before
    group by snapshot_date
),

-- A source's and an owner's win rate over everyone's, shrunk toward it
{% for level, column in [('source', 'lead_source'), ('owner', 'owner_id')] %}
    {{ level }}_lifts as (
        select
            closed_before.snapshot_date,
            closed_before.{{ column }},
            (sum(closed_before.won) + {{ shrink }} * max(overall_rates.win_rate))
            / (count(*) + {{ shrink }}) / nullif(max(overall_rates.win_rate), 0) as lift
        from closed_before
        inner join overall_rates on closed_before.snapshot_date = overall_rates.snapshot_date
        group by closed_before.snapshot_date, closed_before.{{ column }}
    ),

{% endfor %}
pipeline as (
    select
        targets.snapshot_date,
        targets.horizon,
        sum(
            open_deals.amount
            * least(
                1.0,
                curves.win_share
                * coalesce(source_lifts.lift, 1.0)
                * coalesce(owner_lifts.lift, 1.0)
            )
        ) as weighted_pipeline_amount
    from targets
    inner join open_deals
        on targets.snapshot_date = open_deals.snapshot_date
    inner join curves
        on
            targets.snapshot_date = curves.snapshot_date
            and targets.horizon = curves.horizon
            and open_deals.stage_name = curves.stage_name
            and open_deals.is_stagnant = curves.is_stagnant
    left join source_lifts
        on
            targets.snapshot_date = source_lifts.snapshot_date
            and open_deals.lead_source = source_lifts.lead_source
    left join owner_lifts
        on
            targets.snapshot_date = owner_lifts.snapshot_date
            and open_deals.owner_id = owner_lifts.owner_id
    group by targets.snapshot_date, targets.horizon
),

open_pipeline as (
    select
        snapshot_date,
        sum(amount) as open_pipeline_amount
    from open_deals
    group by snapshot_date
),

learnt as (
    select
        snapshot_date,
        horizon,
        sum(learnt_deals) as learnt_deals
    from curves
    group by snapshot_date, horizon
),

-- Run rate: after each earlier snapshot, the bookings of deals created later and won
-- inside the target's window of days, per unit of pipeline created in the 91 days before
-- that snapshot; times what the 91 days before this one created (so a growing business's
-- run rate grows with it).
-- (from snapshots with 91 days of history behind them: the first ones saw a partial window)
created_recently as (
    select
        snapshot_days.snapshot_date,
        coalesce(sum(opportunities.amount), 0) as created_amount
    from snapshot_days
    cross join history_start
    left join opportunities
        on
            snapshot_days.snapshot_date >= opportunities.created_date
            and opportunities.created_date
            > {{ dbt.dateadd('day', -91, 'snapshot_days.snapshot_date') }}
    where
        snapshot_days.snapshot_date
        >= {{ dbt.dateadd('day', 91, 'history_start.first_created_date') }}
    group by snapshot_days.snapshot_date
),

learnt_creation as (
    select
        targets.snapshot_date,
        targets.horizon,
        count(*) as learnt_snapshots,
        sum(earlier.created_amount) as created_amount
    from targets
    inner join created_recently as earlier
        on
            earlier.snapshot_date >= {{ dbt.dateadd('day', -learn, 'targets.snapshot_date') }}
            and earlier.snapshot_date
            <= {{ dbt.dateadd('day', '-targets.end_after_days', 'targets.snapshot_date') }}
    group by targets.snapshot_date, targets.horizon
),

later_wins as (
    select
        snapshot_days.snapshot_date,
        opportunities.amount,
        {{ days_to_win }}
            as won_after_days
    from snapshot_days
    inner join opportunities
        on
            opportunities.is_won
            and snapshot_days.snapshot_date < opportunities.created_date
            and opportunities.closed_date
            <= {{ dbt.dateadd('day', 200, 'snapshot_days.snapshot_date') }}
),

run_rates as (
    select
        targets.snapshot_date,
        targets.horizon,
        sum(
            case
                when
                    later_wins.won_after_days > targets.start_after_days
                    and later_wins.won_after_days <= targets.end_after_days
                    then later_wins.amount
                else 0
            end
        ) as won_amount
    from targets
    inner join created_recently as earlier
        on
            earlier.snapshot_date >= {{ dbt.dateadd('day', -learn, 'targets.snapshot_date') }}
            and earlier.snapshot_date
            <= {{ dbt.dateadd('day', '-targets.end_after_days', 'targets.snapshot_date') }}
    left join later_wins
        on earlier.snapshot_date = later_wins.snapshot_date
    group by targets.snapshot_date, targets.horizon
),

booked as (
    select
        targets.snapshot_date,
        targets.horizon,
        sum(
            case
                when
                    opportunities.closed_date >= targets.quarter_start_date
                    and opportunities.closed_date <= targets.snapshot_date
                    then opportunities.amount
                else 0
            end
        ) as booked_amount
    from targets
    inner join opportunities
        on
            opportunities.is_won
            and targets.quarter_start_date <= opportunities.closed_date
            and targets.quarter_end_date >= opportunities.closed_date
    group by targets.snapshot_date, targets.horizon
),

actuals as (
    select
        quarters.quarter_start_date,
        sum(opportunities.amount) as actual_amount
    from quarters
    inner join opportunities
        on
            opportunities.is_won
            and quarters.quarter_start_date <= opportunities.closed_date
            and quarters.quarter_end_date >= opportunities.closed_date
    group by quarters.quarter_start_date
),

forecasts as (
    select
        targets.snapshot_date,
        targets.horizon,
        targets.fiscal_year,
        targets.fiscal_quarter,
        targets.quarter_start_date,
        targets.quarter_end_date,
        targets.end_after_days as days_to_quarter_end,
        coalesce(booked.booked_amount, 0) as booked_amount,
        coalesce(open_pipeline.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(learnt.learnt_deals, 0) as learnt_deals,
        case
            when learnt.learnt_deals > 0 and learnt_creation.created_amount > 0
                then coalesce(pipeline.weighted_pipeline_amount, 0)
        end as weighted_pipeline_amount,
        case
            when learnt.learnt_deals > 0 and learnt_creation.created_amount > 0
                then
                    run_rates.won_amount / learnt_creation.created_amount
                    * created_recently.created_amount
        end as run_rate_amount,
        case
            when targets.quarter_end_date <= as_of.last_closed_date
                then coalesce(actuals.actual_amount, 0)
        end as actual_amount
    from targets
    cross join as_of
    left join booked
        on targets.snapshot_date = booked.snapshot_date and targets.horizon = booked.horizon
    left join pipeline
        on targets.snapshot_date = pipeline.snapshot_date and targets.horizon = pipeline.horizon
    left join open_pipeline
        on targets.snapshot_date = open_pipeline.snapshot_date
    left join learnt
        on targets.snapshot_date = learnt.snapshot_date and targets.horizon = learnt.horizon
    left join run_rates
        on
            targets.snapshot_date = run_rates.snapshot_date
            and targets.horizon = run_rates.horizon
    left join learnt_creation
        on
            targets.snapshot_date = learnt_creation.snapshot_date
            and targets.horizon = learnt_creation.horizon
    left join created_recently
        on targets.snapshot_date = created_recently.snapshot_date
    left join actuals
        on targets.quarter_start_date = actuals.quarter_start_date
),

points as (
    select
        forecasts.*,
        forecasts.booked_amount
        + forecasts.weighted_pipeline_amount
        + forecasts.run_rate_amount as forecast_amount
    from forecasts
),

-- Relative errors of earlier forecasts whose quarter had closed by the snapshot date.
intervals as (
    select
        points.snapshot_date,
        points.horizon,
        count(*) as past_errors,
        {{ revops.percentile_cont('earlier.actual_amount / earlier.forecast_amount - 1', low) }}
            as low_error,
        {{ revops.percentile_cont('earlier.actual_amount / earlier.forecast_amount - 1', high) }}
            as high_error
    from points
    inner join points as earlier
        on
            points.horizon = earlier.horizon
            and points.snapshot_date >= earlier.quarter_end_date
            and earlier.snapshot_date >= {{ dbt.dateadd('day', -learn, 'points.snapshot_date') }}
            and earlier.forecast_amount > 0
            and earlier.days_to_quarter_end between points.days_to_quarter_end - 21
            and points.days_to_quarter_end + 21
    group by points.snapshot_date, points.horizon
),

final as (
    select
        {{ snapshot_id }} as forecast_snapshot_id,
        points.snapshot_date,
        points.horizon,
        points.fiscal_year,
        points.fiscal_quarter,
        points.quarter_start_date,
        points.quarter_end_date,
        points.days_to_quarter_end,
        points.booked_amount,
        points.open_pipeline_amount,
        points.weighted_pipeline_amount,
        points.run_rate_amount,
        points.forecast_amount,
        case
            when intervals.past_errors >= {{ fc.min_errors }}
                then points.forecast_amount * (1 + intervals.low_error)
        end as forecast_lower_amount,
        case
            when intervals.past_errors >= {{ fc.min_errors }}
                then points.forecast_amount * (1 + intervals.high_error)
        end as forecast_upper_amount,
        cast({{ fc.interval }} as {{ revops.type_double() }}) as interval_coverage,
        points.learnt_deals,
        coalesce(intervals.past_errors, 0) as past_errors,
        points.actual_amount,
        -- what forecast_accuracy and forecast_bias score: current-quarter forecasts whose
        -- quarter has closed
        (
            points.horizon = 'current'
            and points.actual_amount is not null
            and points.forecast_amount is not null
        ) as is_scored,
        points.forecast_amount - points.actual_amount as error_amount,
        abs(points.forecast_amount - points.actual_amount) as absolute_error_amount,
        {{ revops.string_literal(revops.definition("reporting_currency")) }}
            as reporting_currency_code
    from points
    left join intervals
        on points.snapshot_date = intervals.snapshot_date and points.horizon = intervals.horizon
)

select * from final
