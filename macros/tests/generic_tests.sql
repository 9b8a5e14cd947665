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
