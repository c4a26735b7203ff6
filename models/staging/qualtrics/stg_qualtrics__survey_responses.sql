{#- One row per survey response. Timestamps are converted from the survey account's time zone to
    UTC; recipient names and e-mail are dropped or pseudonymised; identifiers in comments are masked.
    Responses of other survey systems arrive through built-in mappings (mappings/*.yml) in this
    contract's shape and are told apart by source_system; a post-call IVR rating counts only for a
    contact no survey platform response covers (DECISIONLOG "IVR ratings"). -#}
{%- set account_time_zone = var('qualtrics_account_timezone') -%}
{%- set raw_columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(source('qualtrics', 'survey_responses')) -%}
        {%- do raw_columns.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif -%}
{%- set scale_rules = {} -%}
{%- for item in ['Q1', 'Q2', 'Q3'] -%}
    {%- if (item ~ '_scale_rule') | lower in raw_columns -%}
        {%- do scale_rules.update({item: "nullif(deduplicated." ~ item ~ "_scale_rule, '')"}) -%}
    {%- else -%}
        {%- do scale_rules.update({item: "cast(null as " ~ dbt.type_string() ~ ")"}) -%}
    {%- endif -%}
{%- endfor %}
with

source as (
    select * from {{ source('qualtrics', 'survey_responses') }}
),

survey_status_vocabulary as (
    select * from {{ ref('survey_status_vocabulary') }}
),

with_source_system as (
    select
        *,
        {{ source_system_of_file('_source_file', 'qualtrics') }} as source_system
    from source
),

deduplicated as (
    select
        *,
        row_number() over (partition by ResponseId order by _delivery_date desc, _source_row desc) as delivery_rank
    from with_source_system
),

-- Contacts a survey platform response covers: an IVR rating of the same contact is not counted.
platform_surveyed_contacts as (
    select distinct connect_contact_id as contact_id
    from deduplicated
    where
        delivery_rank = 1
        and coalesce(DistributionChannel, '') <> 'ivr'
        and coalesce(connect_contact_id, '') <> ''
),

counted as (
    select deduplicated.*
    from deduplicated
    left join platform_surveyed_contacts
        on deduplicated.connect_contact_id = platform_surveyed_contacts.contact_id
    where
        deduplicated.delivery_rank = 1
        and (coalesce(deduplicated.DistributionChannel, '') <> 'ivr' or platform_surveyed_contacts.contact_id is null)
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

        -- the rule that placed each score on its canonical scale (null: asked on that scale)
        {{ scale_rules['Q1'] }} as csat_scale_rule,
        {{ scale_rules['Q2'] }} as effort_scale_rule,
        {{ scale_rules['Q3'] }} as recommend_scale_rule,

        -- measures
        cast(nullif(deduplicated.Progress, '') as integer) as progress_percent,
        cast(nullif(deduplicated.{{ adapter.quote('Duration (in seconds)') }}, '') as integer) as duration_seconds,

        -- timestamps (UTC, converted from {{ account_time_zone }})
        {{ utc_from_local('deduplicated.StartDate', account_time_zone) }} as started_at,
        {{ utc_from_local('deduplicated.EndDate', account_time_zone) }} as ended_at,
        {{ utc_from_local('deduplicated.RecordedDate', account_time_zone) }} as recorded_at,

        -- lineage
        deduplicated.source_system,
        deduplicated._source_file as source_file,
        deduplicated._source_row as source_row,
        deduplicated._delivery_date as delivery_date
    from counted as deduplicated
    left join survey_status_vocabulary
        on
            deduplicated.source_system = survey_status_vocabulary.source_system
            and deduplicated.Status = survey_status_vocabulary.source_value
)

select * from final
