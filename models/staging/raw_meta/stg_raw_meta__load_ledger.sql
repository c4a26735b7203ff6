{#- One row per landed file the loader recorded (loaded, quarantined, or skipped as a byte-for-byte
    duplicate of a file already loaded), typed and renamed. -#}
with

source as (
    select * from {{ source('raw_meta', 'load_ledger') }}
),

final as (
    select
        -- ids
        source_file,
        sha256 as file_sha256,

        -- feed
        source as source_system,
        table_name as source_table,

        -- status
        status as load_status,
        status = 'quarantined' as is_quarantined,
        status = 'duplicate' as is_duplicate_file,

        -- measures
        row_count,
        size_bytes,
        duration_seconds,

        -- dates and timestamps (UTC)
        delivery_date,
        loaded_at
    from source
)

select * from final
