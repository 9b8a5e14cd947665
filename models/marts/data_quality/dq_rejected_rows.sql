{#- Every raw row refused, with the hard rule it failed: by staging (the rules a row is
    judged on alone) or by validation (orphan_foreign_key, models/intermediate/validation).
    Nothing is silently lost: raw rows = accepted + rejected, per table
    (dq_row_reconciliation, tests/dbt/assert_raw_rows_reconcile.sql). -#}
with

{% for staged in revops.staging_tables() %}
    {{ staged.system }}__{{ staged.table }} as (
        select
            cast('{{ staged.system }}' as {{ dbt.type_string() }}) as source_system,
            cast('{{ staged.table }}' as {{ dbt.type_string() }}) as source_table,
            cast({{ staged.key }} as {{ dbt.type_string() }}) as source_key,
            rejection_reason,
            _loaded_at
        from {{ ref('base_' ~ staged.system ~ '__' ~ staged.table) }}
        where rejection_reason is not null
    ),

    {% if staged.foreign_keys %}
        {{ staged.system }}__{{ staged.table }}__orphans as (
            {{ revops.validated(staged.system, staged.table, rejected=true) }}
        ),
    {% endif %}

{% endfor %}
final as (
    {% for staged in revops.staging_tables() %}
        select * from {{ staged.system }}__{{ staged.table }}
        {% if staged.foreign_keys %}
            union all
            select * from {{ staged.system }}__{{ staged.table }}__orphans
        {% endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
