{#- One row per Account, latest version, from Salesforce or a mapped export of another CRM. The
    account Name can be a person's name and is dropped.
    Incremental: a run re-ranks only the accounts with a row loaded since the previous one, over all
    of their rows (DECISIONLOG "Incremental staging"). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='account_id',
    on_schema_change='fail',
) }}
with

-- The latest version: the greatest SystemModstamp, then the latest delivery (macro latest_lines).
latest_rows as (
    {{ latest_lines(source('salesforce', 'accounts'), 'Id', version_order=utc_from_iso('SystemModstamp') ~ ' desc') }}
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
        Id as account_id,

        -- categories
        Type as account_type,
        nullif(Segment__c, '') as segment,
        nullif(Region__c, '') as region,
        nullif(BillingCountry, '') as billing_country,
        nullif(Customer_Status__c, '') as customer_status,

        -- flags
        coalesce({{ text_to_boolean('Is_Internal_Test__c') }}, false) as is_internal_test,
        coalesce({{ text_to_boolean('IsDeleted') }}, false) as is_deleted,

        -- measures
        cast(nullif(Annual_Value__c, '') as decimal(18, 2)) as annual_value,

        -- dates and timestamps (UTC)
        cast(nullif(Churn_Date__c, '') as date) as churned_on,
        {{ utc_from_iso('CreatedDate') }} as created_at,
        {{ utc_from_iso('SystemModstamp') }} as system_modstamp_at,

        -- lineage
        source_system,
        _source_file as source_file,
        _source_row as source_row,
        _delivery_date as delivery_date,
        last_loaded_at
    from latest_versions
)

select * from final
