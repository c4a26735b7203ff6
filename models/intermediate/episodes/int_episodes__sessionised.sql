{#- The cross-channel contact timeline of each customer (bot chats, calls and chats in one
    sequence), with every in-scope contact chain assigned to an episode: the chains of one customer about one intent,
    where no two consecutive chains are further apart than the contact_episode window in the
    metric registry. See DECISIONLOG "Episodes".
    Incremental: a run rebuilds every chain of the customers with new or changed data (DECISIONLOG
    "Incremental runs"), so episodes that merge, split or gain a chain are replaced whole. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
) }}
{{ incremental_rebuild_dependencies() }}
with

chains as (
    select * from {{ ref('int_contacts__chained') }}
    where is_in_scope
    {%- if is_incremental() %}
        and (
            customer_id in ({{ incremental_rebuild_scope('(select max(started_at) from ' ~ this ~ ')') }})
            or {{ incremental_definitions_changed([
                ('episode_definition_version', active_registry_value("'contact_episode'", 'version')),
            ]) }}
        )
    {%- endif %}
),

episode_definition as (
    select
        version as episode_definition_version,
        window_days as episode_gap_days
    from {{ ref('metric_registry') }}
    where metric_id = 'contact_episode' and status = 'active'
),

-- The timeline is sessionised on narrow columns (chain, customer, intent, start) and the chains'
-- other columns are joined back once; see DECISIONLOG "Windows on narrow keys".
timeline as (
    select
        contact_chain_id,
        customer_id,
        intent,
        is_assisted,
        started_at
    from chains
),

with_previous as (
    select
        *,
        lag(started_at) over (
            partition by customer_id, intent
            order by started_at, contact_chain_id
        ) as previous_chain_started_at
    from timeline
),

episode_starts as (
    select
        with_previous.*,
        case
            when with_previous.previous_chain_started_at is null then 1
            when {{ dbt.datediff('with_previous.previous_chain_started_at', 'with_previous.started_at', 'second') }}
                > episode_definition.episode_gap_days * 86400 then 1
            else 0
        end as is_episode_start
    from with_previous
    cross join episode_definition
),

episode_numbered as (
    select
        *,
        sum(is_episode_start) over (
            partition by customer_id, intent
            order by started_at, contact_chain_id
            rows between unbounded preceding and current row
        ) as episode_number
    from episode_starts
),

with_episode_id as (
    select
        *,
        first_value(contact_chain_id) over (
            partition by customer_id, intent, episode_number
            order by started_at, contact_chain_id
            rows between unbounded preceding and unbounded following
        ) as episode_id
    from episode_numbered
),

-- Position on the customer's timeline and within the episode; among the episode's assisted chains,
-- the place of an assisted chain and the start of the assisted chain before it (bot chats and
-- abandoned calls in between are skipped). Starts only grow along the order, so the latest earlier
-- assisted start is the greatest. Cast: Spark's row_number() is a 4-byte int, DuckDB's a bigint.
sequenced as (
    select
        contact_chain_id,
        episode_id,
        cast(row_number() over (
            partition by customer_id order by started_at, contact_chain_id
        ) as {{ dbt.type_bigint() }}) as customer_chain_sequence,
        cast(row_number() over (
            partition by episode_id order by started_at, contact_chain_id
        ) as {{ dbt.type_bigint() }}) as chain_sequence,
        case
            when is_assisted
                then cast(
                        sum(case when is_assisted then 1 else 0 end) over (
                            partition by episode_id order by started_at, contact_chain_id
                            rows between unbounded preceding and current row
                        ) as {{ dbt.type_bigint() }}
                    )
        end as assisted_sequence,
        case
            when is_assisted
                then max(case when is_assisted then started_at end) over (
                        partition by episode_id order by started_at, contact_chain_id
                        rows between unbounded preceding and 1 preceding
                    )
        end as previous_assisted_started_at
    from with_episode_id
),

final as (
    select
        -- ids
        chains.contact_chain_id,
        sequenced.episode_id,
        chains.customer_id,
        chains.case_id,

        -- dimensions
        chains.channel,
        chains.intent,
        chains.region,
        chains.segment,
        chains.bot_outcome,
        chains.customer_identity_source,

        -- flags
        chains.is_assisted,
        chains.is_bot_only,
        chains.has_abandoned_leg,

        -- position on the customer's timeline and within the episode
        sequenced.customer_chain_sequence,
        sequenced.chain_sequence,
        sequenced.assisted_sequence,

        -- measures
        chains.leg_count,
        chains.transfer_count,
        chains.agent_interaction_seconds,
        chains.customer_hold_seconds,
        chains.after_contact_work_seconds,

        -- timestamps (UTC)
        chains.started_at,
        chains.ended_at,
        sequenced.previous_assisted_started_at,

        -- definition version
        episode_definition.episode_definition_version
    from chains
    inner join sequenced
        on chains.contact_chain_id = sequenced.contact_chain_id
    cross join episode_definition
)

select * from final
