{#- Nothing is silently lost: for every raw table, its rows (read from the source itself)
    equal the rows the marts read (staging, then validation) plus the rows dq_rejected_rows holds for it. Returns
    the tables where they differ. -#}
with

rejected as (
    select * from {{ ref('dq_rejected_rows') }}
),

{% for staged in revops.staging_tables() %}
    {{ staged.system }}__{{ staged.table }} as (
        select
            '{{ staged.system }}' as source_system,
            '{{ staged.table }}' as source_table,
            (
                select count(*) from {{ source(staged.system, staged.table) }}
            ) as raw_rows,
            (
                select count(*) from {{ ref(revops.accepted_model(staged.system, staged.table)) }}
            ) as accepted_rows,
            (
                select count(*) from rejected
                where
                    rejected.source_system = '{{ staged.system }}'
                    and rejected.source_table = '{{ staged.table }}'
            ) as rejected_rows
    ),

{% endfor %}
counted as (
    {% for staged in revops.staging_tables() %}
        select * from {{ staged.system }}__{{ staged.table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select *
    from counted
    where raw_rows <> accepted_rows + rejected_rows
)

select * from final
