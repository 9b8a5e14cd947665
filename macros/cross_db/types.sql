{#- A 64-bit float on every engine (dbt.type_float() is 32-bit `float` on DuckDB, which
    breaks "credits sum to 1" and day fractions). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'revops')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{% macro bigquery__type_double() -%}float64{%- endmacro %}
