{#- One row per landed feed and delivery day: every row received, and where each one went:
    quarantined with its file, skipped with a file already loaded byte for byte, collapsed as a
    duplicate or superseded version, excluded from the outcomes with a named reason, or loaded
    into the base the marts are built on. Whatever is left is unexplained and must be zero.
    See DECISIONLOG "Data-quality audit". -#}
with

ledger as (
    select * from {{ ref('stg_raw_meta__load_ledger') }}
),

delivered_rows as (
    select * from {{ ref('int_delivered_rows__classified') }}
),

-- What the loader received, from its ledger: every file, loaded, quarantined or a duplicate.
received as (
    select
        source_system,
        source_table,
        delivery_date,
        count(*) as received_files,
        count(case when is_quarantined then 1 end) as quarantined_files,
        count(case when is_duplicate_file then 1 end) as duplicate_files,
        cast(coalesce(sum(row_count), 0) as {{ dbt.type_bigint() }}) as received_rows,
        cast(coalesce(sum(case when is_quarantined then row_count end), 0) as {{ dbt.type_bigint() }})
            as quarantined_rows,
        cast(coalesce(sum(case when is_duplicate_file then row_count end), 0) as {{ dbt.type_bigint() }})
            as duplicate_file_rows
    from ledger
    group by source_system, source_table, delivery_date
),

-- Where each landed row went, counted by the day its file was delivered.
dispositions as (
    select
        source_system,
        source_table,
        delivery_date,
        count(case when disposition = 'duplicate' then 1 end) as duplicate_rows,
        count(case when disposition = 'superseded' then 1 end) as superseded_rows,
        count(case when disposition = 'bot_or_monitoring' then 1 end) as excluded_bot_or_monitoring_rows,
        count(case when disposition = 'internal_test' then 1 end) as excluded_internal_test_rows,
        count(case when disposition = 'unidentified_customer' then 1 end) as excluded_unidentified_customer_rows,
        count(case when disposition = 'unlinked' then 1 end) as excluded_unlinked_rows,
        count(case when disposition = 'deleted_in_source' then 1 end) as excluded_deleted_rows,
        count(case when disposition = 'loaded' then 1 end) as loaded_rows
    from delivered_rows
    group by source_system, source_table, delivery_date
),

-- A full join, so that rows in a raw table with no ledger entry would show, never vanish.
reconciled as (
    select
        coalesce(received.source_system, dispositions.source_system) as source_system,
        coalesce(received.source_table, dispositions.source_table) as source_table,
        coalesce(received.delivery_date, dispositions.delivery_date) as delivery_date,
        coalesce(received.received_files, 0) as received_files,
        coalesce(received.quarantined_files, 0) as quarantined_files,
        coalesce(received.duplicate_files, 0) as duplicate_files,
        coalesce(received.received_rows, 0) as received_rows,
        coalesce(received.quarantined_rows, 0) as quarantined_rows,
        coalesce(received.duplicate_file_rows, 0) as duplicate_file_rows,
        coalesce(dispositions.duplicate_rows, 0) as duplicate_rows,
        coalesce(dispositions.superseded_rows, 0) as superseded_rows,
        coalesce(dispositions.excluded_bot_or_monitoring_rows, 0) as excluded_bot_or_monitoring_rows,
        coalesce(dispositions.excluded_internal_test_rows, 0) as excluded_internal_test_rows,
        coalesce(dispositions.excluded_unidentified_customer_rows, 0) as excluded_unidentified_customer_rows,
        coalesce(dispositions.excluded_unlinked_rows, 0) as excluded_unlinked_rows,
        coalesce(dispositions.excluded_deleted_rows, 0) as excluded_deleted_rows,
        coalesce(dispositions.loaded_rows, 0) as loaded_rows
    from received
    full outer join dispositions
        on
            received.source_system = dispositions.source_system
            and received.source_table = dispositions.source_table
            and received.delivery_date = dispositions.delivery_date
),

final as (
    select
        -- key
        source_system || '/' || source_table || '/'
        || coalesce(cast(delivery_date as {{ dbt.type_string() }}), 'undated') as data_quality_audit_id,

        -- feed and day
        source_system,
        source_table,
        delivery_date,

        -- files
        cast(received_files as {{ dbt.type_bigint() }}) as received_files,
        cast(quarantined_files as {{ dbt.type_bigint() }}) as quarantined_files,
        cast(duplicate_files as {{ dbt.type_bigint() }}) as duplicate_files,

        -- rows: received, then where each went
        received_rows,
        quarantined_rows,
        duplicate_file_rows,
        cast(duplicate_rows as {{ dbt.type_bigint() }}) as duplicate_rows,
        cast(superseded_rows as {{ dbt.type_bigint() }}) as superseded_rows,
        cast(excluded_bot_or_monitoring_rows as {{ dbt.type_bigint() }}) as excluded_bot_or_monitoring_rows,
        cast(excluded_internal_test_rows as {{ dbt.type_bigint() }}) as excluded_internal_test_rows,
        cast(excluded_unidentified_customer_rows as {{ dbt.type_bigint() }}) as excluded_unidentified_customer_rows,
        cast(excluded_unlinked_rows as {{ dbt.type_bigint() }}) as excluded_unlinked_rows,
        cast(excluded_deleted_rows as {{ dbt.type_bigint() }}) as excluded_deleted_rows,
        cast(loaded_rows as {{ dbt.type_bigint() }}) as loaded_rows,
        cast(
            received_rows
            - quarantined_rows
            - duplicate_file_rows
            - duplicate_rows
            - superseded_rows
            - excluded_bot_or_monitoring_rows
            - excluded_internal_test_rows
            - excluded_unidentified_customer_rows
            - excluded_unlinked_rows
            - excluded_deleted_rows
            - loaded_rows
            as {{ dbt.type_bigint() }}
        ) as unexplained_rows
    from reconciled
)

select * from final
