{#- ISO day of the week of a date, as a bigint: 1 Monday to 7 Sunday (region_calendars.weekday
    uses the same numbering). Spark names the field dow_iso where DuckDB and PostgreSQL say isodow. -#}
{% macro iso_weekday(date_expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'service_outcomes')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro spark__iso_weekday(date_expr) -%}
    cast(extract(dow_iso from {{ date_expr }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
