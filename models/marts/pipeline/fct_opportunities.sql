{#- One row per opportunity: amounts in original and reporting currency (at the close
    month's rate; an open deal at the last closed day's month's), owner and team,
    stage, timing, time spent in each stage, stagnation against the definitions'
    thresholds, and the loss reason (missing or unknown codes flagged, never blanked). -#}
{%- set lc = revops.definition('lifecycle') -%}
{%- set stagnation = revops.definition('slas.stagnation_days') -%}

with

opportunities as (
    select * from {{ ref('int_crm__opportunities_validated') }}
),

history as (
    select * from {{ ref('fct_opportunity_stage_history') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

identities as (
    select * from {{ ref('int_contacts_deduplicated') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

loss_reasons as (
    select * from {{ ref('loss_reasons') }}
),

time_in_stage as (
    select
        opportunity_id,
        {% for stage in stagnation %}
            sum(case when stage_name = {{ revops.string_literal(stage) }} then days_in_stage end)
                as days_in_{{ stage }},
        {% endfor %}
        max(case when is_current_stage then entered_at end) as current_stage_entered_at,
        max(case when is_current_stage then days_in_stage end) as days_in_current_stage,
        max(case when is_out_of_order then 1 else 0 end) = 1 as has_out_of_order_history,
        max(as_of_at) as as_of_at
    from history
    group by opportunity_id
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.primary_contact_id,
        identities.person_id as lead_id,
        opportunities.owner_id,
        users.team as owner_team,
        opportunities.opportunity_name,
        opportunities.stage_name,
        cast(stages.stage_order as integer) as stage_order,
        not opportunities.is_closed as is_open,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount,
        opportunities.currency_code,
        cast(opportunities.amount * rates.to_reporting_rate as decimal(18, 2)) as reporting_amount,
        rates.reporting_currency_code,
        coalesce(opportunities.lead_source, 'unknown') as lead_source,
        opportunities.created_at,
        cast(opportunities.created_at as date) as created_date,
        opportunities.expected_close_date,
        opportunities.closed_at,
        cast(
            {{ revops.datediff('opportunities.created_at', 'opportunities.closed_at', 'second') }}
            / {{ revops.seconds_per('day') }} as {{ revops.type_double() }}
        ) as days_to_close,
        {% for stage in stagnation %}
            time_in_stage.days_in_{{ stage }},
        {% endfor %}
        time_in_stage.current_stage_entered_at,
        time_in_stage.days_in_current_stage,
        case opportunities.stage_name
            {% for stage, days in stagnation.items() %}
                when {{ revops.string_literal(stage) }} then {{ days }}
            {% endfor %}
        end as stagnation_threshold_days,
        coalesce(
            not opportunities.is_closed
            and time_in_stage.days_in_current_stage > case opportunities.stage_name
                {% for stage, days in stagnation.items() %}
                    when {{ revops.string_literal(stage) }} then {{ days }}
                {% endfor %}
            end,
            false
        ) as is_stagnant,
        opportunities.loss_reason_code,
        opportunities.is_missing_loss_reason,
        opportunities.loss_reason_code is not null
        and loss_reasons.loss_reason_code is null as is_unknown_loss_reason,
        (
            {% for field in lc.opportunity.required_fields -%}
                opportunities.{{ field }} is not null{% if not loop.last %} and {% endif %}
            {%- endfor %}
        ) as has_required_fields,
        coalesce(time_in_stage.has_out_of_order_history, false) as has_out_of_order_history,
        time_in_stage.as_of_at
    from opportunities
    left join time_in_stage
        on opportunities.opportunity_id = time_in_stage.opportunity_id
    left join users
        on opportunities.owner_id = users.user_id
    left join identities
        on opportunities.primary_contact_id = identities.contact_id
    left join stages
        on opportunities.stage_name = stages.stage_name
    left join loss_reasons
        on opportunities.loss_reason_code = loss_reasons.loss_reason_code
    -- Converted at the rate of the date that defines the amount: the close month for a
    -- closed deal (bookings), the last closed day's month for an open one.
    left join rates
        on
            cast({{ dbt.date_trunc(
                'month',
                "coalesce(opportunities.closed_at, "
                ~ dbt.dateadd('day', -1, 'time_in_stage.as_of_at')
                ~ ", opportunities.created_at)"
            ) }} as date)
            = rates.rate_month
            and opportunities.currency_code = rates.currency_code
)

select * from final
