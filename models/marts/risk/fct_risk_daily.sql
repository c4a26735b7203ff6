{#- UTC day x customer region: the additive parts of the risk lens — complaints received and closed,
    DISP breaches, near-breaches and exemptions, the two consent checks, and first contact resolution
    of consented vulnerable customers beside everyone else. Each part is dated by its own event
    (see the YAML); sum the parts, then divide. See DECISIONLOG "Risk lens by day". -#}
with

complaints as (
    select * from {{ ref('fct_complaints') }}
),

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

-- The consent check's population (DECISIONLOG "Consent compliance"): non-test customers flagged
-- vulnerable, consented or not. Only the count of flags without consent leaves this model.
flagged_customers as (
    select * from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted and not is_internal_test and is_vulnerable
),

customers as (
    select * from {{ ref('dim_customers') }}
),

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
),

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
),

risk_definitions as (
    select
        max(case when metric_id = 'complaint_handling_compliance' then version end)
            as compliance_definition_version,
        max(case when metric_id = 'survey_without_consent' then version end) as survey_consent_definition_version,
        max(case when metric_id = 'vulnerability_flag_without_consent' then version end)
            as vulnerability_consent_definition_version,
        max(case when metric_id = 'first_contact_resolution' then version end) as fcr_definition_version
    from registry
),

-- Complaints by the UTC day received; their status (breach, near-breach, exemption) is as of the
-- data horizon and stays with the day of receipt, as in complaint_breach_rate.
complaints_received as (
    select
        cast(received_at as date) as risk_date,
        region,
        count(*) as complaints_received,
        sum(judged_count) as complaints_judged,
        sum(breach_count) as complaint_breaches,
        sum(case when is_near_breach then 1 else 0 end) as complaint_near_breaches,
        sum(case when deadline_status = 'resolved_by_third_business_day' then 1 else 0 end)
            as complaints_resolved_by_third_business_day
    from complaints
    group by 1, 2
),

-- Complaints by the UTC day of their first closure after receipt (the final response).
complaints_closed as (
    select
        cast(first_response_at as date) as risk_date,
        region,
        count(*) as complaints_closed
    from complaints
    where first_response_at is not null
    group by 1, 2
),

-- Surveys without consent: the responses the survey outcomes count, by the UTC day recorded.
survey_consent_checks as (
    select
        survey_responses.recorded_date as risk_date,
        survey_responses.region,
        count(*) as survey_responses_checked,
        sum(case when contact_records.has_survey_consent = false then 1 else 0 end) as surveys_without_consent
    from survey_responses
    inner join survey_contacts
        on survey_responses.response_id = survey_contacts.response_id
    left join contact_records
        on survey_contacts.contact_id = contact_records.contact_id
    group by 1, 2
),

-- Vulnerability flags without consent, by the UTC day the customer record was created.
vulnerability_consent_checks as (
    select
        cast(flagged_customers.created_at as date) as risk_date,
        customers.region,
        count(*) as vulnerability_flags_checked,
        sum(case when flagged_customers.has_vulnerability_consent then 0 else 1 end)
            as vulnerability_flags_without_consent
    from flagged_customers
    left join customers
        on flagged_customers.customer_id = customers.customer_id
    group by 1, 2
),

-- First contact resolution by the UTC day of the episode's first contact, consented vulnerable
-- customers apart from everyone else (DECISIONLOG "Vulnerable customers").
vulnerable_fcr as (
    select
        episodes.first_contact_date as risk_date,
        episodes.region,
        sum(case when customers.is_vulnerable_with_consent then episodes.fcr_numerator else 0 end)
            as vulnerable_fcr_numerator,
        sum(case when customers.is_vulnerable_with_consent then episodes.fcr_denominator else 0 end)
            as vulnerable_fcr_denominator,
        sum(case when customers.is_vulnerable_with_consent then 0 else episodes.fcr_numerator end)
            as other_fcr_numerator,
        sum(case when customers.is_vulnerable_with_consent then 0 else episodes.fcr_denominator end)
            as other_fcr_denominator
    from episodes
    left join customers
        on episodes.customer_id = customers.customer_id
    group by 1, 2
),

day_keys as (
    select
        risk_date,
        region
    from complaints_received
    union
    select
        risk_date,
        region
    from complaints_closed
    union
    select
        risk_date,
        region
    from survey_consent_checks
    union
    select
        risk_date,
        region
    from vulnerability_consent_checks
    union
    select
        risk_date,
        region
    from vulnerable_fcr
),

final as (
    select
        -- keys
        {{ dbt.concat(["cast(day_keys.risk_date as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(day_keys.region, '')"]) }} as risk_day_key,
        day_keys.risk_date,
        day_keys.region,

        -- complaint handling parts
        cast(coalesce(complaints_received.complaints_received, 0) as {{ dbt.type_bigint() }}) as complaints_received,
        cast(coalesce(complaints_closed.complaints_closed, 0) as {{ dbt.type_bigint() }}) as complaints_closed,
        cast(coalesce(complaints_received.complaint_breaches, 0) as {{ dbt.type_bigint() }}) as complaint_breaches,
        cast(coalesce(complaints_received.complaints_judged, 0) as {{ dbt.type_bigint() }}) as complaints_judged,
        cast(coalesce(complaints_received.complaint_near_breaches, 0) as {{ dbt.type_bigint() }})
            as complaint_near_breaches,
        cast(coalesce(complaints_received.complaints_resolved_by_third_business_day, 0) as {{ dbt.type_bigint() }})
            as complaints_resolved_by_third_business_day,

        -- consent compliance parts
        cast(coalesce(survey_consent_checks.surveys_without_consent, 0) as {{ dbt.type_bigint() }})
            as surveys_without_consent,
        cast(coalesce(survey_consent_checks.survey_responses_checked, 0) as {{ dbt.type_bigint() }})
            as survey_responses_checked,
        cast(coalesce(vulnerability_consent_checks.vulnerability_flags_without_consent, 0) as {{ dbt.type_bigint() }})
            as vulnerability_flags_without_consent,
        cast(coalesce(vulnerability_consent_checks.vulnerability_flags_checked, 0) as {{ dbt.type_bigint() }})
            as vulnerability_flags_checked,

        -- first contact resolution parts: consented vulnerable customers, everyone else
        cast(coalesce(vulnerable_fcr.vulnerable_fcr_numerator, 0) as {{ dbt.type_bigint() }})
            as vulnerable_fcr_numerator,
        cast(coalesce(vulnerable_fcr.vulnerable_fcr_denominator, 0) as {{ dbt.type_bigint() }})
            as vulnerable_fcr_denominator,
        cast(coalesce(vulnerable_fcr.other_fcr_numerator, 0) as {{ dbt.type_bigint() }}) as other_fcr_numerator,
        cast(coalesce(vulnerable_fcr.other_fcr_denominator, 0) as {{ dbt.type_bigint() }}) as other_fcr_denominator,

        -- definition versions
        cast(risk_definitions.compliance_definition_version as integer) as compliance_definition_version,
        cast(risk_definitions.survey_consent_definition_version as integer) as survey_consent_definition_version,
        cast(risk_definitions.vulnerability_consent_definition_version as integer)
            as vulnerability_consent_definition_version,
        cast(risk_definitions.fcr_definition_version as integer) as fcr_definition_version
    from day_keys
    cross join risk_definitions
    left join complaints_received
        on day_keys.risk_date = complaints_received.risk_date
            and day_keys.region is not distinct from complaints_received.region
    left join complaints_closed
        on day_keys.risk_date = complaints_closed.risk_date
            and day_keys.region is not distinct from complaints_closed.region
    left join survey_consent_checks
        on day_keys.risk_date = survey_consent_checks.risk_date
            and day_keys.region is not distinct from survey_consent_checks.region
    left join vulnerability_consent_checks
        on day_keys.risk_date = vulnerability_consent_checks.risk_date
            and day_keys.region is not distinct from vulnerability_consent_checks.region
    left join vulnerable_fcr
        on day_keys.risk_date = vulnerable_fcr.risk_date
            and day_keys.region is not distinct from vulnerable_fcr.region
)

select * from final
