{#- Monthly rates from every currency to the reporting currency (definitions:
    reporting_currency), from the dated rates seed, as decimals: amount x rate, rounded to
    the cent, is the amount in the reporting currency. A (currency, month) with no row here
    is a missing rate: the marts' not_null tests on their reporting columns fail on it. -#}
{%- set reporting = revops.string_literal(revops.definition('reporting_currency')) -%}

with

rates as (
    select * from {{ ref('currency_rates') }}
),

reporting as (
    select
        rate_month,
        usd_per_unit as reporting_usd_per_unit
    from rates
    where currency_code = {{ reporting }}
),

final as (
    select
        cast(rates.rate_month as date) as rate_month,
        rates.currency_code,
        cast({{ reporting }} as {{ dbt.type_string() }}) as reporting_currency_code,
        case
            when rates.currency_code = {{ reporting }}
                then cast(1 as {{ revops.type_rate() }})
            else cast(
                cast(rates.usd_per_unit as {{ revops.type_rate() }})
                / cast(reporting.reporting_usd_per_unit as {{ revops.type_rate() }})
                as {{ revops.type_rate() }}
            )
        end as to_reporting_rate
    from rates
    inner join reporting
        on rates.rate_month = reporting.rate_month
)

select * from final
