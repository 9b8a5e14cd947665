{#- Money helpers for the revenue marts. Amounts are decimal(18,2) in their own currency;
    rates are decimal(18,10); every conversion or division is rounded once, half up, to the
    cent, so sums and identities built from the rounded values are exact. -#}

{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'revops')()) }}
{%- endmacro %}

{% macro default__type_money() -%}decimal(18, 2){%- endmacro %}


{% macro type_rate() -%}
    {{ return(adapter.dispatch('type_rate', 'revops')()) }}
{%- endmacro %}

{% macro default__type_rate() -%}decimal(18, 10){%- endmacro %}


{#- An amount converted with a rate, rounded half up to the cent (decimal arithmetic only:
    DuckDB turns decimal division into a double, so there is no division here). -#}
{% macro convert_money(amount, rate) -%}
    cast(round(cast({{ amount }} as {{ revops.type_money() }}) * cast({{ rate }} as {{ revops.type_rate() }}), 2) as {{ revops.type_money() }})
{%- endmacro %}


{#- `twelfths_cents / 12` rounded half up to the cent, as money. The numerator is an exact
    integer number of cent-twelfths (12 x monthly cents + yearly cents), so the result is
    the exactly rounded MRR whatever the engine does with floating point. -#}
{% macro cents_twelfths_to_money(twelfths_cents) -%}
    cast(
        cast(floor((2 * ({{ twelfths_cents }}) + 12) / 24.0) as {{ dbt.type_bigint() }})
        * 0.01 as {{ revops.type_money() }}
    )
{%- endmacro %}


{#- An amount of money as an exact integer number of cents. -#}
{% macro to_cents(amount) -%}
    cast(round(cast({{ amount }} as {{ revops.type_money() }}) * 100, 0) as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- The as-of instant: definitions revenue.as_of, else the latest billing load. -#}
{% macro revenue_as_of_literal() -%}
    {%- set as_of = revops.definition('revenue.as_of') -%}
    {%- if as_of -%}cast({{ revops.string_literal(as_of | string) }} as {{ dbt.type_timestamp() }}){%- else -%}null{%- endif -%}
{%- endmacro %}


{#- The aging bucket of a number of days past due (definitions: collections.
    aging_bucket_upper_days, e.g. [30, 60, 90] -> current, 1-30, 31-60, 61-90, 90+). -#}
{% macro aging_bucket(days_past_due) -%}
    {%- set bounds = revops.definition('collections.aging_bucket_upper_days') -%}
    case
        when {{ days_past_due }} <= 0 then 'current'
        {%- for upper in bounds %}
        when {{ days_past_due }} <= {{ upper }}
            then '{{ 1 if loop.first else loop.previtem + 1 }}-{{ upper }}'
        {%- endfor %}
        else '{{ bounds[-1] }}+'
    end
{%- endmacro %}


{#- A `case` over a ticket priority returning the hours of a target per priority. -#}
{% macro hours_by_priority(priority_column, hours) -%}
    case {{ priority_column }}
        {%- for priority, value in hours.items() %}
        when {{ revops.string_literal(priority) }} then {{ value }}
        {%- endfor %}
    end
{%- endmacro %}
