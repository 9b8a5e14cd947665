{#- One row per raw table: how many rows it had, how many reached the model the marts
    read (staging, then validation for tables with foreign keys) and how many were refused
    (dq_rejected_rows). Three independent counts: raw = accepted + rejected is a test. -#}
with

rejected as (
    select
        source_system,
        source_table,
        count(*) as rejected_rows
    from {{ ref('dq_rejected_rows') }}
    group by source_system, source_table
),

{% for staged in revops.staging_tables() %}
    {{ staged.system }}__{{ staged.table }} as (
        select
            cast('{{ staged.system }}' as {{ dbt.type_string() }}) as source_system,
            cast('{{ staged.table }}' as {{ dbt.type_string() }}) as source_table,
            (
                select count(*) from {{ ref('base_' ~ staged.system ~ '__' ~ staged.table) }}
            ) as raw_rows,
            (
                select count(*) from {{ ref(revops.accepted_model(staged.system, staged.table)) }}
            ) as accepted_rows
    ),

{% endfor %}
unioned as (
    {% for staged in revops.staging_tables() %}
        select * from {{ staged.system }}__{{ staged.table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.concat(['unioned.source_system', "'.'", 'unioned.source_table']) }}
            as source_relation,
        unioned.source_system,
        unioned.source_table,
        unioned.raw_rows,
        unioned.accepted_rows,
        coalesce(rejected.rejected_rows, 0) as rejected_rows
    from unioned
    left join rejected
        on
            unioned.source_system = rejected.source_system
            and unioned.source_table = rejected.source_table
)

select * from final
