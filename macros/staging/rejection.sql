{#- Building blocks of the hard rules staging applies (revops_cli/contract/tables.py,
    REJECTION_REASONS). Each base model spells out its own `case` over these, in the
    contract's order, so the rules of a table can be read in one place; then
    keep_latest_valid decides which copy of a key is kept. -#}

{#- The last step of a base model: rank the copies of each key and give every row its
    rejection reason. `judged` is a relation with the key and `row_defect`, the first rule
    the row breaks on its own (null when it breaks none). The copy staging keeps is the
    latest *valid* one: a re-load with a bad field does not push out the older good copy,
    and a deletion (a valid latest state) does push out what came before it. Every other
    copy is rejected for its own defect, or as superseded when it has
    none. -#}
{% macro keep_latest_valid(judged, key, loaded_at='_loaded_at') -%}
    select
        ranked.*,
        case
            when ranked.row_defect is not null and ranked.row_defect <> 'deleted_in_source'
                then ranked.row_defect
            when ranked.key_rank > 1 then 'superseded'
            else ranked.row_defect
        end as rejection_reason
    from (
        select
            {{ judged }}.*,
            row_number() over (
                partition by {{ judged }}.{{ key }}
                order by
                    case
                        when
                            {{ judged }}.row_defect is null
                            or {{ judged }}.row_defect = 'deleted_in_source'
                            then 0
                        else 1
                    end,
                    {{ judged }}.{{ loaded_at }} desc nulls last
            ) as key_rank
        from {{ judged }}
    ) as ranked
{%- endmacro %}


{#- True when an event's own time is more than a day after the row was loaded: a time
    that cannot be right (a typo in the year, a clock in another century). -#}
{% macro is_after_load(column, loaded_at='_loaded_at') -%}
    ({{ column }} > {{ dbt.dateadd('day', 1, loaded_at) }})
{%- endmacro %}


{#- True when an amount is beyond what one row of a small company's books can hold (a
    trillion in its currency): a unit slip or a sentinel that would overflow the sums. -#}
{% macro is_out_of_range_amount(column) -%}
    (abs({{ column }}) >= 1000000000000)
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
