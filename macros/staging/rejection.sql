{#- Building blocks of the hard rules staging applies (revops_cli/contract/tables.py,
    REJECTION_REASONS). Each base model spells out its own `case` over these, in the
    contract's order, so the rules of a table can be read in one place. -#}

{#- 1 for the row of a key that staging keeps (the latest load), 2.. for the older copies
    (duplicate_key). Rows without a key rank among themselves; missing_key wins first. -#}
{% macro key_rank(key_expression, loaded_at='_loaded_at') -%}
    row_number() over (
        partition by {{ key_expression }}
        order by {{ loaded_at }} desc nulls last
    )
{%- endmacro %}


{#- True when a date column holds text that does not parse, or a required one is missing.
    Each name is the parsed column; its raw text is the same name with the suffix `_raw`. -#}
{% macro has_unparseable_date(columns, required=[]) -%}
    (
        {%- for column in columns %}
        {{ revops.is_unparseable(column ~ '_raw', column) }}
        {%- if not loop.last or required %} or{% endif %}
        {%- endfor %}
        {%- for column in required %}
        {{ column }} is null{% if not loop.last %} or{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
