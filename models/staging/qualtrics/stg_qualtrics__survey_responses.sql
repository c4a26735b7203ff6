{#- One row per survey response. Timestamps are converted from the survey account's time zone to
    UTC; recipient names and e-mail are dropped or pseudonymised; identifiers in comments are masked. -#}
{%- set account_time_zone = var('qualtrics_account_timezone') -%}
with

source as (
    select * from {{ source('qualtrics', 'survey_responses') }}
),

survey_status_vocabulary as (
    select * from {{ ref('survey_status_vocabulary') }}
    where source_system = 'qualtrics'
),

deduplicated as (
    select
        *,
        row_number() over (partition by ResponseId order by _delivery_date desc, _source_row desc) as delivery_rank
    from source
),

final as (
    select
        -- ids
        deduplicated.ResponseId as response_id,
        nullif(deduplicated.sf_contact_id, '') as customer_id,
        nullif(deduplicated.sf_case_id, '') as case_id,
        nullif(deduplicated.connect_contact_id, '') as contact_id,
        {{ pseudonymise('deduplicated.RecipientEmail') }} as recipient_email_key,

        -- categories
        survey_status_vocabulary.response_status,
        deduplicated.Status as source_status,
        nullif(deduplicated.DistributionChannel, '') as distribution_channel,
        lower(nullif(deduplicated.UserLanguage, '')) as user_language,
        nullif(deduplicated.channel, '') as contact_channel,
        nullif(deduplicated.intent, '') as intent,

        -- flags
        coalesce(survey_status_vocabulary.is_live_response, false) as is_live_response,
        coalesce({{ text_to_boolean('deduplicated.Finished') }}, false) as is_finished,

        -- answers
        cast(nullif(deduplicated.Q1, '') as integer) as csat_score,
        cast(nullif(deduplicated.Q2, '') as integer) as effort_score,
        cast(nullif(deduplicated.Q3, '') as integer) as recommend_score,
        nullif(deduplicated.Q3_NPS_GROUP, '') as nps_group,
        {{ redact_identifiers("nullif(deduplicated.Q4, '')") }} as comment_text,

        -- measures
        cast(nullif(deduplicated.Progress, '') as integer) as progress_percent,
        cast(nullif(deduplicated.{{ adapter.quote('Duration (in seconds)') }}, '') as integer) as duration_seconds,

        -- timestamps (UTC, converted from {{ account_time_zone }})
        {{ utc_from_local('deduplicated.StartDate', account_time_zone) }} as started_at,
        {{ utc_from_local('deduplicated.EndDate', account_time_zone) }} as ended_at,
        {{ utc_from_local('deduplicated.RecordedDate', account_time_zone) }} as recorded_at,

        -- lineage
        deduplicated._source_file as source_file,
        deduplicated._delivery_date as delivery_date
    from deduplicated
    left join survey_status_vocabulary
        on deduplicated.Status = survey_status_vocabulary.source_value
    where deduplicated.delivery_rank = 1
)

select * from final
