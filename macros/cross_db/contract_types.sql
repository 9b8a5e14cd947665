{#- The model contracts declare column types by their SQL-standard names (varchar, double
    precision, integer, decimal(18,2) ...), which DuckDB and PostgreSQL read as written.
    dbt checks a contract by casting null to each declared type (dbt.cast), so on Spark,
    which has no `varchar` without a length and no `double precision`, the names are read
    as their Spark equivalents here. dbt_project.yml's dispatch puts this project before
    dbt for the `dbt` namespace, so dbt.cast finds spark__cast. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ revops.spark_type(type) }})
{%- endmacro %}

{% macro spark_type(type) -%}
    {%- set name = type | trim | lower -%}
    {%- set names = {
        'varchar': 'string',
        'text': 'string',
        'character varying': 'string',
        'double precision': 'double',
        'float8': 'double',
        'real': 'float',
        'float4': 'float',
        'integer': 'int',
        'int4': 'int',
        'int8': 'bigint',
        'bool': 'boolean',
    } -%}
    {{- names.get(name, type) -}}
{%- endmacro %}
