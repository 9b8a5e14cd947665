{#- The shared definitions in force: vars.revops from dbt_project.yml, with any
    `revops_overrides` deep-merged on top. dbt's --vars replaces a top-level var whole, so a
    what-if run overrides one key without restating the rest:
        dbt build --vars '{revops_overrides: {lifecycle: {mql: {qualifying_actions: {min_score: 80}}}}}'
-#}
{% macro definitions() -%}
    {{ return(revops._deep_merge(var('revops'), var('revops_overrides', {}))) }}
{%- endmacro %}


{#- One definition by dotted path, e.g. definition('slas.lead_response_hours'). -#}
{% macro definition(path) -%}
    {%- set node = namespace(value=revops.definitions()) -%}
    {%- for key in path.split('.') -%}
        {%- if node.value is mapping and key in node.value -%}
            {%- set node.value = node.value[key] -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("revops definition '" ~ path ~ "' is not set (dbt_project.yml, vars.revops)") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(node.value) }}
{%- endmacro %}


{% macro _deep_merge(base, override) -%}
    {%- set merged = {} -%}
    {%- do merged.update(base) -%}
    {%- for key, value in (override or {}).items() -%}
        {%- if value is mapping and merged.get(key) is mapping -%}
            {%- do merged.update({key: revops._deep_merge(merged[key], value)}) -%}
        {%- else -%}
            {%- do merged.update({key: value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(merged) }}
{%- endmacro %}


{#- A SQL list literal of strings: ('a', 'b'). -#}
{% macro sql_list(values) -%}
    ({%- for v in values -%}'{{ v | replace("'", "''") }}'{%- if not loop.last %}, {% endif -%}{%- endfor -%})
{%- endmacro %}
