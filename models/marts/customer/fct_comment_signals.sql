{#- One row per live survey response of an in-scope customer that carries a comment: the trust and
    emotion read from the comment beside the scores the customer gave, so the text signal can be
    used where no score was given and checked where one was. -#}
with

survey_responses as (
    select * from {{ ref('fct_survey_responses') }}
),

scored_comments as (
    select * from {{ ref('int_survey_comments__scored') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

staged_responses as (
    select * from {{ ref('stg_qualtrics__survey_responses') }}
),

signal_definition as (
    select version as signal_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'comment_signal_agreement' and status = 'active'
),

final as (
    select
        -- ids
        survey_responses.response_id,
        survey_responses.episode_id,
        survey_responses.customer_id,

        -- dimensions
        survey_responses.region,
        customers.age_band,
        scored_comments.user_language,
        scored_comments.comment_polarity,

        -- text signal
        scored_comments.trust_score,
        scored_comments.emotion_score,
        scored_comments.comment_score,
        scored_comments.matched_phrase_count,

        -- the customer's own scores, for calibration
        staged_responses.csat_score,
        case
            when staged_responses.csat_score >= 4 then 'positive'
            when staged_responses.csat_score <= 2 then 'negative'
            when staged_responses.csat_score = 3 then 'neutral'
        end as csat_polarity,
        case
            when staged_responses.csat_score is null then null
            when staged_responses.csat_score >= 4 and scored_comments.comment_polarity = 'positive' then 1
            when staged_responses.csat_score <= 2 and scored_comments.comment_polarity = 'negative' then 1
            when staged_responses.csat_score = 3 and scored_comments.comment_polarity = 'neutral' then 1
            else 0
        end as agrees_with_csat,
        survey_responses.recorded_date,

        -- definition version
        signal_definition.signal_definition_version
    from survey_responses
    inner join scored_comments
        on survey_responses.response_id = scored_comments.response_id
    inner join staged_responses
        on survey_responses.response_id = staged_responses.response_id
    left join customers
        on survey_responses.customer_id = customers.customer_id
    cross join signal_definition
)

select * from final
