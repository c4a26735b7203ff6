{#- One row per Connect contact (ContactId), in its latest delivered version. -#}
{#- Incremental: a run parses only the lines loaded since the previous run (_loaded_at after the
    latest last_loaded_at already built) and ranks them against the line of the version each touched
    contact has so far, re-read from the raw table; see DECISIONLOG "Incremental staging". A plain
    table on Spark (incremental_materialization()). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='contact_id',
    on_schema_change='fail',
) }}
{#- Every path the model reads, extracted with one parse of each record (json_texts). -#}
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
),

channel_vocabulary as (
    select * from {{ ref('channel_vocabulary') }}
),

monitoring_endpoints as (
    select * from {{ ref('monitoring_endpoints') }}
),

{% if is_incremental() %}
    -- Incremental run. Every raw line loaded before the watermark was ranked by an earlier run; the
    -- lines after it are new (the loader only appends, one transaction per file).
    watermark as (
        select
            coalesce(max(last_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) as loaded_until
        from {{ this }}
    ),

    new_lines as (
        select source.*
        from source
        cross join watermark
        where source._loaded_at > watermark.loaded_until
    ),

    touched_contacts as (
        select distinct {{ json_text('record', ['ContactId']) }} as contact_id
        from new_lines
    ),

    -- The version each touched contact has so far, and the raw line it was read from: the only
    -- earlier line a new one must outrank (the others already lost to it).
    kept_versions as (
        select built.*
        from {{ this }} as built
        where built.contact_id in (select touched_contacts.contact_id from touched_contacts)
    ),

    kept_lines as (
        select source.*
        from source
        inner join kept_versions
            on
                source._source_file = kept_versions.source_file
                and source._source_row = kept_versions.source_row
                and source._delivery_date = kept_versions.delivery_date
        cross join watermark
        where source._loaded_at <= watermark.loaded_until
    ),

    lines_to_rank as (
        select * from new_lines
        union all
        select * from kept_lines
    ),
{% else %}
    lines_to_rank as (
        select * from source
    ),
{% endif %}

documents as (
    select
        *,
        {{ json_texts('record', record_paths) }} as record_values
    from lines_to_rank
),

parsed as (
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
        cast({{ json_text_of('record_values', record_paths, ['Agent', 'AgentInteractionDuration']) }} as integer)
            as agent_interaction_seconds,
        cast({{ json_text_of('record_values', record_paths, ['Agent', 'CustomerHoldDuration']) }} as integer)
            as customer_hold_seconds,
        cast({{ json_text_of('record_values', record_paths, ['Agent', 'AfterContactWorkDuration']) }} as integer)
            as after_contact_work_seconds,
        cast({{ json_text_of('record_values', record_paths, ['Queue', 'Duration']) }} as integer) as queue_seconds,
        cast(
            nullif({{ json_text_of('record_values', record_paths, ['Attributes', 'desktop_latency_ms']) }}, '')
            as integer
        ) as desktop_latency_ms,

        -- timestamps (UTC)
        {{ utc_from_iso(json_text_of('record_values', record_paths, ['InitiationTimestamp'])) }} as initiated_at,
        {{ utc_from_iso(json_text_of('record_values', record_paths, ['Queue', 'EnqueueTimestamp'])) }} as enqueued_at,
        {{ utc_from_iso(json_text_of('record_values', record_paths, ['Agent', 'ConnectedToAgentTimestamp'])) }}
            as connected_to_agent_at,
        {{ utc_from_iso(json_text_of('record_values', record_paths, ['DisconnectTimestamp'])) }} as disconnected_at,
        {{ utc_from_iso(json_text_of('record_values', record_paths, ['LastUpdateTimestamp'])) }} as last_updated_at,

        -- lineage
        {{ source_system_of_file('_source_file', 'amazon_connect') }} as source_system,
        _source_file,
        _source_row,
        _delivery_date,
        _loaded_at
    from documents
),

{% if is_incremental() %}
    -- The lines of the touched contacts, each with the number of lines its contact had so far.
    lines_counted as (
        select
            parsed.*,
            parsed._loaded_at > watermark.loaded_until as is_new_line,
            coalesce(kept_versions.delivered_version_count, 0) as counted_before
        from parsed
        cross join watermark
        left join kept_versions
            on parsed.contact_id = kept_versions.contact_id
        where parsed.contact_id in (select touched_contacts.contact_id from touched_contacts)
    ),
{% else %}
    lines_counted as (
        select
            *,
            true as is_new_line,
            0 as counted_before
        from parsed
    ),
{% endif %}

versions_ranked as (
    select
        *,
        count(case when is_new_line then 1 end) over (partition by contact_id) + counted_before
            as delivered_version_count,
        max(_loaded_at) over (partition by contact_id) as last_loaded_at,
        row_number() over (
            partition by contact_id
            order by last_updated_at desc, _delivery_date desc, _source_file desc, _source_row desc
        ) as version_rank
    from lines_counted
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
        -- the agent's team (agent hierarchy level 2): an organisational unit, not a person
        nullif(latest_versions.agent_team, '') as agent_team,

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
        latest_versions.source_system,
        latest_versions._source_file as source_file,
        latest_versions._source_row as source_row,
        latest_versions._delivery_date as delivery_date,
        latest_versions.last_loaded_at
    from latest_versions
    left join channel_vocabulary
        on
            latest_versions.source_system = channel_vocabulary.source_system
            and latest_versions.source_channel = channel_vocabulary.source_value
    left join monitoring_endpoints
        on latest_versions.customer_endpoint_address = monitoring_endpoints.endpoint_address
)

select * from final
