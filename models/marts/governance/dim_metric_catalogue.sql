{#- The metric catalogue: one row per metric with its current (active) definition, where it came
    from and what is proposed next. The registry seed is the source; this is its reader's view. -#}
with

registry as (
    select * from {{ ref('metric_registry') }}
),

versions as (
    select * from {{ ref('int_metric_versions__ranged') }}
),

changes as (
    select * from {{ ref('fct_metric_definition_changes') }}
),

version_summary as (
    select
        metric_id,
        count(*) as version_count,
        min(effective_from) as first_effective_from
    from versions
    group by metric_id
),

change_summary as (
    select
        metric_id,
        count(*) as recorded_change_count,
        max(valid_from) as last_changed_at,
        sum(case when breaks_comparability then 1 else 0 end) as comparability_breach_count
    from changes
    group by metric_id
),

proposals as (
    select
        metric_id,
        version as proposed_version,
        window_days as proposed_window_days,
        threshold as proposed_threshold,
        effective_from as proposed_effective_from,
        change_reason as proposed_change_reason
    from registry
    where status = 'proposed'
),

final as (
    select
        -- keys
        registry.metric_id,
        registry.version as active_version,

        -- the current definition
        registry.metric_name,
        registry.lens,
        registry.tier,
        registry.unit,
        registry.grain,
        registry.direction_of_good,
        registry.definition,
        registry.numerator,
        registry.denominator,
        registry.filters,
        registry.window_days,
        registry.threshold,
        registry.minimum_volume,

        -- stewardship
        registry.owner,
        registry.source_of_truth,
        registry.effective_from as active_since,
        registry.change_reason,

        -- history and what is next
        version_summary.version_count,
        version_summary.first_effective_from,
        cast(coalesce(change_summary.recorded_change_count, 0) as {{ dbt.type_bigint() }}) as recorded_change_count,
        change_summary.last_changed_at,
        cast(coalesce(change_summary.comparability_breach_count, 0) as {{ dbt.type_bigint() }})
            as comparability_breach_count,
        proposals.proposed_version,
        proposals.proposed_window_days,
        proposals.proposed_threshold,
        proposals.proposed_effective_from,
        proposals.proposed_change_reason
    from registry
    inner join version_summary
        on registry.metric_id = version_summary.metric_id
    left join change_summary
        on registry.metric_id = change_summary.metric_id
    left join proposals
        on registry.metric_id = proposals.metric_id
    where registry.status = 'active'
)

select * from final
