{#- A folder's +schema is the schema's whole name (staging, marts, ...), not a suffix of
    the target schema: BI tools and the metrics layer read fixed schema names. While
    `revops build` builds the shadow of a PostgreSQL database (write-audit-publish), every
    such schema carries REVOPS_SCHEMA_SUFFIX; the publish renames them into place. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('REVOPS_SCHEMA_SUFFIX', '') }}
    {%- endif -%}
{%- endmacro %}
