{#- A column copied from another relation must carry the same value there: fails with every row
    whose value differs (null-safe) from the related row's column of the same name, or of
    related_column, joined on key. Pair with relationships to require the related row to exist. -#}
{% test matches_related_column(model, column_name, to, key, related_column=none) %}
    select
        model_rows.{{ key }},
        model_rows.{{ column_name }} as model_value,
        related_rows.{{ related_column or column_name }} as related_value
    from {{ model }} as model_rows
    left join {{ to }} as related_rows
        on model_rows.{{ key }} = related_rows.{{ key }}
    where model_rows.{{ column_name }} is distinct from related_rows.{{ related_column or column_name }}
{% endtest %}
