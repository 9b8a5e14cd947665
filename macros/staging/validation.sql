{#- The validation layer between staging and the marts: checks that need another entity.
    Staging (base_/stg_) applies the rules a row can be judged on alone; a staged row
    whose foreign key (revops_cli/contract/tables.py, listed in staging_tables()) names
    no accepted parent row is refused here as orphan_foreign_key. Parents are read in
    their validated form, so a refusal cascades: an account refused for an unknown owner
    refuses its opportunities, and their stage history. -#}


{#- The staging_tables() entry of one raw table. -#}
{% macro staging_table(system, table) -%}
    {%- for staged in revops.staging_tables() if staged.system == system and staged.table == table -%}
        {{ return(staged) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no raw table " ~ system ~ "." ~ table ~ " in the contract") }}
{%- endmacro %}


{#- The model holding a raw table's accepted rows (RawTable.accepted_model, generated into
    staging_tables()): validated when it has foreign keys. -#}
{% macro accepted_model(system, table) -%}
    {{ return(revops.staging_table(system, table).accepted_model) }}
{%- endmacro %}


{#- The staged rows of a table whose foreign keys resolve (or are null, unless required);
    with rejected=true the others, shaped as dq_rejected_rows. -#}
{% macro validated(system, table, rejected=false) -%}
    {%- set staged = revops.staging_table(system, table) -%}
    {%- set orphans = [] -%}
    {%- for column, parent_system, parent_table, parent_key, required in staged.foreign_keys -%}
        {%- set parent = 'parent_' ~ loop.index ~ '.' ~ parent_key ~ ' is null' -%}
        {%- if required -%}
            {%- do orphans.append('(' ~ parent ~ ')') -%}
        {%- else -%}
            {%- do orphans.append('(staged.' ~ column ~ ' is not null and ' ~ parent ~ ')') -%}
        {%- endif -%}
    {%- endfor %}
    select
        {%- if rejected %}
            cast('{{ system }}' as {{ dbt.type_string() }}) as source_system,
            cast('{{ table }}' as {{ dbt.type_string() }}) as source_table,
            cast(staged.{{ staged.key }} as {{ dbt.type_string() }}) as source_key,
            cast('orphan_foreign_key' as {{ dbt.type_string() }}) as rejection_reason,
            staged._loaded_at
        {%- else %}
            staged.*
        {%- endif %}
    from {{ ref('stg_' ~ system ~ '__' ~ table) }} as staged
    {%- for column, parent_system, parent_table, parent_key, required in staged.foreign_keys %}
        left join {{ ref(revops.accepted_model(parent_system, parent_table)) }} as parent_{{ loop.index }}
            on staged.{{ column }} = parent_{{ loop.index }}.{{ parent_key }}
    {%- endfor %}
    where {% if not rejected %}not {% endif %}({{ orphans | join(' or ') if orphans else 'false' }})
{%- endmacro %}
