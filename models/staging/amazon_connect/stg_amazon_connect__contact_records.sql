{#- One row per Connect contact (ContactId), in its latest delivered version, chosen among the
    parsed lines of base_amazon_connect__contact_record_versions.
    Incremental: a run re-ranks only the contacts with a line loaded since the previous run, over
    every line of those contacts, so a new version replaces the kept one exactly (macro
    latest_lines; DECISIONLOG "Incremental staging"). A plain table on Spark
    (incremental_materialization()). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='contact_id',
    on_schema_change='fail',
) }}
with

channel_vocabulary as (
    select * from {{ ref('channel_vocabulary') }}
),

monitoring_endpoints as (
    select
        endpoint_address,
        {{ pseudonymise('endpoint_address') }} as endpoint_key
    from {{ ref('monitoring_endpoints') }}
),

-- The latest version: the greatest LastUpdateTimestamp, then the latest delivery; an incremental
-- run re-ranks only the contacts with a line loaded since the previous one (macro latest_lines).
latest_versions as (
    {{ latest_lines(
        ref('base_amazon_connect__contact_record_versions'),
        'contact_id',
        version_order='last_updated_at desc',
        file='source_file',
        row='source_row',
        delivery_date='delivery_date',
        loaded_at='loaded_at'
    ) }}
),

final as (
    select
        -- ids
        latest_versions.contact_id,
        latest_versions.contact_chain_id,
        latest_versions.previous_contact_id,
        latest_versions.customer_id,
        latest_versions.case_id,
        latest_versions.agent_key,
        latest_versions.customer_endpoint_key,
        latest_versions.agent_team,

        -- categories
        channel_vocabulary.channel,
        latest_versions.source_channel,
        latest_versions.initiation_method,
        latest_versions.disconnect_reason,
        latest_versions.queue_name,
        latest_versions.intent,
        latest_versions.bot_outcome,
        latest_versions.auth_result,
        latest_versions.kb_article_id,

        -- flags
        latest_versions.is_transfer_leg,
        latest_versions.connected_to_agent_at is not null as is_agent_connected,
        latest_versions.connected_to_agent_at is null
        and latest_versions.enqueued_at is null
        and latest_versions.source_channel = 'CHAT' as is_bot_only,
        latest_versions.enqueued_at is not null
        and latest_versions.connected_to_agent_at is null as is_abandoned_in_queue,
        monitoring_endpoints.endpoint_address is not null as is_monitoring,
        latest_versions.is_kb_article_accurate,
        latest_versions.has_survey_consent,

        -- measures
        latest_versions.agent_interaction_seconds,
        latest_versions.customer_hold_seconds,
        latest_versions.after_contact_work_seconds,
        latest_versions.queue_seconds,
        latest_versions.desktop_latency_ms,
        latest_versions.delivered_line_count as delivered_version_count,

        -- timestamps (UTC)
        latest_versions.initiated_at,
        latest_versions.enqueued_at,
        latest_versions.connected_to_agent_at,
        latest_versions.disconnected_at,
        latest_versions.last_updated_at,

        -- lineage
        latest_versions.source_system,
        latest_versions.source_file,
        latest_versions.source_row,
        latest_versions.delivery_date,
        latest_versions.last_loaded_at
    from latest_versions
    left join channel_vocabulary
        on
            latest_versions.source_system = channel_vocabulary.source_system
            and latest_versions.source_channel = channel_vocabulary.source_value
    left join monitoring_endpoints
        on latest_versions.customer_endpoint_key = monitoring_endpoints.endpoint_key
)

select * from final
