{#- The source system a raw row came from, read from the landing file it was loaded from.
    Files written by a mapping of another vendor's export are named after that system
    (`Case-2026-03-02--servicenow.csv`); files with no such suffix come from the feed's reference
    vendor (`reference_system`). -#}
{% macro source_system_of_file(file_column, reference_system) -%}
    coalesce(
        nullif({{ dbt.split_part(dbt.split_part(file_column, "'--'", 2), "'.'", 1) }}, ''),
        '{{ reference_system }}'
    )
{%- endmacro %}
