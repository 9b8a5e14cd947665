{#- Monthly rates to the reporting currency (definitions: reporting_currency), from the
    dated rates seed: amount_in_reporting = amount * to_reporting_rate. -#}
{%- set reporting = revops.definition('reporting_currency') -%}

with

rates as (
    select * from {{ ref('currency_rates') }}
),

reporting as (
    select
        rate_month,
        usd_per_unit as reporting_usd_per_unit
    from rates
    where currency_code = '{{ reporting }}'
),

final as (
    select
        cast(rates.rate_month as date) as rate_month,
        rates.currency_code,
        '{{ reporting }}' as reporting_currency_code,
        cast(rates.usd_per_unit / reporting.reporting_usd_per_unit as {{ revops.type_double() }})
            as to_reporting_rate
    from rates
    inner join reporting
        on rates.rate_month = reporting.rate_month
)

select * from final
