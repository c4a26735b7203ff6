{#- One row per contact record line as delivered (every duplicate and every version), with only
    its lineage and identity: what the data-quality audit needs to follow each delivered line to
    the version kept in stg_amazon_connect__contact_records, or to the reason it was collapsed.
    A view over the parsed lines: the JSON is read once, in base_amazon_connect__contact_record_versions. -#}
{{ config(materialized='view') }}
with

record_versions as (
    select * from {{ ref('base_amazon_connect__contact_record_versions') }}
),

final as (
    select
        -- feed
        'amazon_connect' as source_system,
        'contact_records' as source_table,

        -- identity and version
        contact_id as record_id,
        last_updated_at as version_at,

        -- lineage
        source_file,
        source_row,
        delivery_date
    from record_versions
)

select * from final
