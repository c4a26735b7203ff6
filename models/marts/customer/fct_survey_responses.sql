{#- One row per live survey response of an in-scope customer, attributed through the surveyed
    contact to its contact chain and episode, with the parts of CSAT, customer effort and NPS
    as additive 0/1 flags and score sums. See DECISIONLOG "Survey responses". -#}
with

-- Previews, tests and spam never count; unfinished live responses do (their answered items).
responses as (
    select * from {{ ref('stg_qualtrics__survey_responses') }}
    where is_live_response
),

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
),

-- In-scope chains only: a response on an excluded chain is excluded with it.
episode_chains as (
    select * from {{ ref('int_episodes__sessionised') }}
),

episodes as (
    select * from {{ ref('int_episodes__resolved') }}
),

-- The score cut-offs are the published definitions of each item; the versions tag every figure.
survey_definitions as (
    select
        max(case when metric_id = 'csat' then version end) as csat_definition_version,
        max(case when metric_id = 'customer_effort' then version end) as effort_definition_version,
        max(case when metric_id = 'nps' then version end) as nps_definition_version
    from {{ ref('metric_registry') }}
    where metric_id in ('csat', 'customer_effort', 'nps') and status = 'active'
),

-- Surveyed contact (the last leg) -> its chain -> the chain's episode.
attributed as (
    select
        responses.*,
        episode_chains.contact_chain_id,
        episode_chains.episode_id,
        episode_chains.customer_id as chain_customer_id,
        episode_chains.region,
        episode_chains.segment,
        episode_chains.intent as chain_intent,
        episode_chains.channel as chain_channel,
        episodes.is_resolved as is_episode_resolved,
        survey_definitions.csat_definition_version,
        survey_definitions.effort_definition_version,
        survey_definitions.nps_definition_version
    from responses
    inner join contact_records
        on responses.contact_id = contact_records.contact_id
    inner join episode_chains
        on contact_records.contact_chain_id = episode_chains.contact_chain_id
    inner join episodes
        on episode_chains.episode_id = episodes.episode_id
    cross join survey_definitions
),

final as (
    select
        -- ids
        response_id,
        contact_chain_id,
        episode_id,
        chain_customer_id as customer_id,

        -- dimensions
        region,
        segment,
        chain_intent as intent,
        chain_channel as channel,
        cast(recorded_at as date) as recorded_date,
        source_system,

        -- flags
        is_finished,
        is_episode_resolved,

        -- CSAT parts
        case when csat_score is not null then 1 else 0 end as csat_answered,
        case when csat_score >= 4 then 1 else 0 end as csat_top_two_box,
        coalesce(csat_score, 0) as csat_score_sum,

        -- customer effort parts (7 = strongly agree that it was easy)
        case when effort_score is not null then 1 else 0 end as effort_answered,
        case when effort_score >= 5 then 1 else 0 end as effort_easy,
        coalesce(effort_score, 0) as effort_score_sum,

        -- NPS parts
        case when recommend_score is not null then 1 else 0 end as recommend_answered,
        case when recommend_score >= 9 then 1 else 0 end as promoter,
        case when recommend_score between 7 and 8 then 1 else 0 end as passive,
        case when recommend_score <= 6 then 1 else 0 end as detractor,

        -- the declared rule that placed each score on its canonical scale (null: native scale)
        csat_scale_rule,
        effort_scale_rule,
        recommend_scale_rule,

        -- timestamps (UTC)
        recorded_at,

        -- definition versions
        csat_definition_version,
        effort_definition_version,
        nps_definition_version
    from attributed
)

select * from final
