{#- dbt.datediff on PostgreSQL builds 'hour', 'minute' and 'second' differences from date_part,
    which is double precision; DuckDB's date_diff is a bigint. This override (dispatch looks in
    the root project first) counts the same thing DuckDB counts, the unit boundaries crossed
    between the two values, as a bigint, so the marts' integer contracts hold on both engines.
    Only the parts the project uses are supported; any other part stops the compilation. -#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    {%- set seconds_per_unit = {'hour': 3600, 'minute': 60, 'second': 1} -%}
    {%- if datepart == 'day' -%}
        cast(cast({{ second_date }} as date) - cast({{ first_date }} as date) as {{ dbt.type_bigint() }})
    {%- elif datepart in seconds_per_unit -%}
        {%- set unit = seconds_per_unit[datepart] -%}
        cast(
            floor(extract(epoch from cast({{ second_date }} as timestamp)) / {{ unit }})
            - floor(extract(epoch from cast({{ first_date }} as timestamp)) / {{ unit }})
            as {{ dbt.type_bigint() }}
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff on postgres: unsupported part " ~ datepart) }}
    {%- endif -%}
{%- endmacro %}
