{#- One row per raw table: how many rows it had, how many staging accepted and rejected. -#}
with

{% for staged in revops.staging_tables() %}
    {{ staged.system }}__{{ staged.table }} as (
        select
            cast('{{ staged.system }}' as {{ dbt.type_string() }}) as source_system,
            cast('{{ staged.table }}' as {{ dbt.type_string() }}) as source_table,
            count(*) as raw_rows,
            sum(case when rejection_reason is null then 1 else 0 end) as accepted_rows,
            sum(case when rejection_reason is not null then 1 else 0 end) as rejected_rows
        from {{ ref('base_' ~ staged.system ~ '__' ~ staged.table) }}
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
        {{ dbt.concat(['source_system', "'.'", 'source_table']) }} as source_relation,
        source_system,
        source_table,
        raw_rows,
        coalesce(accepted_rows, 0) as accepted_rows,
        coalesce(rejected_rows, 0) as rejected_rows
    from unioned
)

select * from final
