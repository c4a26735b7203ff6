{#- One row per in-scope contact chain (a contact and its transfers): whether it was assisted and
    whether it was a repeat of an earlier assisted chain in the same episode. -#}
with

episode_chains as (
    select * from {{ ref('int_episodes__sessionised') }}
),

repeat_definition as (
    select
        version as repeat_definition_version,
        window_days as repeat_window_days
    from {{ ref('metric_registry') }}
    where metric_id = 'repeat_contact_rate' and status = 'active'
),

assisted_chains as (
    select
        contact_chain_id,
        row_number() over (partition by episode_id order by started_at, contact_chain_id) as assisted_sequence,
        lag(started_at) over (partition by episode_id order by started_at, contact_chain_id)
            as previous_assisted_started_at
    from episode_chains
    where is_assisted
),

-- See DECISIONLOG "Repeat contact".
repeat_evaluated as (
    select
        episode_chains.*,
        assisted_chains.assisted_sequence,
        assisted_chains.previous_assisted_started_at,
        repeat_definition.repeat_definition_version,
        repeat_definition.repeat_window_days,
        coalesce(
            {{ dbt.datediff('assisted_chains.previous_assisted_started_at', 'episode_chains.started_at', 'second') }}
            <= repeat_definition.repeat_window_days * 86400,
            false
        ) as is_repeat
    from episode_chains
    left join assisted_chains
        on episode_chains.contact_chain_id = assisted_chains.contact_chain_id
    cross join repeat_definition
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
        repeat_window_days
    from repeat_evaluated
)

select * from final
