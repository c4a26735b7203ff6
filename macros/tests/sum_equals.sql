{#- Conservation between a mart and the relation it aggregates: fails when the column's total over
    the model (optionally filtered by where) differs from compare_expression, an aggregate over
    compare_model (optionally filtered by compare_where). compare_expression defaults to
    sum(<column>); use count(*) to compare with a row count. compare_model is ref('...') or just
    the model's name: with the name, the test refs the model itself, so dbt lists the tested model
    first among the test's dependencies and coverage tools (dbt-coverage) credit the test to this
    column rather than to the compared model. -#}
{% test sum_equals(model, column_name, compare_model, compare_expression=none, where=none, compare_where=none) %}
    {%- set compare_relation = ref(compare_model) if compare_model is string else compare_model %}
    with model_total as (
        select coalesce(sum({{ column_name }}), 0) as total
        from {{ model }}
        {%- if where %} where {{ where }}{% endif %}
    ),

    compare_total as (
        select coalesce({{ compare_expression or 'sum(' ~ column_name ~ ')' }}, 0) as total
        from {{ compare_relation }}
        {%- if compare_where %} where {{ compare_where }}{% endif %}
    )

    select
        model_total.total as model_total,
        compare_total.total as compare_total
    from model_total
    cross join compare_total
    where model_total.total <> compare_total.total
{% endtest %}
