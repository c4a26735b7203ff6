{#- One row per Account, latest version, from Salesforce or a mapped export of another CRM. The
    account Name can be a person's name and is dropped. -#}
with

source as (
    select * from {{ source('salesforce', 'accounts') }}
),

versions_ranked as (
    select
        *,
        {{ source_system_of_file('_source_file', 'salesforce') }} as source_system,
        row_number() over (
            partition by Id
            order by {{ utc_from_iso('SystemModstamp') }} desc, _delivery_date desc, _source_row desc
        ) as version_rank
    from source
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
        _delivery_date as delivery_date
    from versions_ranked
    where version_rank = 1
)

select * from final
