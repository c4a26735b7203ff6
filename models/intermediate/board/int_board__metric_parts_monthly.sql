{#- The board's metrics as additive parts: one row per registry metric, UTC month, customer segment
    and intent, with the numerator and denominator summed from the mart that owns the metric (each
    dated as that mart dates it). The board scorecard, the OKR progress and their trends all read
    these parts, so each metric is summed in one place. Metrics whose mart has no segment or intent
    carry nulls there. NPS's numerator is 100 x (promoters - detractors), so that every value is
    numerator / denominator. See DECISIONLOG "Board scorecard". -#}
with

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
),

contact_chains as (
    select * from {{ ref('fct_contact_outcomes') }}
),

survey_responses as (
    select * from {{ ref('fct_survey_responses') }}
),

contact_costs as (
    select * from {{ ref('fct_contact_costs') }}
),

risk_days as (
    select * from {{ ref('fct_risk_daily') }}
),

episode_parts as (
    select
        cast({{ dbt.date_trunc('month', 'first_contact_date') }} as date) as period_month,
        segment,
        intent,
        sum(fcr_numerator) as fcr_numerator,
        sum(fcr_denominator) as fcr_denominator,
        sum(containment_numerator) as containment_numerator,
        sum(containment_denominator) as containment_denominator,
        sum(confirmed_resolution_seconds) as confirmed_resolution_seconds,
        sum(confirmed_resolution_count) as confirmed_resolution_count,
        -- null, like containment's parts, where no episode of the slice records them (no CRM)
        case
            when count(containment_denominator) > 0
                then sum(case when containment_denominator = 1 then assisted_chain_count else 0 end)
        end as mature_assisted_chains
    from episodes
    group by 1, 2, 3
),

chain_parts as (
    select
        cast({{ dbt.date_trunc('month', 'contact_date') }} as date) as period_month,
        segment,
        intent,
        sum(repeat_numerator) as repeat_numerator,
        sum(repeat_denominator) as repeat_denominator,
        sum(auth_passed_count) as auth_passed,
        sum(auth_attempted_count) as auth_attempted,
        sum(accurate_article_use_count) as accurate_article_uses,
        sum(article_use_count) as article_uses,
        sum(transfer_numerator) as transfer_numerator,
        sum(transfer_denominator) as transfer_denominator
    from contact_chains
    group by 1, 2, 3
),

survey_parts as (
    select
        cast({{ dbt.date_trunc('month', 'recorded_date') }} as date) as period_month,
        segment,
        intent,
        sum(csat_top_two_box) as csat_top_two_box,
        sum(csat_answered) as csat_answered,
        sum(effort_easy) as effort_easy,
        sum(effort_answered) as effort_answered,
        sum(promoter) - sum(detractor) as net_promoters,
        sum(recommend_answered) as recommend_answered
    from survey_responses
    group by 1, 2, 3
),

cost_parts as (
    select
        cast({{ dbt.date_trunc('month', 'contact_date') }} as date) as period_month,
        segment,
        intent,
        sum(cost_to_serve) as cost_to_serve,
        count(*) as costed_chains,
        sum(avoidable_numerator) as avoidable_numerator,
        sum(avoidable_denominator) as avoidable_denominator
    from contact_costs
    group by 1, 2, 3
),

risk_parts as (
    select
        cast({{ dbt.date_trunc('month', 'risk_date') }} as date) as period_month,
        sum(complaint_breaches) as complaint_breaches,
        sum(complaints_judged) as complaints_judged
    from risk_days
    group by 1
),

unioned as (
    select
        period_month,
        segment,
        intent,
        'first_contact_resolution' as metric_id,
        fcr_numerator as numerator,
        fcr_denominator as denominator
    from episode_parts
    union all
    select
        period_month,
        segment,
        intent,
        'digital_containment' as metric_id,
        containment_numerator as numerator,
        containment_denominator as denominator
    from episode_parts
    union all
    -- resolution time in hours per confirmed resolution
    select
        period_month,
        segment,
        intent,
        'resolution_time' as metric_id,
        confirmed_resolution_seconds / 3600.0 as numerator,
        confirmed_resolution_count as denominator
    from episode_parts
    union all
    select
        period_month,
        segment,
        intent,
        'verified_digital_onboarding_completion' as metric_id,
        containment_numerator as numerator,
        containment_denominator as denominator
    from episode_parts
    where intent = 'onboarding'
    union all
    select
        period_month,
        segment,
        intent,
        'assisted_contacts_per_onboarding' as metric_id,
        mature_assisted_chains as numerator,
        containment_denominator as denominator
    from episode_parts
    where intent = 'onboarding'
    union all
    select
        period_month,
        segment,
        intent,
        'repeat_contact_rate' as metric_id,
        repeat_numerator as numerator,
        repeat_denominator as denominator
    from chain_parts
    union all
    select
        period_month,
        segment,
        intent,
        'authentication_pass_rate' as metric_id,
        auth_passed as numerator,
        auth_attempted as denominator
    from chain_parts
    union all
    select
        period_month,
        segment,
        intent,
        'knowledge_accuracy' as metric_id,
        accurate_article_uses as numerator,
        article_uses as denominator
    from chain_parts
    union all
    select
        period_month,
        segment,
        intent,
        'transfer_rate' as metric_id,
        transfer_numerator as numerator,
        transfer_denominator as denominator
    from chain_parts
    union all
    select
        period_month,
        segment,
        intent,
        'csat' as metric_id,
        csat_top_two_box as numerator,
        csat_answered as denominator
    from survey_parts
    union all
    select
        period_month,
        segment,
        intent,
        'customer_effort' as metric_id,
        effort_easy as numerator,
        effort_answered as denominator
    from survey_parts
    union all
    select
        period_month,
        segment,
        intent,
        'nps' as metric_id,
        100 * net_promoters as numerator,
        recommend_answered as denominator
    from survey_parts
    union all
    select
        period_month,
        segment,
        intent,
        'cost_per_contact' as metric_id,
        cost_to_serve as numerator,
        costed_chains as denominator
    from cost_parts
    union all
    select
        period_month,
        segment,
        intent,
        'avoidable_contact_rate' as metric_id,
        avoidable_numerator as numerator,
        avoidable_denominator as denominator
    from cost_parts
    union all
    select
        period_month,
        null as segment,
        null as intent,
        'complaint_handling_compliance' as metric_id,
        complaint_breaches as numerator,
        complaints_judged as denominator
    from risk_parts
),

final as (
    select
        metric_id,
        period_month,
        segment,
        intent,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator
    from unioned
)

select * from final
