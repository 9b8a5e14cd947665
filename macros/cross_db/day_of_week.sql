{#- Day of the week as an integer, 0 = Sunday ... 6 = Saturday (DuckDB's and PostgreSQL's
    extract(dow); Spark's extract(dow) counts 1 = Sunday ... 7 = Saturday). -#}
{% macro day_of_week(date) -%}
    {{ return(adapter.dispatch('day_of_week', 'revops')(date)) }}
{%- endmacro %}

{% macro default__day_of_week(date) -%}
    cast(extract(dow from {{ date }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__day_of_week(date) -%}
    cast(dayofweek({{ date }}) - 1 as {{ dbt.type_int() }})
{%- endmacro %}
