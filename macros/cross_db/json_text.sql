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

{#- Several paths of one JSON document read with a single parse, for a model that reads many:
    json_texts(json_column, paths) goes in one CTE (as, say, record_values), and
    json_text_of('record_values', paths, path) reads one path in a later one, with the value
    json_text would give. DuckDB parses the document once for the whole list (a separate
    json_text per path parses it once per path: 28 times for a Connect contact record). -#}
{% macro json_texts(json_column, paths) -%}
    {{ return(adapter.dispatch('json_texts', 'service_outcomes')(json_column, paths)) }}
{%- endmacro %}

{% macro default__json_texts(json_column, paths) -%}
    json_extract_string({{ json_column }}, [
        {%- for path in paths %}'$.{{ path | join(".") }}'{{ ", " if not loop.last }}{% endfor -%}
    ])
{%- endmacro %}

{% macro postgres__json_texts(json_column, paths) -%}
    cast({{ json_column }} as jsonb)
{%- endmacro %}

{% macro spark__json_texts(json_column, paths) -%}
    {{ json_column }}
{%- endmacro %}

{% macro json_text_of(values_column, paths, path) -%}
    {{ return(adapter.dispatch('json_text_of', 'service_outcomes')(values_column, paths, path)) }}
{%- endmacro %}

{% macro default__json_text_of(values_column, paths, path) -%}
    {%- if path not in paths -%}
        {{ exceptions.raise_compiler_error("json_text_of: path " ~ path ~ " is not in the list") }}
    {%- endif -%}
    {{ values_column }}[{{ paths.index(path) + 1 }}]
{%- endmacro %}

{% macro postgres__json_text_of(values_column, paths, path) -%}
    ({{ values_column }} #>> '{ {{- path | join(",") -}} }')
{%- endmacro %}

{% macro spark__json_text_of(values_column, paths, path) -%}
    get_json_object({{ values_column }}, '$.{{ path | join(".") }}')
{%- endmacro %}
