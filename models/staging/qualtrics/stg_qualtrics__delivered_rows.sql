{#- One row per survey response row as delivered (re-deliveries included), with only its lineage
    and identity, for the data-quality audit. A response has no version stamp: the latest
    delivery is the one kept in stg_qualtrics__survey_responses. -#}
with

source as (
    select * from {{ source('qualtrics', 'survey_responses') }}
),

final as (
    select
        -- feed
        'qualtrics' as source_system,
        'survey_responses' as source_table,

        -- identity and version
        ResponseId as record_id,
        cast(null as {{ dbt.type_timestamp() }}) as version_at,

        -- lineage
        _source_file as source_file,
        _source_row as source_row,
        _delivery_date as delivery_date
    from source
)

select * from final
