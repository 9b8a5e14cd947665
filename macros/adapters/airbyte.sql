{#- Helpers for the tables Airbyte's Destinations V2 land (models/adapters/airbyte_*):
    nested objects as JSON columns (DuckDB JSON, PostgreSQL jsonb), times as the
    source's epoch numbers, and _airbyte_extracted_at as a timestamp with time zone. -#}


{#- Unix epoch seconds (an integer, a float, or digits in text, as a stream's schema types
    them) as a UTC timestamp without time zone; null, or text that is not a number, is
    null. -#}
{% macro epoch_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'revops')(expression)) }}
{%- endmacro %}

{% macro default__epoch_to_timestamp(expression) -%}
    make_timestamp(cast(round(try_cast(trim(cast({{ expression }} as varchar)) as double) * 1000000) as bigint))
{%- endmacro %}

{#- PostgreSQL has no try_cast: cast only text shaped like a number. -#}
{% macro postgres__epoch_to_timestamp(expression) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as text))' -%}
    case
        when {{ text }} ~ '^[-+]?[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$'
            then cast(to_timestamp(cast({{ text }} as double precision)) at time zone 'UTC' as timestamp)
    end
{%- endmacro %}

{% macro spark__epoch_to_timestamp(expression) -%}
    timestamp_micros(cast(round(try_cast(trim(cast({{ expression }} as string)) as double) * 1000000) as bigint))
{%- endmacro %}


{#- The text value at a path of a JSON column (or of JSON held as text), or null. The path
    is dotted keys, a number for an array index: 'status_transitions.paid_at' or
    'data.0.price.recurring.interval'. -#}
{% macro json_path_text(column, path) -%}
    {{ return(adapter.dispatch('json_path_text', 'revops')(column, path)) }}
{%- endmacro %}

{#- A dotted path as a JSONPath ('$.data[0].price'), for DuckDB and Spark. -#}
{% macro _jsonpath(path) -%}
    {%- set out = ['$'] -%}
    {%- for part in path.split('.') -%}
        {%- do out.append('[' ~ part ~ ']' if part is number or part.isdigit() else '.' ~ part) -%}
    {%- endfor -%}
    {{ return(out | join('')) }}
{%- endmacro %}

{% macro default__json_path_text(column, path) -%}
    json_extract_string({{ column }}, '{{ revops._jsonpath(path) }}')
{%- endmacro %}

{% macro postgres__json_path_text(column, path) -%}
    (cast({{ column }} as jsonb) #>> '{ {{- path.split('.') | join(',') -}} }')
{%- endmacro %}

{% macro spark__json_path_text(column, path) -%}
    get_json_object(cast({{ column }} as string), '{{ revops._jsonpath(path) }}')
{%- endmacro %}


{#- A loader's timestamp with time zone (_airbyte_extracted_at) as a UTC timestamp without
    time zone, like the contract's _loaded_at. -#}
{% macro utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('utc_timestamp', 'revops')(expression)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expression) -%}
    timezone('UTC', cast({{ expression }} as timestamptz))
{%- endmacro %}

{% macro postgres__utc_timestamp(expression) -%}
    cast(cast({{ expression }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}


{#- Epoch milliseconds (HubSpot's contacts_property_history.timestamp, deal_pipelines
    createdAt: an integer, or digits in text) as a UTC timestamp without time zone; null, or
    text that is not a number, is null. -#}
{% macro epoch_ms_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'revops')(expression)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(expression) -%}
    make_timestamp(cast(round(try_cast(trim(cast({{ expression }} as varchar)) as double) * 1000) as bigint))
{%- endmacro %}

{% macro postgres__epoch_ms_to_timestamp(expression) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as text))' -%}
    case
        when {{ text }} ~ '^[-+]?[0-9]+([.][0-9]*)?$'
            then cast(to_timestamp(cast({{ text }} as double precision) / 1000) at time zone 'UTC' as timestamp)
    end
{%- endmacro %}

{% macro spark__epoch_ms_to_timestamp(expression) -%}
    timestamp_millis(cast(round(try_cast(trim(cast({{ expression }} as string)) as double)) as bigint))
{%- endmacro %}


{#- A HubSpot number property as Airbyte lands it: a number, or text (source-hubspot 6.0.1
    types numbers number-or-string, which DuckDB lands as VARCHAR and PostgreSQL as jsonb),
    as a double; text that is not a number is null. -#}
{% macro airbyte_number(expression) -%}
    {{ return(adapter.dispatch('airbyte_number', 'revops')(expression)) }}
{%- endmacro %}

{% macro default__airbyte_number(expression) -%}
    try_cast(trim(trim(cast({{ expression }} as varchar)), '"') as double)
{%- endmacro %}

{% macro postgres__airbyte_number(expression) -%}
    {%- set text = "trim(both '\"' from trim(cast(" ~ expression ~ " as text)))" -%}
    case
        when {{ text }} ~ '^[-+]?[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$'
            then cast({{ text }} as double precision)
    end
{%- endmacro %}

{% macro spark__airbyte_number(expression) -%}
    try_cast(trim(both '"' from trim(cast({{ expression }} as string))) as double)
{%- endmacro %}


{#- An id held in a HubSpot number property (associatedcompanyid, hs_object_id,
    updatedByUserId: 201, '201' or 201.000 as a decimal) as the contract's text, '201'; a
    text id passes through trimmed. -#}
{% macro airbyte_id(expression) -%}
    {{ return(adapter.dispatch('airbyte_id', 'revops')(expression)) }}
{%- endmacro %}

{% macro default__airbyte_id(expression) -%}
    nullif(regexp_replace(trim(trim(cast({{ expression }} as varchar)), '"'), '^(-?[0-9]+)[.]0*$', '\1'), '')
{%- endmacro %}

{% macro postgres__airbyte_id(expression) -%}
    nullif(regexp_replace(trim(both '"' from trim(cast({{ expression }} as text))), '^(-?[0-9]+)[.]0*$', '\1'), '')
{%- endmacro %}

{% macro spark__airbyte_id(expression) -%}
    nullif(regexp_replace(trim(both '"' from trim(cast({{ expression }} as string))), '^(-?[0-9]+)[.]0*$', '$1'), '')
{%- endmacro %}


{#- The elements of a JSON array column, as a relation to join laterally: `cross join
    {{ revops.json_array_elements('deal_pipelines.stages', 'stage') }}` gives one row per
    element, the element (JSON) in `stage.value`, to read with json_path_text. A null or
    empty array gives no row. -#}
{% macro json_array_elements(column, alias) -%}
    {{ return(adapter.dispatch('json_array_elements', 'revops')(column, alias)) }}
{%- endmacro %}

{% macro default__json_array_elements(column, alias) -%}
    json_each({{ column }}) as {{ alias }}
{%- endmacro %}

{% macro postgres__json_array_elements(column, alias) -%}
    lateral jsonb_array_elements(cast({{ column }} as jsonb)) as {{ alias }} (value)
{%- endmacro %}


{#- The rows of seeds/source_value_map.csv an adapter reads when it shares a connector's
    vocabulary with another (HubSpot's values are the same through Fivetran or Airbyte): for
    each field and source value, the row of the first adapter in `adapters` that maps it. A
    select of field, source_value and revops_value, for the `value_map` CTE mapped_value
    reads. -#}
{% macro value_map_of(adapters) -%}
    select
        ranked.field,
        ranked.source_value,
        ranked.revops_value
    from (
        select
            value_map.field,
            value_map.source_value,
            value_map.revops_value,
            row_number() over (
                partition by value_map.field, value_map.source_value
                order by case value_map.adapter
                    {%- for name in adapters %} when '{{ name }}' then {{ loop.index }}{% endfor %}
                end
            ) as preference
        from {{ ref('source_value_map') }} as value_map
        where value_map.adapter in ({% for name in adapters %}'{{ name }}'{% if not loop.last %}, {% endif %}{% endfor %})
    ) as ranked
    where ranked.preference = 1
{%- endmacro %}


{#- A HubSpot user's owner, as (hubspot_user_id, owner_id): who changed a property is a
    HubSpot user id; a deactivated owner keeps its user id in useridincludinginactive. -#}
{% macro airbyte_hubspot_owner_users() -%}
    select
        {{ revops.airbyte_id('coalesce(owners.userid, owners.useridincludinginactive)') }}
            as hubspot_user_id,
        max(owners.id) as owner_id
    from (
        {% for stream in ['owners', 'owners_archived'] %}
            select
                id,
                userid,
                useridincludinginactive
            from {{ source('airbyte_hubspot', stream) }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as owners
    where coalesce(owners.userid, owners.useridincludinginactive) is not null
    group by 1
{%- endmacro %}
