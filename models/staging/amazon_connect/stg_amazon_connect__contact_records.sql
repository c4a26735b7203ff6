{#- One row per Connect contact (ContactId), in its latest delivered version. -#}
with

source as (
    select * from {{ source('amazon_connect', 'contact_records') }}
),

channel_vocabulary as (
    select * from {{ ref('channel_vocabulary') }}
    where source_system = 'amazon_connect'
),

monitoring_endpoints as (
    select * from {{ ref('monitoring_endpoints') }}
),

parsed as (
    select
        -- ids
        {{ json_text('record', ['ContactId']) }} as contact_id,
        {{ json_text('record', ['InitialContactId']) }} as initial_contact_id,
        {{ json_text('record', ['PreviousContactId']) }} as previous_contact_id,
        {{ json_text('record', ['Attributes', 'sf_contact_id']) }} as customer_id,
        {{ json_text('record', ['Attributes', 'sf_case_id']) }} as case_id,
        {{ json_text('record', ['Agent', 'ARN']) }} as agent_arn,

        -- categories
        {{ json_text('record', ['Channel']) }} as source_channel,
        {{ json_text('record', ['InitiationMethod']) }} as initiation_method,
        {{ json_text('record', ['DisconnectReason']) }} as disconnect_reason,
        {{ json_text('record', ['Queue', 'Name']) }} as queue_name,
        {{ json_text('record', ['Attributes', 'intent']) }} as intent,
        {{ json_text('record', ['Attributes', 'bot_outcome']) }} as bot_outcome,
        {{ json_text('record', ['Attributes', 'auth_result']) }} as auth_result,
        {{ json_text('record', ['Attributes', 'kb_article_id']) }} as kb_article_id,
        {{ json_text('record', ['Attributes', 'kb_article_accurate']) }} as kb_article_accurate,
        {{ json_text('record', ['Attributes', 'survey_opt_in']) }} as survey_opt_in,
        {{ json_text('record', ['CustomerEndpoint', 'Address']) }} as customer_endpoint_address,

        -- durations (seconds)
        cast({{ json_text('record', ['Agent', 'AgentInteractionDuration']) }} as integer)
            as agent_interaction_seconds,
        cast({{ json_text('record', ['Agent', 'CustomerHoldDuration']) }} as integer) as customer_hold_seconds,
        cast({{ json_text('record', ['Agent', 'AfterContactWorkDuration']) }} as integer)
            as after_contact_work_seconds,
        cast({{ json_text('record', ['Queue', 'Duration']) }} as integer) as queue_seconds,
        cast(nullif({{ json_text('record', ['Attributes', 'desktop_latency_ms']) }}, '') as integer)
            as desktop_latency_ms,

        -- timestamps (UTC)
        {{ utc_from_iso(json_text('record', ['InitiationTimestamp'])) }} as initiated_at,
        {{ utc_from_iso(json_text('record', ['Queue', 'EnqueueTimestamp'])) }} as enqueued_at,
        {{ utc_from_iso(json_text('record', ['Agent', 'ConnectedToAgentTimestamp'])) }}
            as connected_to_agent_at,
        {{ utc_from_iso(json_text('record', ['DisconnectTimestamp'])) }} as disconnected_at,
        {{ utc_from_iso(json_text('record', ['LastUpdateTimestamp'])) }} as last_updated_at,

        -- lineage
        _source_file,
        _source_row,
        _delivery_date,
        _loaded_at
    from source
),

versions_ranked as (
    select
        *,
        count(*) over (partition by contact_id) as delivered_version_count,
        row_number() over (
            partition by contact_id
            order by last_updated_at desc, _delivery_date desc, _source_file desc, _source_row desc
        ) as version_rank
    from parsed
),

latest_versions as (
    select * from versions_ranked
    where version_rank = 1
),

final as (
    select
        -- ids
        latest_versions.contact_id,
        coalesce(latest_versions.initial_contact_id, latest_versions.contact_id) as contact_chain_id,
        latest_versions.previous_contact_id,
        nullif(latest_versions.customer_id, '') as customer_id,
        nullif(latest_versions.case_id, '') as case_id,
        {{ pseudonymise('latest_versions.agent_arn') }} as agent_key,
        {{ pseudonymise('latest_versions.customer_endpoint_address') }} as customer_endpoint_key,

        -- categories
        channel_vocabulary.channel,
        latest_versions.source_channel,
        latest_versions.initiation_method,
        latest_versions.disconnect_reason,
        latest_versions.queue_name,
        nullif(latest_versions.intent, '') as intent,
        nullif(latest_versions.bot_outcome, '') as bot_outcome,
        nullif(lower(trim(latest_versions.auth_result)), '') as auth_result,
        nullif(trim(latest_versions.kb_article_id), '') as kb_article_id,

        -- flags
        latest_versions.initial_contact_id is not null
        and latest_versions.initial_contact_id <> latest_versions.contact_id as is_transfer_leg,
        latest_versions.connected_to_agent_at is not null as is_agent_connected,
        latest_versions.connected_to_agent_at is null
        and latest_versions.enqueued_at is null
        and latest_versions.source_channel = 'CHAT' as is_bot_only,
        latest_versions.enqueued_at is not null
        and latest_versions.connected_to_agent_at is null as is_abandoned_in_queue,
        monitoring_endpoints.endpoint_address is not null as is_monitoring,
        {{ text_to_boolean('latest_versions.kb_article_accurate') }} as is_kb_article_accurate,
        {{ text_to_boolean('latest_versions.survey_opt_in') }} as has_survey_consent,

        -- measures
        latest_versions.agent_interaction_seconds,
        latest_versions.customer_hold_seconds,
        latest_versions.after_contact_work_seconds,
        latest_versions.queue_seconds,
        latest_versions.desktop_latency_ms,
        latest_versions.delivered_version_count,

        -- timestamps (UTC)
        latest_versions.initiated_at,
        latest_versions.enqueued_at,
        latest_versions.connected_to_agent_at,
        latest_versions.disconnected_at,
        latest_versions.last_updated_at,

        -- lineage
        latest_versions._source_file as source_file,
        latest_versions._source_row as source_row,
        latest_versions._delivery_date as delivery_date
    from latest_versions
    left join channel_vocabulary
        on latest_versions.source_channel = channel_vocabulary.source_value
    left join monitoring_endpoints
        on latest_versions.customer_endpoint_address = monitoring_endpoints.endpoint_address
)

select * from final
