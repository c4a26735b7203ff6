{#- One row per CaseHistory entry (a field change on a case), from Salesforce field history or
    from another CRM's change log mapped onto it (source_system). Status values stay as the
    system delivered them; whether a change closed or reopened the case is read through the
    system's rows of case_status_vocabulary, so the same event has the same flag in every source
    (Salesforce Closed -> Reopened and ServiceNow Resolved -> In Progress are both reopens).
    Field history rows are never updated; a row delivered again is one row, its latest delivery.
    Incremental: a run re-reads only the rows with a copy loaded since the previous one (DECISIONLOG
    "Incremental staging"). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='case_history_id',
    on_schema_change='fail',
) }}
with

case_status_vocabulary as (
    select * from {{ ref('case_status_vocabulary') }}
),

-- The latest delivery of each row (macro latest_lines).
latest_rows as (
    {{ latest_lines(source('salesforce', 'case_history'), 'Id') }}
),

latest_deliveries as (
    select
        *,
        {{ source_system_of_file('_source_file', 'salesforce') }} as source_system
    from latest_rows
),

final as (
    select
        -- ids
        latest_deliveries.Id as case_history_id,
        latest_deliveries.CaseId as case_id,
        nullif(latest_deliveries.CreatedById, '') as changed_by_id,

        -- change
        latest_deliveries.Field as field_name,
        nullif(latest_deliveries.OldValue, '') as old_value,
        nullif(latest_deliveries.NewValue, '') as new_value,

        -- flags: a closure moves a case from an open status to a closed one, a reopen back
        coalesce(
            latest_deliveries.Field = 'Status' and new_status.is_closed and not coalesce(old_status.is_closed, false),
            false
        ) as is_closure,
        coalesce(
            latest_deliveries.Field = 'Status' and old_status.is_closed and not new_status.is_closed, false
        ) as is_reopen,
        coalesce({{ text_to_boolean('latest_deliveries.IsDeleted') }}, false) as is_deleted,

        -- timestamps (UTC)
        {{ utc_from_iso('latest_deliveries.CreatedDate') }} as changed_at,

        -- lineage
        latest_deliveries.source_system,
        latest_deliveries._source_file as source_file,
        latest_deliveries._source_row as source_row,
        latest_deliveries._delivery_date as delivery_date,
        latest_deliveries.last_loaded_at
    from latest_deliveries
    left join case_status_vocabulary as old_status
        on
            latest_deliveries.source_system = old_status.source_system
            and latest_deliveries.OldValue = old_status.source_value
    left join case_status_vocabulary as new_status
        on
            latest_deliveries.source_system = new_status.source_system
            and latest_deliveries.NewValue = new_status.source_value
)

select * from final
