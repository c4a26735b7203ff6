{#- dbt.datediff on PostgreSQL builds 'hour', 'minute' and 'second' differences from date_part,
    which is double precision; DuckDB's date_diff is a bigint. This override (dispatch looks in
    the root project first) counts the same thing DuckDB counts, the unit boundaries crossed
    between the two values, as a bigint, so the marts' integer contracts hold on both engines
    ('month' counts calendar-month boundaries, as DuckDB does).
    Only the parts the project uses are supported; any other part stops the compilation. -#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    {%- set seconds_per_unit = {'hour': 3600, 'minute': 60, 'second': 1} -%}
    {%- if datepart == 'day' -%}
        cast(cast({{ second_date }} as date) - cast({{ first_date }} as date) as {{ dbt.type_bigint() }})
    {%- elif datepart == 'month' -%}
        cast(
            (extract(year from {{ second_date }}) * 12 + extract(month from {{ second_date }}))
            - (extract(year from {{ first_date }}) * 12 + extract(month from {{ first_date }}))
            as {{ dbt.type_bigint() }}
        )
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

{#- dbt-spark's datediff rounds 'hour', 'minute' and 'second' differences of the elapsed seconds
    up (ceil), where DuckDB counts the unit boundaries crossed; on Spark this override counts the
    boundaries, as a bigint, from the seconds since the epoch (session time zone UTC). 'day',
    'month' and 'year' count calendar boundaries too (dbt-spark's 'month' uses months_between). -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set seconds_per_unit = {'hour': 3600, 'minute': 60, 'second': 1} -%}
    {%- if datepart == 'day' -%}
        cast(datediff(cast({{ second_date }} as date), cast({{ first_date }} as date)) as {{ dbt.type_bigint() }})
    {%- elif datepart == 'month' -%}
        cast(
            (year({{ second_date }}) * 12 + month({{ second_date }}))
            - (year({{ first_date }}) * 12 + month({{ first_date }}))
            as {{ dbt.type_bigint() }}
        )
    {%- elif datepart == 'year' -%}
        cast(year({{ second_date }}) - year({{ first_date }}) as {{ dbt.type_bigint() }})
    {%- elif datepart in seconds_per_unit -%}
        {%- set unit = seconds_per_unit[datepart] -%}
        cast(
            floor(unix_seconds(cast({{ second_date }} as timestamp)) / {{ unit }})
            - floor(unix_seconds(cast({{ first_date }} as timestamp)) / {{ unit }})
            as {{ dbt.type_bigint() }}
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff on spark: unsupported part " ~ datepart) }}
    {%- endif -%}
{%- endmacro %}
