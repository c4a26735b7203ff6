{#- Type names on Spark. The marts' contracts name their column types as DuckDB and PostgreSQL
    spell them (`varchar`, `double precision`), and dbt checks a contract by casting null to each
    named type; Spark has neither name (its `varchar` needs a length). dbt.cast on Spark therefore
    translates the few names that differ, so one contract serves every engine; any other name is
    passed through as written. -#}
{% macro spark_type_name(data_type) -%}
    {%- set spelled = data_type | trim | lower -%}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {{- spark_names.get(spelled, data_type) -}}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}
