{#- Every raw row staging rejected, with the hard rule it failed: nothing is silently lost
    (raw rows = accepted + rejected, per table; tests/dbt/assert_raw_rows_reconcile.sql). -#}
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

{% endfor %}
final as (
    {% for staged in revops.staging_tables() %}
        select * from {{ staged.system }}__{{ staged.table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
