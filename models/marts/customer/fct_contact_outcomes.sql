{#- One row per in-scope contact chain (a contact and its transfers): whether it was assisted,
    whether it was a repeat of an earlier assisted chain in the same episode, and the parts of the
    drivers (authentication, knowledge accuracy, desktop latency, transfers) and of service level.
    Incremental: a run rebuilds the chains of the customers with new or changed data, and every
    chain when a definition version changed (DECISIONLOG "Incremental runs"). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
) }}
{{ incremental_rebuild_dependencies() }}
with

episode_chains as (
    select * from {{ ref('int_episodes__sessionised') }}
    {%- if is_incremental() %}
        where customer_id in ({{ incremental_rebuild_scope('(select max(started_at) from ' ~ this ~ ')') }})
        or {{ incremental_definitions_changed([
            ('episode_definition_version', active_registry_value("'contact_episode'", 'version')),
            ('repeat_definition_version', active_registry_value("'repeat_contact_rate'", 'version')),
            ('repeat_window_days', active_registry_value("'repeat_contact_rate'", 'window_days')),
            ('slow_desktop_threshold_ms',
                'cast((' ~ active_registry_value("'slow_desktop_rate'", 'threshold') ~ ') as integer)'),
            ('service_level_threshold_seconds',
                'cast((' ~ active_registry_value("'service_level_' || built.channel", 'threshold') ~ ') as integer)'),
            ('service_level_definition_version',
                active_registry_value("'service_level_' || built.channel", 'version')),
        ]) }}
    {%- endif %}
),

chain_drivers as (
    select * from {{ ref('int_contacts__chained') }}
    where is_in_scope
),

repeat_definition as (
    select
        version as repeat_definition_version,
        window_days as repeat_window_days
    from {{ ref('metric_registry') }}
    where metric_id = 'repeat_contact_rate' and status = 'active'
),

-- See DECISIONLOG "Repeat contact": judged against the episode's previous assisted chain
-- (int_episodes__sessionised numbers the assisted chains).
repeat_evaluated as (
    select
        episode_chains.*,
        repeat_definition.repeat_definition_version,
        repeat_definition.repeat_window_days,
        {{ is_repeat_chain(
            'episode_chains.previous_assisted_started_at', 'episode_chains.started_at',
            'repeat_definition.repeat_window_days'
        ) }} as is_repeat
    from episode_chains
    cross join repeat_definition
),

-- See DECISIONLOG "Drivers" and "Service level".
with_drivers as (
    select
        repeat_evaluated.*,
        chain_drivers.source_system,
        chain_drivers.auth_result,
        chain_drivers.article_use_count,
        chain_drivers.accurate_article_use_count,
        chain_drivers.latency_measured_leg_count,
        chain_drivers.desktop_latency_ms_sum,
        chain_drivers.slow_desktop_leg_count,
        chain_drivers.queued_leg_count,
        chain_drivers.short_abandon_leg_count,
        chain_drivers.service_level_offered_count,
        chain_drivers.answered_within_threshold_count,
        chain_drivers.slow_desktop_threshold_ms,
        chain_drivers.service_level_threshold_seconds,
        chain_drivers.service_level_definition_version
    from repeat_evaluated
    left join chain_drivers
        on repeat_evaluated.contact_chain_id = chain_drivers.contact_chain_id
),

final as (
    select
        -- ids
        contact_chain_id,
        episode_id,
        customer_id,
        case_id,

        -- dimensions
        channel,
        intent,
        region,
        segment,
        bot_outcome,
        source_system,
        customer_identity_source,
        cast(started_at as date) as contact_date,

        -- flags
        is_assisted,
        is_bot_only,
        has_abandoned_leg,

        -- sequence
        chain_sequence,
        assisted_sequence,

        -- repeat contact parts
        case when is_repeat then 1 else 0 end as repeat_numerator,
        case when is_assisted then 1 else 0 end as repeat_denominator,

        -- driver parts: authentication (first leg)
        auth_result,
        case when auth_result in ('passed', 'failed') then 1 else 0 end as auth_attempted_count,
        case when auth_result = 'passed' then 1 else 0 end as auth_passed_count,

        -- driver parts: knowledge accuracy (article uses on assisted legs)
        coalesce(article_use_count, 0) as article_use_count,
        coalesce(accurate_article_use_count, 0) as accurate_article_use_count,

        -- driver parts: agent desktop latency (assisted legs)
        coalesce(latency_measured_leg_count, 0) as latency_measured_leg_count,
        coalesce(desktop_latency_ms_sum, 0) as desktop_latency_ms_sum,
        coalesce(slow_desktop_leg_count, 0) as slow_desktop_leg_count,

        -- driver parts: transfers (assisted chains)
        case when is_assisted and transfer_count > 0 then 1 else 0 end as transfer_numerator,
        case when is_assisted then 1 else 0 end as transfer_denominator,

        -- service level parts (queued legs; operational control)
        coalesce(queued_leg_count, 0) as queued_leg_count,
        coalesce(short_abandon_leg_count, 0) as short_abandon_leg_count,
        coalesce(service_level_offered_count, 0) as service_level_offered_count,
        coalesce(answered_within_threshold_count, 0) as answered_within_threshold_count,

        -- measures
        leg_count,
        transfer_count,
        agent_interaction_seconds,
        customer_hold_seconds,
        after_contact_work_seconds,

        -- timestamps (UTC)
        started_at,
        ended_at,
        previous_assisted_started_at,

        -- definition versions
        episode_definition_version,
        repeat_definition_version,
        repeat_window_days,
        cast(slow_desktop_threshold_ms as integer) as slow_desktop_threshold_ms,
        cast(service_level_threshold_seconds as integer) as service_level_threshold_seconds,
        service_level_definition_version
    from with_drivers
)

select * from final
