{#- A post-hook for every model (dbt_project.yml): refresh the planner's statistics of a
    table just built, on engines that do not keep them current themselves. PostgreSQL's
    autovacuum analyzes a new table only later, and a model built right after it would be
    planned from guesses. Views and other engines: nothing. -#}
{% macro analyze_relation() -%}
    {{ return(adapter.dispatch('analyze_relation', 'revops')()) }}
{%- endmacro %}

{% macro default__analyze_relation() -%}{%- endmacro %}

{% macro postgres__analyze_relation() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
