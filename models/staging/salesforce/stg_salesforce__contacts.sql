{#- One row per Contact (the customer), latest version, from Salesforce or a mapped export of
    another CRM. Names are dropped; e-mail and phone are
    pseudonymised so they can still be matched but not read.
    Incremental: a run re-ranks only the contacts with a row loaded since the previous one, over all
    of their rows (DECISIONLOG "Incremental staging"). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
) }}
with

-- The latest version: the greatest SystemModstamp, then the latest delivery (macro latest_lines).
latest_rows as (
    {{ latest_lines(source('salesforce', 'contacts'), 'Id', version_order=utc_from_iso('SystemModstamp') ~ ' desc') }}
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
        Id as customer_id,
        nullif(AccountId, '') as account_id,
        {{ pseudonymise('Email') }} as email_key,
        {{ pseudonymise('Phone') }} as phone_key,

        -- attributes
        cast(nullif(Birth_Year__c, '') as integer) as birth_year,
        nullif(Preferred_Language__c, '') as preferred_language,
        nullif(MailingCountry, '') as mailing_country,
        nullif(Vulnerability_Type__c, '') as vulnerability_type,

        -- flags
        coalesce({{ text_to_boolean('Vulnerability_Flag__c') }}, false) as is_vulnerable,
        coalesce({{ text_to_boolean('Vulnerability_Consent__c') }}, false) as has_vulnerability_consent,
        coalesce({{ text_to_boolean('Marketing_Consent__c') }}, false) as has_marketing_consent,
        coalesce({{ text_to_boolean('Is_Internal_Test__c') }}, false) as is_internal_test,
        coalesce({{ text_to_boolean('IsDeleted') }}, false) as is_deleted,

        -- timestamps (UTC)
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
