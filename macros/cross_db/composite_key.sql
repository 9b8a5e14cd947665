{#- A key made of several columns: each as text, joined by '|', a null part as ''. The same
    text on every engine (dates as yyyy-mm-dd). -#}
{% macro composite_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first %}{% do parts.append("'|'") %}{% endif -%}
        {%- do parts.append("coalesce(" ~ dbt.cast(column, dbt.type_string()) ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
