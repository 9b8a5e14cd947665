{#- A 64-bit float on every engine (dbt.type_float() is 32-bit `float` on DuckDB, which
    breaks "credits sum to 1" and day fractions). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'revops')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{% macro bigquery__type_double() -%}float64{%- endmacro %}


{#- Seconds in an hour or a day as a double, to divide a count of seconds by: a decimal
    literal (3600.0) divides in decimal on Spark and PostgreSQL, rounded to Spark's scale
    of 6 digits before the cast to double, in DOUBLE on DuckDB. -#}
{% macro seconds_per(unit) -%}
    cast({{ {'hour': 3600, 'day': 86400}[unit] }} as {{ revops.type_double() }})
{%- endmacro %}


{#- Text, as the contracts name it: varchar (Spark and BigQuery call it string). -#}
{% macro type_varchar() -%}
    {{ return(adapter.dispatch('type_varchar', 'revops')()) }}
{%- endmacro %}

{% macro default__type_varchar() -%}varchar{%- endmacro %}

{% macro spark__type_varchar() -%}string{%- endmacro %}

{% macro bigquery__type_varchar() -%}string{%- endmacro %}
