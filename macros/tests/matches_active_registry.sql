{#- Every figure carries the definition that produced it: fails with every row whose column is null
    or differs from the given field (version by default, or window_days, threshold, ...) of the
    metric's active row in the metric registry, and with every row when the metric does not have
    exactly one active row. -#}
{% test matches_active_registry(model, column_name, metric_id, registry_field='version') %}
    with tested as (
        select * from {{ model }}
    ),

    active_definition as (
        select {{ registry_field }} as registry_value
        from {{ ref('metric_registry') }}
        where metric_id = '{{ metric_id }}' and status = 'active'
    ),

    active_count as (
        select count(*) as active_rows
        from active_definition
    )

    select
        tested.{{ column_name }},
        active_count.active_rows
    from tested
    cross join active_count
    where
        tested.{{ column_name }} is null
        or active_count.active_rows <> 1
        or not exists (
            select 1
            from active_definition
            where active_definition.registry_value = tested.{{ column_name }}
        )
{% endtest %}
