{#- One row per in-scope contact chain: what it cost to serve, from its legs' agent interaction and
    after-contact work seconds and its bot session, at the channel's rate card, and whether it was
    avoidable demand (an assisted chain after the first assisted chain of its episode). -#}
with

chains as (
    select * from {{ ref('fct_contact_outcomes') }}
),

episodes as (
    select
        episode_id,
        resolved_at
    from {{ ref('fct_episode_outcomes') }}
),

cost_rates as (
    select * from {{ ref('cost_rates') }}
),

cost_definition as (
    select version as cost_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'cost_per_contact' and status = 'active'
),

avoidable_definition as (
    select version as avoidable_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'avoidable_contact_rate' and status = 'active'
),

-- The rate card row of the chain's channel in force on its start date (latest effective_from).
rates_ranked as (
    select
        chains.contact_chain_id,
        cost_rates.currency,
        cost_rates.effective_from,
        cast(round(cost_rates.cost_per_agent_minute * 100) as {{ dbt.type_bigint() }}) as agent_minute_pence,
        cast(round(cost_rates.cost_per_after_contact_work_minute * 100) as {{ dbt.type_bigint() }})
            as acw_minute_pence,
        cast(round(cost_rates.cost_per_bot_session * 100) as {{ dbt.type_bigint() }}) as bot_session_pence,
        row_number() over (
            partition by chains.contact_chain_id order by cost_rates.effective_from desc
        ) as rate_rank
    from chains
    inner join cost_rates
        on
            chains.channel = cost_rates.channel
            and chains.contact_date >= cost_rates.effective_from
),

rates_in_force as (
    select * from rates_ranked
    where rate_rank = 1
),

-- See DECISIONLOG "Cost to serve": rounded half up to the penny once per chain.
costed as (
    select
        chains.*,
        rates_in_force.currency,
        rates_in_force.effective_from as cost_rate_effective_from,
        episodes.resolved_at,
        cost_definition.cost_definition_version,
        avoidable_definition.avoidable_definition_version,
        case when chains.bot_outcome is not null then 1 else 0 end as bot_session_count,
        cast(floor(
            (
                chains.agent_interaction_seconds * rates_in_force.agent_minute_pence
                + chains.after_contact_work_seconds * rates_in_force.acw_minute_pence
                + 30
            ) / 60.0
        ) as {{ dbt.type_bigint() }}) as handled_cost_pence,
        case
            when chains.bot_outcome is not null then rates_in_force.bot_session_pence else 0
        end as bot_cost_pence,
        -- See DECISIONLOG "Avoidable demand": every assisted chain after the episode's first.
        chains.is_assisted and chains.assisted_sequence > 1 as is_avoidable
    from chains
    left join rates_in_force
        on chains.contact_chain_id = rates_in_force.contact_chain_id
    left join episodes
        on chains.episode_id = episodes.episode_id
    cross join cost_definition
    cross join avoidable_definition
),

final as (
    select
        -- ids
        contact_chain_id,
        episode_id,
        customer_id,

        -- dimensions
        channel,
        intent,
        region,
        segment,
        contact_date,
        currency,

        -- flags
        is_assisted,
        bot_session_count = 1 as has_bot_session,
        is_avoidable,
        is_avoidable and resolved_at is not null and started_at > resolved_at as is_post_resolution_contact,

        -- sequence
        assisted_sequence,

        -- effort
        agent_interaction_seconds,
        after_contact_work_seconds,
        agent_interaction_seconds + after_contact_work_seconds as agent_handled_seconds,
        bot_session_count,

        -- cost (currency units, to the penny)
        cast(handled_cost_pence / 100.0 as decimal(18, 2)) as handled_cost,
        cast(bot_cost_pence / 100.0 as decimal(18, 2)) as bot_cost,
        cast((handled_cost_pence + bot_cost_pence) / 100.0 as decimal(18, 2)) as cost_to_serve,

        -- avoidable demand parts
        case when is_avoidable then 1 else 0 end as avoidable_numerator,
        case when is_assisted then 1 else 0 end as avoidable_denominator,
        cast(
            case when is_avoidable then (handled_cost_pence + bot_cost_pence) / 100.0 else 0 end
            as decimal(18, 2)
        ) as avoidable_cost,
        case
            when is_avoidable and resolved_at is not null and started_at > resolved_at then 1 else 0
        end as post_resolution_numerator,

        -- timestamps (UTC)
        started_at,
        cost_rate_effective_from,

        -- definition versions
        cost_definition_version,
        avoidable_definition_version
    from costed
)

select * from final
