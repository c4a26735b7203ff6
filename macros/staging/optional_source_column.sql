{#- A column that older exports of a source lack (a custom field added to the org later): the
    column when the relation has it, else a typed null, so staging builds either way. -#}
{% macro optional_source_column(relation, qualifier, column_name, data_type=none) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == column_name | lower -%}
                {%- do present.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present -%}
        {{ qualifier }}.{{ column_name }}
    {%- else -%}
        cast(null as {{ data_type or dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
