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

survey_definition as (
    select version as survey_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'survey_without_consent' and status = 'active'
),

vulnerability_definition as (
    select version as vulnerability_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'vulnerability_flag_without_consent' and status = 'active'
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

survey_monthly as (
    select
        survey_checks.consent_check,
        survey_checks.check_month,
        sum(survey_checks.breach_count) as breach_count,
        sum(survey_checks.checked_count) as checked_count,
        max(survey_definition.survey_definition_version) as definition_version
    from survey_checks
    cross join survey_definition
    group by survey_checks.consent_check, survey_checks.check_month
),

vulnerability_monthly as (
    select
        vulnerability_checks.consent_check,
        vulnerability_checks.check_month,
        sum(vulnerability_checks.breach_count) as breach_count,
        sum(vulnerability_checks.checked_count) as checked_count,
        max(vulnerability_definition.vulnerability_definition_version) as definition_version
    from vulnerability_checks
    cross join vulnerability_definition
    group by vulnerability_checks.consent_check, vulnerability_checks.check_month
),

unioned as (
    select * from survey_monthly
    union all
    select * from vulnerability_monthly
),

final as (
    select
        -- ids
        consent_check || '|' || cast(check_month as {{ dbt.type_string() }}) as consent_check_month_key,

        -- dimensions
        consent_check,
        check_month,

        -- compliance parts (breaches / checked)
        cast(breach_count as integer) as breach_count,
        cast(checked_count as integer) as checked_count,

        -- definition version
        cast(definition_version as integer) as consent_definition_version
    from unioned
)

select * from final
