{#- One row per in-scope customer with at least one in-scope contact chain in the period: the parts of
    every customer-lens outcome summed over the customer's episodes, chains, survey responses and
    comments, beside the attributes outcomes are sliced by. The same customers as
    fct_customer_revenue_risk (business lens), which carries their cost and value. See DECISIONLOG
    "Customer-grain outcomes". -#}
with

customers as (
    select * from {{ ref('dim_customers') }}
    where not is_internal_test
),

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
),

contact_chains as (
    select * from {{ ref('fct_contact_outcomes') }}
),

survey_responses as (
    select * from {{ ref('fct_survey_responses') }}
),

comment_signals as (
    select * from {{ ref('fct_comment_signals') }}
),

episodes_per_customer as (
    select
        customer_id,
        min(first_contact_date) as first_contact_date,
        max(cast(last_contact_at as date)) as last_contact_date,
        count(*) as episode_count,
        sum(case when is_assisted then 1 else 0 end) as assisted_episode_count,
        sum(fcr_numerator) as fcr_numerator,
        sum(fcr_denominator) as fcr_denominator,
        sum(confirmed_resolution_count) as confirmed_resolution_count,
        sum(confirmed_resolution_seconds) as confirmed_resolution_seconds,
        sum(confirmed_business_resolution_seconds) as confirmed_business_resolution_seconds,
        sum(containment_numerator) as containment_numerator,
        sum(containment_denominator) as containment_denominator,
        max(fcr_definition_version) as fcr_definition_version,
        max(resolution_time_definition_version) as resolution_time_definition_version,
        max(containment_definition_version) as containment_definition_version
    from episodes
    group by customer_id
),

chains_per_customer as (
    select
        customer_id,
        sum(repeat_numerator) as repeat_numerator,
        sum(repeat_denominator) as repeat_denominator,
        max(repeat_definition_version) as repeat_definition_version
    from contact_chains
    group by customer_id
),

responses_per_customer as (
    select
        customer_id,
        count(*) as survey_response_count,
        sum(csat_answered) as csat_answered,
        sum(csat_top_two_box) as csat_top_two_box,
        sum(csat_score_sum) as csat_score_sum,
        sum(effort_answered) as effort_answered,
        sum(effort_easy) as effort_easy,
        sum(effort_score_sum) as effort_score_sum,
        sum(recommend_answered) as recommend_answered,
        sum(promoter) as nps_promoters,
        sum(detractor) as nps_detractors
    from survey_responses
    group by customer_id
),

comments_per_customer as (
    select
        customer_id,
        count(*) as comments_scored,
        sum(case when agrees_with_csat is not null then 1 else 0 end) as comments_with_csat,
        sum(coalesce(agrees_with_csat, 0)) as comments_agreeing_with_csat,
        sum(trust_score) as comment_trust_score_sum,
        sum(emotion_score) as comment_emotion_score_sum
    from comment_signals
    group by customer_id
),

-- A customer is in the mart when an in-scope chain of theirs formed an episode; every response
-- and comment hangs off such a chain, so the other parts never bring a customer of their own.
customers_served as (
    select
        customers.customer_id,
        customers.region,
        customers.segment,
        customers.age_band,
        customers.preferred_language,
        customers.is_vulnerable_with_consent,
        episodes_per_customer.first_contact_date,
        episodes_per_customer.last_contact_date,
        episodes_per_customer.episode_count,
        episodes_per_customer.assisted_episode_count,
        episodes_per_customer.fcr_numerator,
        episodes_per_customer.fcr_denominator,
        episodes_per_customer.confirmed_resolution_count,
        episodes_per_customer.confirmed_resolution_seconds,
        episodes_per_customer.confirmed_business_resolution_seconds,
        episodes_per_customer.containment_numerator,
        episodes_per_customer.containment_denominator,
        episodes_per_customer.fcr_definition_version,
        episodes_per_customer.resolution_time_definition_version,
        episodes_per_customer.containment_definition_version,
        chains_per_customer.repeat_numerator,
        chains_per_customer.repeat_denominator,
        chains_per_customer.repeat_definition_version,
        responses_per_customer.survey_response_count,
        responses_per_customer.csat_answered,
        responses_per_customer.csat_top_two_box,
        responses_per_customer.csat_score_sum,
        responses_per_customer.effort_answered,
        responses_per_customer.effort_easy,
        responses_per_customer.effort_score_sum,
        responses_per_customer.recommend_answered,
        responses_per_customer.nps_promoters,
        responses_per_customer.nps_detractors,
        comments_per_customer.comments_scored,
        comments_per_customer.comments_with_csat,
        comments_per_customer.comments_agreeing_with_csat,
        comments_per_customer.comment_trust_score_sum,
        comments_per_customer.comment_emotion_score_sum
    from customers
    inner join episodes_per_customer
        on customers.customer_id = episodes_per_customer.customer_id
    left join chains_per_customer
        on customers.customer_id = chains_per_customer.customer_id
    left join responses_per_customer
        on customers.customer_id = responses_per_customer.customer_id
    left join comments_per_customer
        on customers.customer_id = comments_per_customer.customer_id
),

final as (
    select
        -- ids
        customer_id,

        -- dimensions (from dim_customers)
        region,
        segment,
        age_band,
        preferred_language,

        -- flags
        is_vulnerable_with_consent,

        -- volumes
        cast(episode_count as {{ dbt.type_bigint() }}) as episode_count,
        cast(assisted_episode_count as {{ dbt.type_bigint() }}) as assisted_episode_count,

        -- first contact resolution parts
        cast(fcr_numerator as {{ dbt.type_bigint() }}) as fcr_numerator,
        cast(fcr_denominator as {{ dbt.type_bigint() }}) as fcr_denominator,

        -- repeat contact parts
        cast(coalesce(repeat_numerator, 0) as {{ dbt.type_bigint() }}) as repeat_numerator,
        cast(coalesce(repeat_denominator, 0) as {{ dbt.type_bigint() }}) as repeat_denominator,

        -- resolution time parts (confirmed resolutions only)
        cast(confirmed_resolution_count as {{ dbt.type_bigint() }}) as confirmed_resolution_count,
        cast(confirmed_resolution_seconds as {{ dbt.type_bigint() }}) as confirmed_resolution_seconds,
        cast(confirmed_business_resolution_seconds as {{ dbt.type_bigint() }})
            as confirmed_business_resolution_seconds,

        -- digital containment parts
        cast(containment_numerator as {{ dbt.type_bigint() }}) as containment_numerator,
        cast(containment_denominator as {{ dbt.type_bigint() }}) as containment_denominator,

        -- survey parts
        cast(coalesce(survey_response_count, 0) as {{ dbt.type_bigint() }}) as survey_response_count,
        cast(coalesce(csat_answered, 0) as {{ dbt.type_bigint() }}) as csat_answered,
        cast(coalesce(csat_top_two_box, 0) as {{ dbt.type_bigint() }}) as csat_top_two_box,
        cast(coalesce(csat_score_sum, 0) as {{ dbt.type_bigint() }}) as csat_score_sum,
        cast(coalesce(effort_answered, 0) as {{ dbt.type_bigint() }}) as effort_answered,
        cast(coalesce(effort_easy, 0) as {{ dbt.type_bigint() }}) as effort_easy,
        cast(coalesce(effort_score_sum, 0) as {{ dbt.type_bigint() }}) as effort_score_sum,
        cast(coalesce(recommend_answered, 0) as {{ dbt.type_bigint() }}) as recommend_answered,
        cast(coalesce(nps_promoters, 0) as {{ dbt.type_bigint() }}) as nps_promoters,
        cast(coalesce(nps_detractors, 0) as {{ dbt.type_bigint() }}) as nps_detractors,

        -- comment signal parts
        cast(coalesce(comments_scored, 0) as {{ dbt.type_bigint() }}) as comments_scored,
        cast(coalesce(comments_with_csat, 0) as {{ dbt.type_bigint() }}) as comments_with_csat,
        cast(coalesce(comments_agreeing_with_csat, 0) as {{ dbt.type_bigint() }}) as comments_agreeing_with_csat,
        cast(coalesce(comment_trust_score_sum, 0) as {{ dbt.type_bigint() }}) as comment_trust_score_sum,
        cast(coalesce(comment_emotion_score_sum, 0) as {{ dbt.type_bigint() }}) as comment_emotion_score_sum,

        -- dates (UTC)
        first_contact_date,
        last_contact_date,

        -- definition versions
        cast(fcr_definition_version as integer) as fcr_definition_version,
        cast(repeat_definition_version as integer) as repeat_definition_version,
        cast(resolution_time_definition_version as integer) as resolution_time_definition_version,
        cast(containment_definition_version as integer) as containment_definition_version
    from customers_served
)

select * from final
