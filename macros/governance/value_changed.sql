{#- Null-safe "the value differs from the previous one" (null to a value, and back, is a change),
    written without IS DISTINCT FROM so every engine and linter reads it. -#}
{% macro value_changed(current, previous) -%}
    (
        {{ current }} <> {{ previous }}
        or ({{ current }} is null) <> ({{ previous }} is null)
    )
{%- endmacro %}
