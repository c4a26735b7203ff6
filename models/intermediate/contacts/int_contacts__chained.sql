{#- One row per contact chain: a first contact and the transfer legs that follow it
    (InitialContactId). A chain is one contact for every outcome; see DECISIONLOG "Transfers".
    Incremental: a run rebuilds the chains of customers with new or changed data (DECISIONLOG
    "Incremental runs"). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='contact_chain_id',
    on_schema_change='fail',
) }}
{{ incremental_rebuild_dependencies() }}
with

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
    {%- if is_incremental() %}
        where contact_chain_id in (
            {{ incremental_rebuild_scope('(select max(started_at) from ' ~ this ~ ')', grain='chain') }}
        )
        or {{ incremental_definitions_changed([
            ('slow_desktop_threshold_ms', active_registry_value("'slow_desktop_rate'", 'threshold')),
            ('service_level_threshold_seconds', active_registry_value("'service_level_' || built.channel", 'threshold')),
        ]) }}
    {%- endif %}
),

customers as (
    select * from {{ ref('stg_salesforce__contacts') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

-- Whether a CRM feed is loaded at all; see DECISIONLOG "A call log and nothing else".
crm_presence as (
    select count(*) > 0 as has_crm_customers
    from customers
),

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
),

-- One registry row per channel, service_level_<channel>; see DECISIONLOG "Service level".
service_level_thresholds as (
    select
        replace(metric_id, 'service_level_', '') as channel,
        threshold as answer_threshold_seconds,
        version as service_level_definition_version
    from registry
    where metric_id in ('service_level_voice', 'service_level_chat')
),

leg_thresholds as (
    select
        max(case when metric_id = 'slow_desktop_rate' then threshold end) as slow_desktop_threshold_ms,
        max(case when metric_id = 'service_level_short_abandon' then threshold end) as short_abandon_seconds
    from registry
),

customer_profiles as (
    select
        customers.customer_id,
        accounts.region,
        accounts.segment,
        customers.is_internal_test or coalesce(accounts.is_internal_test, false) as is_internal_test
    from customers
    left join accounts
        on customers.account_id = accounts.account_id
),

-- Each leg judged against the thresholds; see DECISIONLOG "Drivers" and "Service level".
legs_judged as (
    select
        contact_records.*,
        service_level_thresholds.answer_threshold_seconds,
        service_level_thresholds.service_level_definition_version,
        leg_thresholds.slow_desktop_threshold_ms,
        contact_records.enqueued_at is not null as is_queued,
        contact_records.enqueued_at is not null
        and not contact_records.is_agent_connected
        and contact_records.queue_seconds <= leg_thresholds.short_abandon_seconds as is_short_abandon,
        contact_records.enqueued_at is not null
        and contact_records.is_agent_connected
        and contact_records.queue_seconds <= service_level_thresholds.answer_threshold_seconds
            as is_answered_within_threshold,
        contact_records.is_agent_connected
        and contact_records.desktop_latency_ms > leg_thresholds.slow_desktop_threshold_ms as is_slow_desktop
    from contact_records
    cross join leg_thresholds
    left join service_level_thresholds
        on contact_records.channel = service_level_thresholds.channel
),

chains as (
    select
        contact_chain_id,
        max(customer_id) as crm_customer_id,
        max(case when not is_transfer_leg then customer_endpoint_key end) as caller_key,
        coalesce(
            max(case when not is_transfer_leg then intent end),
            max(intent)
        ) as intent,
        max(case when not is_transfer_leg then channel end) as channel,
        max(case when not is_transfer_leg then source_system end) as source_system,
        max(case when not is_transfer_leg then bot_outcome end) as bot_outcome,
        max(case when not is_transfer_leg then auth_result end) as auth_result,
        max(case_id) as case_id,
        count(*) as leg_count,
        count(distinct case_id) as linked_case_count,
        max(case when is_agent_connected then 1 else 0 end) = 1 as is_assisted,
        min(case when is_bot_only then 1 else 0 end) = 1 as is_bot_only,
        max(case when is_monitoring then 1 else 0 end) = 1 as is_monitoring,
        max(case when is_abandoned_in_queue then 1 else 0 end) = 1 as has_abandoned_leg,
        cast(coalesce(sum(agent_interaction_seconds), 0) as {{ dbt.type_bigint() }}) as agent_interaction_seconds,
        cast(coalesce(sum(customer_hold_seconds), 0) as {{ dbt.type_bigint() }}) as customer_hold_seconds,
        cast(coalesce(sum(after_contact_work_seconds), 0) as {{ dbt.type_bigint() }}) as after_contact_work_seconds,
        -- driver parts, counted over legs
        count(case when kb_article_id is not null and is_kb_article_accurate is not null then 1 end)
            as article_use_count,
        count(case when kb_article_id is not null and is_kb_article_accurate then 1 end)
            as accurate_article_use_count,
        count(case when is_agent_connected then desktop_latency_ms end)
            as latency_measured_leg_count,
        cast(coalesce(sum(case when is_agent_connected then desktop_latency_ms end), 0) as {{ dbt.type_bigint() }})
            as desktop_latency_ms_sum,
        count(case when is_slow_desktop then 1 end) as slow_desktop_leg_count,
        -- service level parts, counted over queued legs of a channel with a threshold
        count(case when is_queued then 1 end) as queued_leg_count,
        count(case when is_short_abandon then 1 end) as short_abandon_leg_count,
        count(
            case when is_queued and answer_threshold_seconds is not null and not is_short_abandon then 1 end
        ) as service_level_offered_count,
        count(case when is_answered_within_threshold then 1 end) as answered_within_threshold_count,
        max(slow_desktop_threshold_ms) as slow_desktop_threshold_ms,
        max(case when not is_transfer_leg then answer_threshold_seconds end) as service_level_threshold_seconds,
        max(service_level_definition_version) as service_level_definition_version,
        min(initiated_at) as started_at,
        max(disconnected_at) as ended_at,
        max(delivery_date) as last_delivery_date
    from legs_judged
    group by contact_chain_id
),

-- The customer is the CRM's; with no CRM loaded at all, the caller's number (hashed) stands in.
-- See DECISIONLOG "A call log and nothing else".
identified as (
    select
        chains.*,
        coalesce(
            chains.crm_customer_id,
            case when not crm_presence.has_crm_customers then 'caller:' || chains.caller_key end
        ) as customer_id,
        case
            when chains.crm_customer_id is not null then 'crm'
            when not crm_presence.has_crm_customers and chains.caller_key is not null then 'caller_endpoint'
        end as customer_identity_source
    from chains
    cross join crm_presence
),

classified as (
    select
        identified.*,
        customer_profiles.region,
        customer_profiles.segment,
        case
            when identified.is_monitoring then 'monitoring_call'
            when identified.customer_id is null then 'unidentified_customer'
            when identified.customer_identity_source = 'caller_endpoint' then null
            when customer_profiles.customer_id is null then 'customer_not_in_crm'
            when customer_profiles.is_internal_test then 'internal_test_customer'
        end as exclusion_reason
    from identified
    left join customer_profiles
        on identified.customer_id = customer_profiles.customer_id
),

final as (
    select
        -- ids
        contact_chain_id,
        customer_id,
        case_id,

        -- dimensions
        channel,
        intent,
        region,
        segment,
        bot_outcome,
        auth_result,
        customer_identity_source,
        exclusion_reason,

        -- flags
        exclusion_reason is null as is_in_scope,
        is_assisted,
        is_bot_only,
        has_abandoned_leg,

        -- measures
        leg_count,
        leg_count - 1 as transfer_count,
        linked_case_count,
        agent_interaction_seconds,
        customer_hold_seconds,
        after_contact_work_seconds,

        -- driver parts (legs)
        article_use_count,
        accurate_article_use_count,
        latency_measured_leg_count,
        desktop_latency_ms_sum,
        slow_desktop_leg_count,

        -- service level parts (queued legs)
        queued_leg_count,
        short_abandon_leg_count,
        service_level_offered_count,
        answered_within_threshold_count,

        -- thresholds used
        slow_desktop_threshold_ms,
        service_level_threshold_seconds,
        service_level_definition_version,

        -- timestamps (UTC)
        started_at,
        ended_at,
        last_delivery_date,

        -- lineage: the telephony system that recorded the chain
        source_system
    from classified
)

select * from final
