{#- dbt.datediff, always a bigint. dbt's own returns a bigint on DuckDB, an integer
    (day) or a double (second) on PostgreSQL, so a model contract that pins the type
    holds on one engine only. The count itself is dbt's: date-part boundaries crossed. -#}
{% macro datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.datediff(first_date, second_date, datepart) }} as {{ dbt.type_bigint() }})
{%- endmacro %}
