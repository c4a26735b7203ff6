{#- One row per UTC day with agent-handled time or a confirmed assisted resolution: the parts of
    resolutions per agent hour, plus the day's cost to serve. -#}
with

chain_costs as (
    select * from {{ ref('fct_contact_costs') }}
),

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
    where is_resolution_confirmed and is_assisted
),

productivity_definition as (
    select version as productivity_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'resolutions_per_agent_hour' and status = 'active'
),

handled_per_day as (
    select
        contact_date as activity_date,
        count(*) as contact_chain_count,
        sum(agent_handled_seconds) as agent_handled_seconds,
        sum(cost_to_serve) as cost_to_serve,
        0 as confirmed_assisted_resolutions
    from chain_costs
    group by contact_date
),

-- See DECISIONLOG "Resolutions per agent hour": a resolution counts on the day it happened.
resolutions_per_day as (
    select
        cast(resolved_at as date) as activity_date,
        0 as contact_chain_count,
        0 as agent_handled_seconds,
        0 as cost_to_serve,
        count(*) as confirmed_assisted_resolutions
    from episodes
    group by cast(resolved_at as date)
),

days_combined as (
    select * from handled_per_day
    union all
    select * from resolutions_per_day
),

days_summed as (
    select
        activity_date,
        sum(contact_chain_count) as contact_chain_count,
        sum(agent_handled_seconds) as agent_handled_seconds,
        sum(cost_to_serve) as cost_to_serve,
        sum(confirmed_assisted_resolutions) as confirmed_assisted_resolutions
    from days_combined
    group by activity_date
),

final as (
    select
        -- keys
        days_summed.activity_date,

        -- output
        cast(days_summed.contact_chain_count as {{ dbt.type_bigint() }}) as contact_chain_count,
        cast(days_summed.cost_to_serve as decimal(18, 2)) as cost_to_serve,

        -- resolutions per agent hour parts
        cast(days_summed.confirmed_assisted_resolutions as {{ dbt.type_bigint() }})
            as confirmed_assisted_resolutions,
        cast(days_summed.agent_handled_seconds as {{ dbt.type_bigint() }}) as agent_handled_seconds,

        -- definition versions
        productivity_definition.productivity_definition_version
    from days_summed
    cross join productivity_definition
)

select * from final
