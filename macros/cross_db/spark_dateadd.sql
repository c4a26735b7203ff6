{#- dbt-spark's dateadd multiplies the interval expression into the SQL without parentheses, so an
    interval written as a sum ("hours * 60 + minutes") is added wrongly, and it adds hours, minutes
    and seconds through Unix seconds. Spark's own timestampadd adds the calendar or clock unit to a
    date or timestamp and returns a timestamp, as dbt.dateadd does on DuckDB and PostgreSQL. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- if datepart | lower not in ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'] -%}
        {{ exceptions.raise_compiler_error("dateadd on spark: unsupported part " ~ datepart) }}
    {%- endif -%}
    timestampadd({{ datepart | upper }}, cast(({{ interval }}) as {{ dbt.type_bigint() }}), {{ from_date_or_timestamp }})
{%- endmacro %}
