{#- One row per metric and definition version, with the date range in which the version is (or was)
    the official one. Proposed versions are computed in parallel but never official, so they take no
    part in the ranges: their effective_from is the date they would take over if adopted. -#}
with

registry as (
    select * from {{ ref('metric_registry') }}
),

official_versions as (
    select
        metric_id,
        version,
        lead(effective_from) over (partition by metric_id order by version) as effective_to
    from registry
    where status in ('active', 'retired')
),

final as (
    select
        -- keys
        registry.metric_id,
        registry.version,

        -- descriptors
        registry.metric_name,
        registry.lens,
        registry.tier,
        registry.status,
        registry.owner,

        -- parameters
        registry.window_days,
        registry.threshold,
        registry.minimum_volume,

        -- validity (end exclusive; null while still official or never official)
        registry.effective_from,
        official_versions.effective_to,
        registry.status = 'active' as is_current_definition,
        registry.change_reason
    from registry
    left join official_versions
        on
            registry.metric_id = official_versions.metric_id
            and registry.version = official_versions.version
)

select * from final
