{#- A column that only has a value in some cases: fails with every row where the column is null
    but the condition does not hold, or holds a value although the condition does (for example,
    resolution_seconds is null exactly when the episode is not resolved). A null condition counts
    as false. -#}
{% test null_exactly_when(model, column_name, condition) %}
    select *
    from {{ model }}
    where ({{ column_name }} is null) <> coalesce({{ condition }}, false)
{% endtest %}
