{#- Vendor boolean text ('true'/'false', 'True'/'False', '1'/'0') to boolean; empty is null. -#}
{% macro text_to_boolean(text_expr) -%}
    case
        when lower(trim({{ text_expr }})) in ('true', '1', 'yes') then true
        when lower(trim({{ text_expr }})) in ('false', '0', 'no') then false
    end
{%- endmacro %}
