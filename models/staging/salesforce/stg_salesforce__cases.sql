{#- One row per Case, in its latest delivered version (greatest SystemModstamp), from Salesforce or
    from another CRM's export mapped onto the Case contract (source_system). Subject and
    Description are free text that can hold personal data and are not carried past the raw layer.
    The complaint-letter custom fields were added to the org later: read as empty when no export
    carries them yet.
    Incremental: a run re-ranks only the cases with a row loaded since the previous one, over all
    of their rows (DECISIONLOG "Incremental staging"). -#}
{%- set raw_cases = source('salesforce', 'cases') -%}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='case_id',
    on_schema_change='fail',
) }}

with

case_status_vocabulary as (
    select * from {{ ref('case_status_vocabulary') }}
),

resolution_code_vocabulary as (
    select * from {{ ref('resolution_code_vocabulary') }}
),

channel_vocabulary as (
    select * from {{ ref('channel_vocabulary') }}
),

-- The latest version: the greatest SystemModstamp, then the latest delivery (macro latest_lines).
latest_rows as (
    {{ latest_lines(source('salesforce', 'cases'), 'Id', version_order=utc_from_iso('SystemModstamp') ~ ' desc') }}
),

latest_versions as (
    select
        *,
        {{ source_system_of_file('_source_file', 'salesforce') }} as source_system
    from latest_rows
),

final as (
    select
        -- ids
        latest_versions.Id as case_id,
        latest_versions.CaseNumber as case_number,
        nullif(latest_versions.AccountId, '') as account_id,
        nullif(latest_versions.ContactId, '') as customer_id,
        nullif(latest_versions.OwnerId, '') as owner_id,

        -- categories
        case_status_vocabulary.case_status,
        latest_versions.Status as source_status,
        channel_vocabulary.channel as origin_channel,
        latest_versions.Priority as priority,
        latest_versions.Reason as case_reason,
        latest_versions.Type as case_type,
        nullif(latest_versions.Contact_Intent__c, '') as intent,
        resolution_code_vocabulary.resolution,
        nullif(latest_versions.Resolution_Code__c, '') as source_resolution_code,

        -- flags
        {{ text_to_boolean('latest_versions.IsClosed') }} as is_closed,
        coalesce({{ text_to_boolean('latest_versions.IsClosed') }}, false)
        and coalesce(resolution_code_vocabulary.is_resolved, false) as is_resolved,
        {{ text_to_boolean('latest_versions.IsEscalated') }} as is_escalated,
        coalesce({{ text_to_boolean('latest_versions.IsDeleted') }}, false) as is_deleted,
        coalesce(
            {{ text_to_boolean(optional_source_column(raw_cases, 'latest_versions', 'Exceptional_Circumstances__c')) }},
            false
        ) as has_exceptional_circumstances,

        -- timestamps (UTC)
        {{ utc_from_iso('latest_versions.CreatedDate') }} as created_at,
        {{ utc_from_iso('latest_versions.ClosedDate') }} as closed_at,
        {{ utc_from_iso('latest_versions.LastModifiedDate') }} as last_modified_at,
        {{ utc_from_iso('latest_versions.SystemModstamp') }} as system_modstamp_at,
        {{ utc_from_iso(optional_source_column(raw_cases, 'latest_versions', 'Acknowledgement_Sent_Date__c')) }}
            as acknowledged_at,
        {{ utc_from_iso(optional_source_column(raw_cases, 'latest_versions', 'Holding_Response_Sent_Date__c')) }}
            as holding_response_at,

        -- lineage
        latest_versions.source_system,
        latest_versions._source_file as source_file,
        latest_versions._source_row as source_row,
        latest_versions._delivery_date as delivery_date,
        latest_versions.last_loaded_at
    from latest_versions
    -- each system's own values, read through its rows of the vocabularies (DECISIONLOG "Vendor
    -- vocabularies")
    left join case_status_vocabulary
        on
            latest_versions.source_system = case_status_vocabulary.source_system
            and latest_versions.Status = case_status_vocabulary.source_value
    left join resolution_code_vocabulary
        on
            latest_versions.source_system = resolution_code_vocabulary.source_system
            and latest_versions.Resolution_Code__c = resolution_code_vocabulary.source_value
    left join channel_vocabulary
        on
            latest_versions.source_system = channel_vocabulary.source_system
            and latest_versions.Origin = channel_vocabulary.source_value
)

select * from final
