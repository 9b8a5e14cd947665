{#- Text to a UTC timestamp, or null when the text does not parse, so staging can reject
    the row instead of failing the build. Offsets in the text (+02:00, Z) are honoured;
    text without an offset is taken as UTC. The result is a timestamp without time zone.

    DuckDB, PostgreSQL and Spark give the same result for the ISO 8601 shapes loaders write
    (2025-03-04, 2025-03-04T10:15, 2025-03-04 10:15:00.123, with an optional offset Z, +01,
    +0100 or +01:00, at most 14 hours) and null for anything else: an impossible calendar
    date, a five-digit year, an offset of +25:00, the words 'epoch' and 'infinity' DuckDB's
    own cast would read (tests/engines/ holds them to it). -#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'revops')(revops.as_text(column))) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    cast(nullif(trim({{ column }}), '') as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_timestamp(column) -%}
    case
        when regexp_matches(trim({{ column }}), '{{ revops._iso_timestamp_regex() }}')
            then timezone('UTC', try_cast(trim({{ column }}) as timestamptz))
    end
{%- endmacro %}

{#- PostgreSQL has no try_cast (and 15 no pg_input_is_valid): cast only text that has an
    ISO shape and a real calendar date, so a bad value is null instead of an error. CASE
    evaluates its branches in order, so the casts never see text the guards refused. -#}
{% macro postgres__parse_timestamp(column) -%}
    {%- set text = 'trim(' ~ column ~ ')' -%}
    case
        when {{ text }} ~ '{{ revops._iso_timestamp_regex() }}'
            then case
                when {{ revops._iso_calendar_date_is_valid(text) }}
                    then case
                        when {{ text }} ~ '{{ revops._iso_timestamp_regex(offset_required=true) }}'
                            then cast(cast({{ text }} as timestamptz) at time zone 'UTC' as timestamp)
                        else cast({{ text }} as timestamp)
                    end
            end
    end
{%- endmacro %}

{#- Spark's try_cast reads the same ISO shapes as DuckDB and returns null for impossible
    dates; it also reads '2025' or '2025-03' (refused by the guard) and refuses 24:00,
    which DuckDB reads as midnight of the next day. -#}
{% macro spark__parse_timestamp(column) -%}
    {%- set text = 'trim(' ~ column ~ ')' -%}
    case
        when {{ text }} rlike '{{ revops._iso_timestamp_regex() }}'
            then coalesce(
                try_cast({{ text }} as timestamp),
                try_cast(
                    regexp_replace({{ text }}, '[T ]24:00(:00([.]0+)?)?', 'T00:00:00') as timestamp
                ) + interval 1 day
            )
    end
{%- endmacro %}


{#- Text to a date, or null when it does not parse. Text holding a timestamp gives the
    date as written (its offset is not applied), as DuckDB's cast does. -#}
{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date', 'revops')(revops.as_text(column))) }}
{%- endmacro %}

{% macro default__parse_date(column) -%}
    cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}

{% macro duckdb__parse_date(column) -%}
    case
        when regexp_matches(trim({{ column }}), '{{ revops._iso_timestamp_regex() }}')
            then try_cast(trim({{ column }}) as date)
    end
{%- endmacro %}

{% macro postgres__parse_date(column) -%}
    {%- set text = 'trim(' ~ column ~ ')' -%}
    case
        when {{ text }} ~ '{{ revops._iso_timestamp_regex() }}'
            then case
                when {{ revops._iso_calendar_date_is_valid(text) }}
                    then cast(substring({{ text }} from '{{ revops._iso_date_regex() }}') as date)
            end
    end
{%- endmacro %}

{% macro spark__parse_date(column) -%}
    {%- set text = 'trim(' ~ column ~ ')' -%}
    case
        when {{ text }} rlike '{{ revops._iso_timestamp_regex() }}'
            then try_cast(regexp_extract({{ text }}, '{{ revops._iso_date_regex() }}', 0) as date)
    end
{%- endmacro %}


{#- True when the raw text holds something that did not parse (empty text is missing, not bad). -#}
{% macro is_unparseable(raw_column, parsed_column) -%}
    ({{ raw_column }} is not null and trim({{ revops.as_text(raw_column) }}) <> '' and {{ parsed_column }} is null)
{%- endmacro %}


{#- A raw date or timestamp column as text, whether the loader typed it (a connector's
    TIMESTAMP, TIMESTAMPTZ or DATE: its text is ISO 8601, with the offset a TIMESTAMPTZ
    shows in the session's time zone) or wrote it as text. -#}
{% macro as_text(column) -%}
    cast({{ column }} as {{ revops.type_varchar() }})
{%- endmacro %}


{#- A regular expression for the ISO 8601 shapes above: the date, then optionally a time
    of day (00:00 to 23:59:59.999999, or 24:00), then optionally an offset of at most 14
    hours (required with offset_required). POSIX, RE2 and Java read it alike; it has no backslash, which Spark's
    string literals would eat. Field ranges of the date are checked by
    _iso_calendar_date_is_valid, which a regular expression does badly. -#}
{% macro _iso_timestamp_regex(offset_required=false) -%}
    {%- set date = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}' -%}
    {%- set time = '(([01]?[0-9]|2[0-3]):[0-5]?[0-9](:[0-5][0-9]([.][0-9]+)?)?|24:00(:00([.]0+)?)?)' -%}
    {%- set offset = '(Z|[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?)' -%}
    {%- if offset_required -%}
        ^{{ date }}[T ]{{ time }}{{ offset }}$
    {%- else -%}
        ^{{ date }}([T ]{{ time }}{{ offset }}?)?$
    {%- endif -%}
{%- endmacro %}


{#- The date at the start of an ISO 8601 text. -#}
{% macro _iso_date_regex() -%}^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}{%- endmacro %}


{#- True when text that matched _iso_timestamp_regex starts with a real calendar date
    (month 1-12, a day that month has, 29 February in leap years only). -#}
{% macro _iso_calendar_date_is_valid(text) -%}
    {%- set date = "substring(" ~ text ~ " from '" ~ revops._iso_date_regex() ~ "')" -%}
    {%- set year = "cast(split_part(" ~ date ~ ", '-', 1) as integer)" -%}
    {%- set month = "cast(split_part(" ~ date ~ ", '-', 2) as integer)" -%}
    {%- set day = "cast(split_part(" ~ date ~ ", '-', 3) as integer)" -%}
    (
        {{ year }} >= 1
        and {{ month }} between 1 and 12
        and {{ day }} between 1 and case
            when {{ month }} in (4, 6, 9, 11) then 30
            when {{ month }} <> 2 then 31
            when mod({{ year }}, 4) = 0 and (mod({{ year }}, 100) <> 0 or mod({{ year }}, 400) = 0)
                then 29
            else 28
        end
    )
{%- endmacro %}
