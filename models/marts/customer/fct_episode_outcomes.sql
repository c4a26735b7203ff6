{#- One row per episode (one customer need): first contact resolution and resolution time, published
    as numerator / denominator parts so any grouping stays additive.
    Incremental: a run rebuilds the episodes of the customers with new or changed data or with an
    outcome still inside its window, and every episode when a definition version changed; the
    post-hook stamps the rows left as they were with the new horizon (DECISIONLOG "Incremental runs"). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
    post_hook="{{ incremental_restamp_horizon() }}",
) }}
{{ incremental_rebuild_dependencies() }}
with

episodes as (
    select * from {{ ref('int_episodes__resolved') }}
    {%- if is_incremental() %}
        where customer_id in ({{ incremental_rebuild_scope('(select max(last_contact_at) from ' ~ this ~ ')') }})
        or {{ incremental_definitions_changed([
            ('episode_definition_version', active_registry_value("'contact_episode'", 'version')),
            ('fcr_definition_version', active_registry_value("'first_contact_resolution'", 'version')),
            ('fcr_window_days', active_registry_value("'first_contact_resolution'", 'window_days')),
            ('resolution_time_definition_version', active_registry_value("'resolution_time'", 'version')),
            ('resolution_confirmation_days', active_registry_value("'resolution_time'", 'window_days')),
            ('containment_definition_version', active_registry_value("'digital_containment'", 'version')),
        ]) }}
    {%- endif %}
),

horizon as (
    select * from {{ ref('int_episodes__horizon') }}
),

business_time as (
    select * from {{ ref('int_episodes__business_time') }}
),

fcr_definition as (
    select
        version as fcr_definition_version,
        window_days as fcr_window_days
    from {{ ref('metric_registry') }}
    where metric_id = 'first_contact_resolution' and status = 'active'
),

containment_definition as (
    select
        version as containment_definition_version,
        window_days as containment_window_days
    from {{ ref('metric_registry') }}
    where metric_id = 'digital_containment' and status = 'active'
),

resolution_time_definition as (
    select
        version as resolution_time_definition_version,
        window_days as resolution_confirmation_days
    from {{ ref('metric_registry') }}
    where metric_id = 'resolution_time' and status = 'active'
),

-- See DECISIONLOG "First contact resolution" for the rule and a worked example.
fcr_evaluated as (
    select
        episodes.*,
        horizon.as_of_at,
        fcr_definition.fcr_definition_version,
        fcr_definition.fcr_window_days,
        resolution_time_definition.resolution_time_definition_version,
        resolution_time_definition.resolution_confirmation_days,
        containment_definition.containment_definition_version,
        business_time.business_resolution_seconds,
        -- Without a CRM no case records a resolution: the resolution parts are null, never 0
        -- (DECISIONLOG "A call log and nothing else").
        coalesce(episodes.customer_identity_source, 'crm') <> 'caller_endpoint' as is_resolution_recorded,
        -- An episode can still gain an assisted contact until its window has passed.
        {{ dbt.datediff('episodes.first_contact_at', 'horizon.as_of_at', 'second') }}
        >= containment_definition.containment_window_days * 86400 as is_containment_mature,
        -- See DECISIONLOG "Resolution time": a resolution counts once it has held for the window.
        episodes.is_resolved
        and {{ dbt.datediff('episodes.resolved_at', 'horizon.as_of_at', 'second') }}
        >= resolution_time_definition.resolution_confirmation_days * 86400 as is_resolution_confirmed,
        {{ fcr_is_mature('episodes.first_assisted_at', 'horizon.as_of_at', 'fcr_definition.fcr_window_days') }}
            as is_fcr_mature,
        {{ fcr_is_met(
            'episodes.first_assisted_at', 'episodes.second_assisted_at', 'episodes.resolved_at',
            'episodes.is_resolved', 'horizon.as_of_at', 'fcr_definition.fcr_window_days'
        ) }} as is_first_contact_resolved
    from episodes
    left join business_time
        on episodes.episode_id = business_time.episode_id
    cross join horizon
    cross join fcr_definition
    cross join resolution_time_definition
    cross join containment_definition
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
        first_channel,
        resolved_by,
        customer_identity_source,
        cast(first_contact_at as date) as first_contact_date,

        -- flags
        assisted_chain_count > 0 as is_assisted,
        is_resolution_recorded,
        is_resolved,
        is_contained,
        is_fcr_mature,
        is_resolution_confirmed,

        -- contact history
        chain_count,
        contact_count,
        transfer_count,
        assisted_chain_count,

        -- first contact resolution parts
        case
            when not is_resolution_recorded then null
            when is_first_contact_resolved then 1
            else 0
        end as fcr_numerator,
        case
            when not is_resolution_recorded then null
            when is_fcr_mature then 1
            else 0
        end as fcr_denominator,

        -- resolution time
        case
            when is_resolved then {{ dbt.datediff('first_contact_at', 'resolved_at', 'second') }}
        end as resolution_seconds,
        case
            when not is_resolution_recorded then null
            when is_resolution_confirmed then 1
            else 0
        end as confirmed_resolution_count,
        case
            when not is_resolution_recorded then null
            when is_resolution_confirmed then {{ dbt.datediff('first_contact_at', 'resolved_at', 'second') }}
            else 0
        end as confirmed_resolution_seconds,

        -- business-hours resolution time (see DECISIONLOG "Business-hours resolution time")
        case when is_resolved then business_resolution_seconds end as business_resolution_seconds,
        case
            when not is_resolution_recorded then null
            when is_resolution_confirmed then coalesce(business_resolution_seconds, 0)
            else 0
        end as confirmed_business_resolution_seconds,

        -- digital containment parts
        case
            when not is_resolution_recorded then null
            when is_containment_mature and is_contained then 1
            else 0
        end as containment_numerator,
        case
            when not is_resolution_recorded then null
            when is_containment_mature then 1
            else 0
        end as containment_denominator,

        -- timestamps (UTC)
        first_contact_at,
        last_contact_at,
        first_assisted_at,
        second_assisted_at,
        resolved_at,
        as_of_at,

        -- definition versions
        episode_definition_version,
        fcr_definition_version,
        fcr_window_days,
        resolution_time_definition_version,
        resolution_confirmation_days,
        containment_definition_version
    from fcr_evaluated
)

select * from final
