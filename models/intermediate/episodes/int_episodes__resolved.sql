{#- One row per episode with its contact history and whether and when its need was resolved:
    by the bot (a bot-only chat reporting 'resolved'), else by the final state of the case(s) the
    agents linked. See DECISIONLOG "When is a need resolved".
    Incremental: a run rebuilds the episodes of the customers with new or changed data, cases
    included (DECISIONLOG "Incremental runs"). -#}
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
        where customer_id in ({{ incremental_rebuild_scope('(select max(last_contact_at) from ' ~ this ~ ')') }})
        or {{ incremental_definitions_changed([
            ('episode_definition_version', active_registry_value("'contact_episode'", 'version')),
        ]) }}
    {%- endif %}
),

cases as (
    select * from {{ ref('stg_salesforce__cases') }}
    where not is_deleted
),

episode_cases as (
    select distinct
        episode_id,
        case_id
    from episode_chains
    where case_id is not null
),

case_resolution as (
    select
        episode_cases.episode_id,
        count(*) as linked_case_count,
        cast(sum(case when cases.is_resolved then 1 else 0 end) as {{ dbt.type_bigint() }}) as resolved_case_count,
        max(cases.closed_at) as last_case_closed_at
    from episode_cases
    left join cases
        on episode_cases.case_id = cases.case_id
    group by episode_cases.episode_id
),

-- Aggregates over numbers and times only; the episode's dimensions are those of its first chain
-- (customer, intent and the customer's region and segment are the same on every chain).
episode_summary as (
    select
        episode_id,
        count(*) as chain_count,
        cast(sum(leg_count) as {{ dbt.type_bigint() }}) as contact_count,
        cast(sum(transfer_count) as {{ dbt.type_bigint() }}) as transfer_count,
        count(assisted_sequence) as assisted_chain_count,
        min(started_at) as first_contact_at,
        max(started_at) as last_contact_at,
        max(case when assisted_sequence = 1 then started_at end) as first_assisted_at,
        max(case when assisted_sequence = 2 then started_at end) as second_assisted_at,
        min(case when is_bot_only and bot_outcome = 'resolved' then ended_at end) as bot_resolved_at
    from episode_chains
    group by episode_id
),

first_chains as (
    select
        episode_id,
        customer_id,
        customer_identity_source,
        intent,
        region,
        segment,
        channel as first_channel,
        episode_definition_version
    from episode_chains
    where chain_sequence = 1
),

joined as (
    select
        first_chains.*,
        episode_summary.chain_count,
        episode_summary.contact_count,
        episode_summary.transfer_count,
        episode_summary.assisted_chain_count,
        episode_summary.first_contact_at,
        episode_summary.last_contact_at,
        episode_summary.first_assisted_at,
        episode_summary.second_assisted_at,
        episode_summary.bot_resolved_at,
        coalesce(case_resolution.linked_case_count, 0) as linked_case_count,
        case
            when case_resolution.linked_case_count > 0
                and case_resolution.resolved_case_count = case_resolution.linked_case_count
                -- A case closed before the episode's first contact the estate holds resolved
                -- contacts it does not hold (a chat missing from a call log): not this episode's
                -- resolution; see README "What changes with a legacy ACD".
                and case_resolution.last_case_closed_at >= episode_summary.first_contact_at
                then case_resolution.last_case_closed_at
        end as case_resolved_at
    from episode_summary
    inner join first_chains
        on episode_summary.episode_id = first_chains.episode_id
    left join case_resolution
        on episode_summary.episode_id = case_resolution.episode_id
),

final as (
    select
        -- ids
        episode_id,
        customer_id,

        -- dimensions
        customer_identity_source,
        intent,
        region,
        segment,
        first_channel,

        -- contact history
        chain_count,
        contact_count,
        transfer_count,
        assisted_chain_count,
        linked_case_count,

        -- resolution
        coalesce(bot_resolved_at, case_resolved_at) is not null as is_resolved,
        bot_resolved_at is not null and assisted_chain_count = 0 as is_contained,
        case
            when bot_resolved_at is not null then 'bot'
            when case_resolved_at is not null then 'case'
        end as resolved_by,

        -- timestamps (UTC)
        first_contact_at,
        last_contact_at,
        first_assisted_at,
        second_assisted_at,
        coalesce(bot_resolved_at, case_resolved_at) as resolved_at,

        -- definition version
        episode_definition_version
    from joined
)

select * from final
