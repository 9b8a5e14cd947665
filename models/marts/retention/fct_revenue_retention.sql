{#- Net and gross revenue retention (ChartMogul) of every monthly cohort over the 12 months
    that follow it: one row per cohort month x end month (0 to 12 months later, as far as the
    data goes). The cohort is the customers paying at the end of its month; starting MRR is
    theirs then; expansion, reactivation, contraction and churn are their movements in the
    months after it, up to and including the end month (reporting currency):
        NRR = (starting + expansion + reactivation - contraction - churn) / starting
        GRR = (starting - contraction - churn) / starting
    FX adjustments are left out of both (constant currency) and shown apart, so
    starting + movements + fx_adjustment = ending MRR of the cohort, exactly. -#}
with

mrr as (
    select * from {{ ref('fct_mrr') }}
),

months as (
    select distinct month_start_date from mrr
),

windows as (
    select
        cohort_months.month_start_date as cohort_month_start_date,
        end_months.month_start_date as end_month_start_date,
        {{ revops.datediff(
            'cohort_months.month_start_date', 'end_months.month_start_date', 'month'
        ) }} as months_elapsed
    from months as cohort_months
    inner join months as end_months
        on
            cohort_months.month_start_date <= end_months.month_start_date
            and end_months.month_start_date
            <= cast({{ dbt.dateadd('month', 12, 'cohort_months.month_start_date') }} as date)
),

cohort_members as (
    select
        customer_id,
        month_start_date as cohort_month_start_date,
        ending_mrr_reporting as starting_mrr_reporting
    from mrr
    where is_paying
),

cohort_starts as (
    select
        cohort_month_start_date,
        count(*) as cohort_customer_count,
        sum(starting_mrr_reporting) as starting_mrr_reporting
    from cohort_members
    group by cohort_month_start_date
),

member_movements as (
    select
        windows.cohort_month_start_date,
        windows.end_month_start_date,
        sum(mrr.expansion_mrr_reporting) as expansion_mrr_reporting,
        sum(mrr.reactivation_mrr_reporting) as reactivation_mrr_reporting,
        sum(mrr.contraction_mrr_reporting) as contraction_mrr_reporting,
        sum(mrr.churned_mrr_reporting) as churned_mrr_reporting,
        sum(mrr.fx_adjustment_reporting) as fx_adjustment_reporting
    from windows
    inner join cohort_members
        on windows.cohort_month_start_date = cohort_members.cohort_month_start_date
    inner join mrr
        on
            cohort_members.customer_id = mrr.customer_id
            and windows.cohort_month_start_date < mrr.month_start_date
            and windows.end_month_start_date >= mrr.month_start_date
    group by
        windows.cohort_month_start_date,
        windows.end_month_start_date
),

member_endings as (
    select
        windows.cohort_month_start_date,
        windows.end_month_start_date,
        cast(sum(case when mrr.is_paying then 1 else 0 end) as {{ dbt.type_bigint() }})
            as retained_customer_count,
        sum(mrr.ending_mrr_reporting) as ending_mrr_reporting
    from windows
    inner join cohort_members
        on windows.cohort_month_start_date = cohort_members.cohort_month_start_date
    inner join mrr
        on
            cohort_members.customer_id = mrr.customer_id
            and windows.end_month_start_date = mrr.month_start_date
    group by
        windows.cohort_month_start_date,
        windows.end_month_start_date
),

combined as (
    select
        windows.cohort_month_start_date,
        windows.end_month_start_date,
        windows.months_elapsed,
        cohort_starts.cohort_customer_count,
        coalesce(member_endings.retained_customer_count, 0) as retained_customer_count,
        cast(cohort_starts.starting_mrr_reporting as {{ revops.type_money() }})
            as starting_mrr_reporting,
        {% for column in [
            'expansion_mrr_reporting',
            'reactivation_mrr_reporting',
            'contraction_mrr_reporting',
            'churned_mrr_reporting',
            'fx_adjustment_reporting',
        ] -%}
            cast(coalesce(member_movements.{{ column }}, 0) as {{ revops.type_money() }})
                as {{ column }},
        {% endfor -%}
        cast(coalesce(member_endings.ending_mrr_reporting, 0) as {{ revops.type_money() }})
            as ending_mrr_reporting
    from windows
    inner join cohort_starts
        on windows.cohort_month_start_date = cohort_starts.cohort_month_start_date
    left join member_movements
        on
            windows.cohort_month_start_date = member_movements.cohort_month_start_date
            and windows.end_month_start_date = member_movements.end_month_start_date
    left join member_endings
        on
            windows.cohort_month_start_date = member_endings.cohort_month_start_date
            and windows.end_month_start_date = member_endings.end_month_start_date
),

final as (
    select
        {{ revops.composite_key(['cohort_month_start_date', 'end_month_start_date']) }}
            as cohort_window_id,
        cohort_month_start_date,
        end_month_start_date,
        months_elapsed,
        cohort_customer_count,
        retained_customer_count,
        starting_mrr_reporting,
        expansion_mrr_reporting,
        reactivation_mrr_reporting,
        contraction_mrr_reporting,
        churned_mrr_reporting,
        fx_adjustment_reporting,
        ending_mrr_reporting,
        case
            when starting_mrr_reporting > 0
                then cast(
                    starting_mrr_reporting + expansion_mrr_reporting + reactivation_mrr_reporting
                    - contraction_mrr_reporting - churned_mrr_reporting
                    as {{ revops.type_double() }}
                ) / cast(starting_mrr_reporting as {{ revops.type_double() }})
        end as net_revenue_retention,
        case
            when starting_mrr_reporting > 0
                then cast(
                    starting_mrr_reporting - contraction_mrr_reporting - churned_mrr_reporting
                    as {{ revops.type_double() }}
                ) / cast(starting_mrr_reporting as {{ revops.type_double() }})
        end as gross_revenue_retention
    from combined
)

select * from final
