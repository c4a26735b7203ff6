{#- Every match of a regular expression in a text replaced. pattern and replacement are given as
    the regular expression and text themselves (no SQL quotes); the macro writes them as each
    engine's string literal. DuckDB and PostgreSQL replace every match with the 'g' flag and read
    a backslash in a literal as itself; Spark always replaces every match, takes a fourth argument
    as a start position, and reads a backslash in a literal as an escape, so it is doubled. -#}
{% macro regexp_replace_all(text_expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'service_outcomes')(text_expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text_expr, pattern, replacement) -%}
    regexp_replace({{ text_expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(text_expr, pattern, replacement) -%}
    regexp_replace(
        {{ text_expr }}, '{{ pattern | replace("\\", "\\\\") }}', '{{ replacement | replace("\\", "\\\\") }}'
    )
{%- endmacro %}
