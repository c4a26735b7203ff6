{#- One row per contact record line as delivered (every duplicate and every version), with only
    its lineage and identity: what the data-quality audit needs to follow each delivered line to
    the version kept in stg_amazon_connect__contact_records, or to the reason it was collapsed. -#}
with

source as (
    select * from {{ source('amazon_connect', 'contact_records') }}
),

final as (
    select
        -- feed
        'amazon_connect' as source_system,
        'contact_records' as source_table,

        -- identity and version
        {{ json_text('record', ['ContactId']) }} as record_id,
        {{ utc_from_iso(json_text('record', ['LastUpdateTimestamp'])) }} as version_at,

        -- lineage
        _source_file as source_file,
        _source_row as source_row,
        _delivery_date as delivery_date
    from source
)

select * from final
