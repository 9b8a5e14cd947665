{#- Helpers the connector adapters (models/adapters/) share. -#}

{#- True when `system` reads from `adapter` (the adapter's models enable themselves with it),
    or for every adapter when REVOPS_LINT_ALL_ADAPTERS=1 (`make lint` compiles them all). -#}
{% macro adapter_enabled(system, adapter) -%}
    {{ return(
        revops.source_config(system)['adapter'] == adapter
        or env_var('REVOPS_LINT_ALL_ADAPTERS', '') == '1'
    ) }}
{%- endmacro %}


{#- A connector's value in revops' vocabulary, through seeds/source_value_map.csv (matched
    trimmed and lowercase); a value with no mapping passes through lowercase, so a staging
    test names it. `value_map` is the CTE holding the adapter's rows of the seed. -#}
{% macro mapped_value(field, expression, value_map='value_map') -%}
    coalesce(
        (
            select max({{ value_map }}.revops_value) from {{ value_map }}
            where {{ value_map }}.field = '{{ field }}'
                and {{ value_map }}.source_value = lower(trim(cast({{ expression }} as {{ revops.type_varchar() }})))
        ),
        lower(trim(cast({{ expression }} as {{ revops.type_varchar() }})))
    )
{%- endmacro %}


{#- A contact's seniority from the job title as typed: c_level, vp, director, manager or
    individual (null without a title). The MQL fit rule reads it; CRMs that hold seniority
    as a field map it instead. -#}
{% macro seniority_from_title(title) -%}
    {%- set t = "' ' || lower(" ~ title ~ ") || ' '" -%}
    case
        when nullif(trim({{ title }}), '') is null then null
        when {{ t }} like '% chief %' or {{ t }} like '% ceo %' or {{ t }} like '% cto %'
            or {{ t }} like '% cfo %' or {{ t }} like '% coo %' or {{ t }} like '% cmo %'
            or {{ t }} like '% cro %' or {{ t }} like '% founder %' or {{ t }} like '% president %'
            or {{ t }} like '% owner %'
            then 'c_level'
        when {{ t }} like '% vp %' or {{ t }} like '% vice president %' then 'vp'
        when {{ t }} like '% account manager %' then 'individual'
        when {{ t }} like '% director %' or {{ t }} like '% head of %' then 'director'
        when {{ t }} like '% manager %' or {{ t }} like '% lead %' then 'manager'
        else 'individual'
    end
{%- endmacro %}


{#- An id as the contract's text. -#}
{% macro id_text(expression) -%}
    cast({{ expression }} as {{ revops.type_varchar() }})
{%- endmacro %}


{#- An amount in a currency's minor unit (Stripe's integers) in its major unit, per ISO
    4217 exponent: 0 for the zero-decimal currencies, 3 for the three-decimal ones, else 2
    (docs.stripe.com/currencies). -#}
{% macro minor_to_major(amount, currency) -%}
    cast(cast({{ amount }} as decimal(18, 2)) / case
        when lower({{ currency }}) in (
            'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd',
            'vuv', 'xaf', 'xof', 'xpf'
        ) then 1
        when lower({{ currency }}) in ('bhd', 'jod', 'kwd', 'omr', 'tnd') then 1000
        else 100
    end as decimal(18, 2))
{%- endmacro %}


{#- The text value of a top-level key of a JSON object held as text (a connector's
    `metadata`), or null. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'revops')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    json_extract_string({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro postgres__json_text(column, key) -%}
    (cast({{ column }} as json) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}


{#- The integer a text starts with ('25-50' -> 25, '1000+' -> 1000), or null. -#}
{% macro leading_integer(text) -%}
    {{ return(adapter.dispatch('leading_integer', 'revops')(text)) }}
{%- endmacro %}

{% macro default__leading_integer(text) -%}
    try_cast(nullif(regexp_extract(trim({{ text }}), '^[0-9]+'), '') as integer)
{%- endmacro %}

{% macro postgres__leading_integer(text) -%}
    cast(substring(trim({{ text }}) from '^[0-9]+') as integer)
{%- endmacro %}

{% macro spark__leading_integer(text) -%}
    try_cast(nullif(regexp_extract(trim({{ text }}), '^[0-9]+', 0), '') as int)
{%- endmacro %}
