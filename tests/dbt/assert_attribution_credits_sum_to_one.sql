{#- For every attribution model, the credits of one won opportunity sum to 1. -#}
with

attribution as (
    select * from {{ ref('fct_attribution') }}
),

totals as (
    select
        opportunity_id,
        attribution_model,
        sum(credit) as total_credit
    from attribution
    group by opportunity_id, attribution_model
),

final as (
    select *
    from totals
    where abs(total_credit - 1) > 0.000001
)

select * from final
