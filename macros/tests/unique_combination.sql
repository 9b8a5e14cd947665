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
