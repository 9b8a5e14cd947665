{#- Text to a UTC timestamp, or null when the text does not parse, so staging can reject
    the row instead of failing the build. Offsets in the text (+02:00, Z) are honoured. -#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'revops')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    cast(nullif(trim({{ column }}), '') as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_timestamp(column) -%}
    timezone('UTC', try_cast(nullif(trim({{ column }}), '') as timestamptz))
{%- endmacro %}


{#- Text to a date, or null when it does not parse. -#}
{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date', 'revops')(column)) }}
{%- endmacro %}

{% macro default__parse_date(column) -%}
    cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}

{% macro duckdb__parse_date(column) -%}
    try_cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}


{#- True when the raw text holds something that did not parse (empty text is missing, not bad). -#}
{% macro is_unparseable(raw_column, parsed_column) -%}
    ({{ raw_column }} is not null and trim({{ raw_column }}) <> '' and {{ parsed_column }} is null)
{%- endmacro %}
