{#- dbt-spark's listagg collects a list and joins it, dropping the order_by_clause with a warning,
    so the joined text would come out in whatever order Spark met the rows. Spark 4 has the
    standard LISTAGG ... WITHIN GROUP (ORDER BY ...): the same text, in the same order, as on
    DuckDB and PostgreSQL, and null when no value is present. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg on spark: limit_num is not supported") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
