{#- Small normalisations shared by the staging base models. Each takes a column name (or
    an expression) and returns an expression; all are plain SQL that every adapter runs. -#}

{#- Text with surrounding whitespace removed; an empty string becomes null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{#- A code from a fixed vocabulary (status, type, source ...): trimmed, lowercase, empty -> null. -#}
{% macro clean_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}


{#- An ISO code (currency, country): trimmed, uppercase, empty -> null. -#}
{% macro clean_iso_code(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}


{#- An email address as people type it, normalised for matching: trimmed and lowercase. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}


{#- The domain of an already-normalised email (the part after the @), or null. -#}
{% macro email_domain(email_column) -%}
    case
        when {{ email_column }} like '%@%'
            then nullif({{ dbt.split_part(email_column, "'@'", 2) }}, '')
    end
{%- endmacro %}
