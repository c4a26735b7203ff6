{#- One row per Salesforce row as delivered, for the four landed tables (every version and every
    re-delivery), with only its lineage, identity and version stamp (SystemModstamp; CaseHistory
    rows are never updated and carry none), for the data-quality audit. -#}
{#- A view: only the data-quality audit reads it, once per build. -#}
{{ config(materialized='view') }}
with

cases as (
    select * from {{ source('salesforce', 'cases') }}
),

case_history as (
    select * from {{ source('salesforce', 'case_history') }}
),

accounts as (
    select * from {{ source('salesforce', 'accounts') }}
),

contacts as (
    select * from {{ source('salesforce', 'contacts') }}
),

unioned as (
    select
        'Case' as source_table,
        Id as record_id,
        {{ utc_from_iso('SystemModstamp') }} as version_at,
        _source_file,
        _source_row,
        _delivery_date
    from cases
    union all
    select
        'CaseHistory' as source_table,
        Id as record_id,
        cast(null as {{ dbt.type_timestamp() }}) as version_at,
        _source_file,
        _source_row,
        _delivery_date
    from case_history
    union all
    select
        'Account' as source_table,
        Id as record_id,
        {{ utc_from_iso('SystemModstamp') }} as version_at,
        _source_file,
        _source_row,
        _delivery_date
    from accounts
    union all
    select
        'Contact' as source_table,
        Id as record_id,
        {{ utc_from_iso('SystemModstamp') }} as version_at,
        _source_file,
        _source_row,
        _delivery_date
    from contacts
),

final as (
    select
        -- feed
        'salesforce' as source_system,
        source_table,

        -- identity and version
        record_id,
        version_at,

        -- lineage
        _source_file as source_file,
        _source_row as source_row,
        _delivery_date as delivery_date
    from unioned
)

select * from final
