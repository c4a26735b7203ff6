{#- One row per CaseHistory entry (a field change on a case). -#}
with

source as (
    select * from {{ source('salesforce', 'case_history') }}
),

deduplicated as (
    select
        *,
        row_number() over (partition by Id order by _delivery_date desc, _source_row desc) as delivery_rank
    from source
),

final as (
    select
        -- ids
        Id as case_history_id,
        CaseId as case_id,
        nullif(CreatedById, '') as changed_by_id,

        -- change
        Field as field_name,
        nullif(OldValue, '') as old_value,
        nullif(NewValue, '') as new_value,

        -- flags
        coalesce({{ text_to_boolean('IsDeleted') }}, false) as is_deleted,

        -- timestamps (UTC)
        {{ utc_from_iso('CreatedDate') }} as changed_at,

        -- lineage
        _source_file as source_file,
        _delivery_date as delivery_date
    from deduplicated
    where delivery_rank = 1
)

select * from final
