{#- Where a system's raw tables come from: `revops_sources` in dbt_project.yml
    (revops_cli/contract/sources.py). Each entry is an adapter name or a mapping
    {adapter, schema, database}; a system left out reads revops' own contract from
    raw_<system>. -#}

{#- One system's source settings, with the defaults filled in. -#}
{% macro source_config(system) -%}
    {%- set given = var('revops_sources', {}).get(system) -%}
    {%- set given = (given if given is mapping else {'adapter': given}) or {} -%}
    {{ return({
        'adapter': given.get('adapter') or 'revops',
        'schema': given.get('schema'),
        'database': given.get('database'),
    }) }}
{%- endmacro %}


{#- True unless the system is configured as absent (`none`). -#}
{% macro system_on(system) -%}
    {{ return(revops.source_config(system)['adapter'] != 'none') }}
{%- endmacro %}


{#- The relation holding a canonical raw table, `system.table` of the contract: the source
    itself (adapter `revops`), the adapter's model mapping a connector's tables onto it
    (models/adapters/<adapter>/<adapter>__<table>.sql), or, for an absent system, an empty
    relation with the contract's columns. -#}
{% macro raw(system, table) -%}
    {%- set adapter = revops.source_config(system)['adapter'] -%}
    {%- if adapter == 'revops' -%}
        {{ return(source(system, table)) }}
    {%- elif adapter == 'none' -%}
        {{ return('(' ~ revops.empty_raw(system, table) ~ ') as empty_' ~ table) }}
    {%- else -%}
        {{ return(ref(adapter ~ '__' ~ table)) }}
    {%- endif -%}
{%- endmacro %}


{#- A select of no rows with the contract's columns and types of one raw table. -#}
{% macro empty_raw(system, table) -%}
    select
    {%- for name, family in revops.staging_table(system, table).columns %}
        cast(null as {{ revops.type_varchar() if family == 'varchar' else family }}) as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    where 1 = 0
{%- endmacro %}


{#- A SQL condition: true when every system in the list is on (the generated metric models
    leave out, or null, the metrics that need a system the company does not have). -#}
{% macro systems_on_sql(systems) -%}
    {%- set off = [] -%}
    {%- for system in systems if not revops.system_on(system) -%}
        {%- do off.append(system) -%}
    {%- endfor -%}
    {{ '(1 = 0)' if off else '(1 = 1)' }}
{%- endmacro %}


{#- For an adapter combining several connectors (fivetran_ads): true when `part` is on,
    i.e. the system's `schema` is not a mapping (every part at its default schema) or the
    mapping names it. -#}
{% macro source_part_on(system, part) -%}
    {%- set schema = revops.source_config(system)['schema'] -%}
    {{ return(schema is not mapping or schema.get(part) is not none) }}
{%- endmacro %}


{#- on-run-start: with `revops build --raw-database FILE` (REVOPS_RAW_DATABASE), attach that
    DuckDB file read-only as revops_raw, where the sources then read the raw tables (the
    database revops builds holds no raw data). Nothing to do otherwise, or on other engines. -#}
{% macro attach_raw_database() -%}
    {%- set path = env_var('REVOPS_RAW_DATABASE', '') -%}
    {%- if path and target.type == 'duckdb' -%}
        attach if not exists '{{ path | replace("'", "''") }}' as revops_raw (read_only)
    {%- endif -%}
{%- endmacro %}
