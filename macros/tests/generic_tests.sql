{#- A generic test: no two rows share the same values in ``columns`` (nulls count as a
    value, as a BI tool's key would). dbt_utils' unique_combination_of_columns, which the
    package hub would give, cannot be fetched here. -#}
{% test revops_unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as rows_with_these_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}


{#- A generic test: every value is null or one of the contract's rejection reasons
    (revops_cli/contract/tables.py, REJECTION_REASONS, listed in revops.rejection_reasons()). -#}
{% test revops_known_rejection_reason(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in {{ revops.sql_list(revops.rejection_reasons()) }}

{% endtest %}


{#- Rows in = rows out: every accepted row of `accepted` is a row of the mart, and the mart
    has no row the accepted relation does not (keys compared both ways). A failing row is a
    key lost on the way, or invented. -#}
{% test revops_reconciles_with(model, key, accepted, accepted_key=none) %}
    {%- set accepted_key = accepted_key or key %}
    select
        coalesce(mart.{{ key }}, source.{{ accepted_key }}) as key_value,
        case when mart.{{ key }} is null then 'lost' else 'invented' end as problem
    from {{ model }} as mart
    full outer join {{ accepted }} as source
        on mart.{{ key }} = source.{{ accepted_key }}
    where mart.{{ key }} is null or source.{{ accepted_key }} is null
{% endtest %}


{#- Rows in = rows out + rows explained, for a mart that merges rows: the merged counts
    (`column_name`, e.g. crm_record_count) add up to the accepted rows. -#}
{% test revops_merged_rows_add_up(model, column_name, accepted) %}
    select merged, arrived
    from (
        select
            (select coalesce(sum({{ column_name }}), 0) from {{ model }}) as merged,
            (select count(*) from {{ accepted }}) as arrived
    ) as counts
    where merged <> arrived
{% endtest %}


{#- A generic test on a converted mart's fx_rate: every row has a rate to the reporting
    currency for its month. A failing row names its key, its currency and its month, and
    the fix: add the rate to seeds/currency_rates.csv. -#}
{% test revops_has_fx_rate(model, column_name, key, month) %}
    select
        {{ key }},
        currency_code,
        {{ month }} as rate_month,
        'no rate in seeds/currency_rates.csv' as problem
    from {{ model }}
    where {{ column_name }} is null
{% endtest %}
