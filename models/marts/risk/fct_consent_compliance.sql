{#- Consent compliance (risk lens): one row per consent check and month, as additive parts —
    survey_without_consent: live survey responses whose surveyed contact carried
    survey_opt_in = false, over live responses (month recorded, UTC);
    vulnerability_flag_without_consent: customers flagged vulnerable without consent to the flag's
    use (held but never used), over customers flagged vulnerable (month the customer record was
    created, UTC). See DECISIONLOG "Consent compliance". -#}
with

survey_responses as (
    select * from {{ ref('fct_survey_responses') }}
),

survey_contacts as (
    select * from {{ ref('stg_qualtrics__survey_responses') }}
    where is_live_response
),

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
),

salesforce_contacts as (
    select * from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted and not is_internal_test and is_vulnerable
),

-- Each check is a registry metric of the same id; its active version tags the figures.
check_definitions as (
    select
        metric_id as consent_check,
        version as definition_version
    from {{ ref('metric_registry') }}
    where metric_id in ('survey_without_consent', 'vulnerability_flag_without_consent') and status = 'active'
),

-- The responses the survey outcomes count, with the consent their surveyed contact carried.
survey_checks as (
    select
        'survey_without_consent' as consent_check,
        cast({{ dbt.date_trunc('month', 'survey_responses.recorded_date') }} as date) as check_month,
        case when contact_records.has_survey_consent = false then 1 else 0 end as breach_count,
        1 as checked_count
    from survey_responses
    inner join survey_contacts
        on survey_responses.response_id = survey_contacts.response_id
    left join contact_records
        on survey_contacts.contact_id = contact_records.contact_id
),

vulnerability_checks as (
    select
        'vulnerability_flag_without_consent' as consent_check,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as check_month,
        case when has_vulnerability_consent then 0 else 1 end as breach_count,
        1 as checked_count
    from salesforce_contacts
),

all_checks as (
    select * from survey_checks
    union all
    select * from vulnerability_checks
),

monthly as (
    select
        all_checks.consent_check,
        all_checks.check_month,
        sum(all_checks.breach_count) as breach_count,
        sum(all_checks.checked_count) as checked_count,
        max(check_definitions.definition_version) as definition_version
    from all_checks
    inner join check_definitions
        on all_checks.consent_check = check_definitions.consent_check
    group by all_checks.consent_check, all_checks.check_month
),

final as (
    select
        -- ids
        {{ dbt.concat(['consent_check', "'|'", 'cast(check_month as ' ~ dbt.type_string() ~ ')']) }}
            as consent_check_month_key,

        -- dimensions
        consent_check,
        check_month,

        -- compliance parts (breaches / checked)
        cast(breach_count as integer) as breach_count,
        cast(checked_count as integer) as checked_count,

        -- definition version
        cast(definition_version as integer) as consent_definition_version
    from monthly
)

select * from final
