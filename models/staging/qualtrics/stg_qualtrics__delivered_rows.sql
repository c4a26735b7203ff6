{#- One row per survey response row as delivered (re-deliveries included), with only its lineage
    and identity, for the data-quality audit. A response has no version stamp: the latest
    delivery is the one kept in stg_qualtrics__survey_responses. -#}
{#- A view: only the data-quality audit reads it, once per build. -#}
{{ config(materialized='view') }}
with

source as (
    select * from {{ source('qualtrics', 'survey_responses') }}
),

-- A post-call IVR rating of a contact a survey platform response covers is not a response of its
-- own (DECISIONLOG "IVR ratings"; stg_qualtrics__survey_responses applies the same rule): it is
-- delivered as a second copy of the platform's response, and the audit counts it as a duplicate.
platform_surveyed_contacts as (
    select
        connect_contact_id as contact_id,
        max(ResponseId) as platform_response_id
    from source
    where coalesce(DistributionChannel, '') <> 'ivr' and coalesce(connect_contact_id, '') <> ''
    group by connect_contact_id
),

received as (
    select
        source.*,
        case
            when coalesce(source.DistributionChannel, '') = 'ivr'
                then platform_surveyed_contacts.platform_response_id
        end as covering_response_id
    from source
    left join platform_surveyed_contacts
        on source.connect_contact_id = platform_surveyed_contacts.contact_id
),

final as (
    select
        -- feed
        'qualtrics' as source_system,
        'survey_responses' as source_table,

        -- identity and version
        coalesce(covering_response_id, ResponseId) as record_id,
        cast(null as {{ dbt.type_timestamp() }}) as version_at,

        -- lineage
        _source_file as source_file,
        _source_row as source_row,
        _delivery_date as delivery_date
    from received
)

select * from final
