{#- One row per Connect contact record line as delivered (every duplicate and every version),
    parsed and typed once. The JSON of a line is read here and nowhere else: the latest version
    (stg_amazon_connect__contact_records) and the data-quality audit's delivered rows
    (stg_amazon_connect__delivered_rows) both read these columns. Nothing is chosen or dropped.
    Incremental, append only: a run parses the lines the loader landed after the greatest
    loaded_at already here (the loader only appends, one transaction per file); see DECISIONLOG
    "One JSON parse per delivered line". A plain table on Spark (incremental_materialization()). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
) }}
{#- Every path the project reads, extracted with one parse of each record (json_texts). -#}
{%- set record_paths = [
    ['ContactId'],
    ['InitialContactId'],
    ['PreviousContactId'],
    ['Attributes', 'sf_contact_id'],
    ['Attributes', 'sf_case_id'],
    ['Agent', 'ARN'],
    ['Agent', 'HierarchyGroups', 'Level2', 'Name'],
    ['Channel'],
    ['InitiationMethod'],
    ['DisconnectReason'],
    ['Queue', 'Name'],
    ['Attributes', 'intent'],
    ['Attributes', 'bot_outcome'],
    ['Attributes', 'auth_result'],
    ['Attributes', 'kb_article_id'],
    ['Attributes', 'kb_article_accurate'],
    ['Attributes', 'survey_opt_in'],
    ['CustomerEndpoint', 'Address'],
    ['Agent', 'AgentInteractionDuration'],
    ['Agent', 'CustomerHoldDuration'],
    ['Agent', 'AfterContactWorkDuration'],
    ['Queue', 'Duration'],
    ['Attributes', 'desktop_latency_ms'],
    ['InitiationTimestamp'],
    ['Queue', 'EnqueueTimestamp'],
    ['Agent', 'ConnectedToAgentTimestamp'],
    ['DisconnectTimestamp'],
    ['LastUpdateTimestamp'],
] %}

with

source as (
    select * from {{ source('amazon_connect', 'contact_records') }}
    {%- if is_incremental() %}
        where _loaded_at > (
            select coalesce(max(built.loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }} as built
        )
    {%- endif %}
),

documents as (
    select
        *,
        {{ json_texts('record', record_paths) }} as record_values
    from source
),

extracted as (
    select
        -- ids
        {{ json_text_of('record_values', record_paths, ['ContactId']) }} as contact_id,
        {{ json_text_of('record_values', record_paths, ['InitialContactId']) }} as initial_contact_id,
        {{ json_text_of('record_values', record_paths, ['PreviousContactId']) }} as previous_contact_id,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'sf_contact_id']) }} as customer_id,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'sf_case_id']) }} as case_id,
        {{ json_text_of('record_values', record_paths, ['Agent', 'ARN']) }} as agent_arn,
        {{ json_text_of('record_values', record_paths, ['Agent', 'HierarchyGroups', 'Level2', 'Name']) }} as agent_team,

        -- categories
        {{ json_text_of('record_values', record_paths, ['Channel']) }} as source_channel,
        {{ json_text_of('record_values', record_paths, ['InitiationMethod']) }} as initiation_method,
        {{ json_text_of('record_values', record_paths, ['DisconnectReason']) }} as disconnect_reason,
        {{ json_text_of('record_values', record_paths, ['Queue', 'Name']) }} as queue_name,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'intent']) }} as intent,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'bot_outcome']) }} as bot_outcome,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'auth_result']) }} as auth_result,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'kb_article_id']) }} as kb_article_id,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'kb_article_accurate']) }} as kb_article_accurate,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'survey_opt_in']) }} as survey_opt_in,
        {{ json_text_of('record_values', record_paths, ['CustomerEndpoint', 'Address']) }} as customer_endpoint_address,

        -- durations (seconds)
        {{ json_text_of('record_values', record_paths, ['Agent', 'AgentInteractionDuration']) }}
            as agent_interaction_duration,
        {{ json_text_of('record_values', record_paths, ['Agent', 'CustomerHoldDuration']) }} as customer_hold_duration,
        {{ json_text_of('record_values', record_paths, ['Agent', 'AfterContactWorkDuration']) }}
            as after_contact_work_duration,
        {{ json_text_of('record_values', record_paths, ['Queue', 'Duration']) }} as queue_duration,
        {{ json_text_of('record_values', record_paths, ['Attributes', 'desktop_latency_ms']) }} as desktop_latency_ms,

        -- timestamps (ISO 8601 text with an offset)
        {{ json_text_of('record_values', record_paths, ['InitiationTimestamp']) }} as initiation_timestamp,
        {{ json_text_of('record_values', record_paths, ['Queue', 'EnqueueTimestamp']) }} as enqueue_timestamp,
        {{ json_text_of('record_values', record_paths, ['Agent', 'ConnectedToAgentTimestamp']) }}
            as connected_to_agent_timestamp,
        {{ json_text_of('record_values', record_paths, ['DisconnectTimestamp']) }} as disconnect_timestamp,
        {{ json_text_of('record_values', record_paths, ['LastUpdateTimestamp']) }} as last_update_timestamp,

        -- lineage
        _source_file,
        _source_row,
        _delivery_date,
        _loaded_at
    from documents
),

final as (
    select
        -- ids
        contact_id,
        coalesce(initial_contact_id, contact_id) as contact_chain_id,
        previous_contact_id,
        nullif(customer_id, '') as customer_id,
        nullif(case_id, '') as case_id,
        {{ pseudonymise('agent_arn') }} as agent_key,
        {{ pseudonymise('customer_endpoint_address') }} as customer_endpoint_key,
        -- the agent's team (agent hierarchy level 2): an organisational unit, not a person
        nullif(agent_team, '') as agent_team,

        -- categories
        source_channel,
        initiation_method,
        disconnect_reason,
        queue_name,
        nullif(intent, '') as intent,
        nullif(bot_outcome, '') as bot_outcome,
        nullif(lower(trim(auth_result)), '') as auth_result,
        nullif(trim(kb_article_id), '') as kb_article_id,

        -- flags
        initial_contact_id is not null and initial_contact_id <> contact_id as is_transfer_leg,
        {{ text_to_boolean('kb_article_accurate') }} as is_kb_article_accurate,
        {{ text_to_boolean('survey_opt_in') }} as has_survey_consent,

        -- measures
        cast(agent_interaction_duration as integer) as agent_interaction_seconds,
        cast(customer_hold_duration as integer) as customer_hold_seconds,
        cast(after_contact_work_duration as integer) as after_contact_work_seconds,
        cast(queue_duration as integer) as queue_seconds,
        cast(nullif(desktop_latency_ms, '') as integer) as desktop_latency_ms,

        -- timestamps (UTC)
        {{ utc_from_iso('initiation_timestamp') }} as initiated_at,
        {{ utc_from_iso('enqueue_timestamp') }} as enqueued_at,
        {{ utc_from_iso('connected_to_agent_timestamp') }} as connected_to_agent_at,
        {{ utc_from_iso('disconnect_timestamp') }} as disconnected_at,
        {{ utc_from_iso('last_update_timestamp') }} as last_updated_at,

        -- lineage
        {{ source_system_of_file('_source_file', 'amazon_connect') }} as source_system,
        _source_file as source_file,
        _source_row as source_row,
        _delivery_date as delivery_date,
        _loaded_at as loaded_at
    from extracted
)

select * from final
