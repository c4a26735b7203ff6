{#- One row per episode (one customer need): what it cost, how much of it was avoidable demand,
    whether it ended in a confirmed resolution, and whether the customer churned within the churn
    window after it. -#}
with

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
),

chain_costs as (
    select * from {{ ref('fct_contact_costs') }}
),

customers as (
    select
        customer_id,
        churned_on
    from {{ ref('dim_customers') }}
),

churn_definition as (
    select
        version as churn_definition_version,
        window_days as churn_window_days
    from {{ ref('metric_registry') }}
    where metric_id = 'churn_after_episode' and status = 'active'
),

costs_per_episode as (
    select
        episode_id,
        count(*) as chain_count,
        cast(sum(avoidable_numerator) as {{ dbt.type_bigint() }}) as avoidable_chain_count,
        cast(sum(agent_handled_seconds) as {{ dbt.type_bigint() }}) as agent_handled_seconds,
        cast(sum(cost_to_serve) as decimal(18, 2)) as episode_cost,
        cast(sum(avoidable_cost) as decimal(18, 2)) as avoidable_cost
    from chain_costs
    group by episode_id
),

-- See DECISIONLOG "Churn after an episode": the window runs from the last contact's UTC date.
churn_evaluated as (
    select
        episodes.*,
        customers.churned_on,
        costs_per_episode.chain_count as costed_chain_count,
        costs_per_episode.avoidable_chain_count,
        costs_per_episode.agent_handled_seconds,
        costs_per_episode.episode_cost,
        costs_per_episode.avoidable_cost,
        churn_definition.churn_definition_version,
        churn_definition.churn_window_days,
        cast(episodes.last_contact_at as date) as last_contact_date,
        {{ dbt.datediff('cast(episodes.last_contact_at as date)', 'cast(episodes.as_of_at as date)', 'day') }}
        > churn_definition.churn_window_days as is_churn_window_mature,
        coalesce(
            {{ dbt.datediff('cast(episodes.last_contact_at as date)', 'customers.churned_on', 'day') }}
            between 0 and churn_definition.churn_window_days,
            false
        ) as has_churned_within_window
    from episodes
    left join customers
        on episodes.customer_id = customers.customer_id
    left join costs_per_episode
        on episodes.episode_id = costs_per_episode.episode_id
    cross join churn_definition
),

final as (
    select
        -- ids
        episode_id,
        customer_id,

        -- dimensions
        intent,
        region,
        segment,
        first_contact_date,
        last_contact_date,

        -- flags
        is_assisted,
        is_resolved,
        is_resolution_confirmed,
        is_resolution_recorded,
        is_churn_window_mature,
        is_churn_window_mature and has_churned_within_window as has_churned_within_window,

        -- counts and effort
        costed_chain_count as chain_count,
        avoidable_chain_count,
        agent_handled_seconds,

        -- cost (currency units)
        episode_cost,
        avoidable_cost,

        -- The parts below are null, never 0, where no resolution is recorded (a caller-identified
        -- episode: no CRM, so neither resolution nor churn). See README "A call log and nothing else".
        -- cost per resolved episode parts
        confirmed_resolution_count,
        cast(
            case
                when not is_resolution_recorded then null
                when is_resolution_confirmed then episode_cost
                else 0
            end as decimal(18, 2)
        ) as resolved_episode_cost,

        -- churn after the episode parts
        case
            when not is_resolution_recorded then null
            when is_churn_window_mature and is_resolved then 1 else 0
        end as churn_resolved_denominator,
        case
            when not is_resolution_recorded then null
            when is_churn_window_mature and is_resolved and has_churned_within_window then 1 else 0
        end as churn_resolved_numerator,
        case
            when not is_resolution_recorded then null
            when is_churn_window_mature and not is_resolved then 1 else 0
        end as churn_unresolved_denominator,
        case
            when not is_resolution_recorded then null
            when is_churn_window_mature and not is_resolved and has_churned_within_window then 1 else 0
        end as churn_unresolved_numerator,

        -- dates and timestamps (UTC)
        churned_on,
        last_contact_at,
        as_of_at,

        -- definition versions
        churn_definition_version,
        churn_window_days
    from churn_evaluated
)

select * from final
