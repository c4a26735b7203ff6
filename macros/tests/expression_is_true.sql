{#- Fails with every row (or every group, when group_by is given) for which the SQL expression is
    not true. A null result counts as a failure: a rule that cannot be evaluated is not met.
    Placed under a column, the test documents and covers that column; the expression is still
    written in full (column_name is not prepended to it). group_by: [] checks one aggregate
    expression over the whole model (every engine; grouping by a constant is not portable). -#}
{% test expression_is_true(model, expression, column_name=none, group_by=none, where=none) %}
    {%- if group_by is not none %}
    select
        {{ (group_by or ['count(*) as row_count']) | join(', ') }}
    from {{ model }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    {%- if group_by %}
    group by {{ group_by | join(', ') }}
    {%- endif %}
    having not coalesce({{ expression }}, false)
    {%- else %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
    {%- if where %}
        and ({{ where }})
    {%- endif %}
    {%- endif %}
{% endtest %}
