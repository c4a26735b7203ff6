{#- Text value at a path inside a JSON document held as text; null when the path is absent.
    path is a list of object keys, e.g. ['Agent', 'Username']. -#}
{% macro json_text(json_column, path) -%}
    {{ return(adapter.dispatch('json_text', 'service_outcomes')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_text(json_column, path) -%}
    json_extract_string({{ json_column }}, '$.{{ path | join(".") }}')
{%- endmacro %}

{% macro postgres__json_text(json_column, path) -%}
    (cast({{ json_column }} as jsonb) #>> '{ {{- path | join(",") -}} }')
{%- endmacro %}

{% macro spark__json_text(json_column, path) -%}
    get_json_object({{ json_column }}, '$.{{ path | join(".") }}')
{%- endmacro %}
