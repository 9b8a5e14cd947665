{#- A keyed SHA-256 of text, as hex: what BI tools join and count people by instead of
    their e-mail. The key is the secret in the environment variable REVOPS_EMAIL_HASH_KEY
    (the same on every build, or hashes change); without it the hash is a plain SHA-256,
    which anyone can reverse with a dictionary of addresses, and `revops build` says so.
    The key is part of the SQL dbt compiles into target/: keep target/ private. -#}
{% macro keyed_hash(expression) -%}
    {%- set key = revops.string_literal(env_var('REVOPS_EMAIL_HASH_KEY', '')) -%}
    {{ return(adapter.dispatch('keyed_hash', 'revops')(key ~ ' || ' ~ expression)) }}
{%- endmacro %}

{% macro default__keyed_hash(text) -%}
    {{ dbt.hash(text) }}
{%- endmacro %}

{% macro duckdb__keyed_hash(text) -%}
    sha256({{ text }})
{%- endmacro %}

{% macro postgres__keyed_hash(text) -%}
    encode(sha256(convert_to({{ text }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__keyed_hash(text) -%}
    sha2({{ text }}, 256)
{%- endmacro %}


{#- Text as a SQL string literal of the target's dialect (Spark reads backslash escapes). -#}
{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal', 'revops')(text)) }}
{%- endmacro %}

{% macro default__string_literal(text) -%}
    {{ return("'" ~ (text | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    {{ return("'" ~ (text | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}
