{#- The board's metrics as additive parts: one row per registry metric, UTC month, customer segment
    and intent, with the numerator and denominator summed from the mart that owns the metric (each
    dated as that mart dates it). The board scorecard, the OKR progress and their trends all read
    these parts, so each metric is summed in one place. Metrics whose mart has no segment or intent
    carry nulls there. NPS's numerator is 100 x (promoters - detractors), so that every value is
    numerator / denominator. See DECISIONLOG "Board scorecard". -#}
{#- Which parts make each board metric: the parts CTE, the numerator and denominator (resolution
    time in hours per confirmed resolution) and, for the onboarding key results, the slice.
    complaint_handling_compliance has no segment or intent. -#}
{%- set board_metric_parts = [
    {'metric_id': 'first_contact_resolution', 'parts': 'episode_parts',
        'numerator': 'fcr_numerator', 'denominator': 'fcr_denominator'},
    {'metric_id': 'digital_containment', 'parts': 'episode_parts',
        'numerator': 'containment_numerator', 'denominator': 'containment_denominator'},
    {'metric_id': 'resolution_time', 'parts': 'episode_parts',
        'numerator': 'confirmed_resolution_seconds / 3600.0', 'denominator': 'confirmed_resolution_count'},
    {'metric_id': 'verified_digital_onboarding_completion', 'parts': 'episode_parts',
        'numerator': 'containment_numerator', 'denominator': 'containment_denominator',
        'where': "intent = 'onboarding'"},
    {'metric_id': 'assisted_contacts_per_onboarding', 'parts': 'episode_parts',
        'numerator': 'mature_assisted_chains', 'denominator': 'containment_denominator',
        'where': "intent = 'onboarding'"},
    {'metric_id': 'repeat_contact_rate', 'parts': 'chain_parts',
        'numerator': 'repeat_numerator', 'denominator': 'repeat_denominator'},
    {'metric_id': 'authentication_pass_rate', 'parts': 'chain_parts',
        'numerator': 'auth_passed', 'denominator': 'auth_attempted'},
    {'metric_id': 'knowledge_accuracy', 'parts': 'chain_parts',
        'numerator': 'accurate_article_uses', 'denominator': 'article_uses'},
    {'metric_id': 'transfer_rate', 'parts': 'chain_parts',
        'numerator': 'transfer_numerator', 'denominator': 'transfer_denominator'},
    {'metric_id': 'csat', 'parts': 'survey_parts',
        'numerator': 'csat_top_two_box', 'denominator': 'csat_answered'},
    {'metric_id': 'customer_effort', 'parts': 'survey_parts',
        'numerator': 'effort_easy', 'denominator': 'effort_answered'},
    {'metric_id': 'nps', 'parts': 'survey_parts',
        'numerator': '100 * net_promoters', 'denominator': 'recommend_answered'},
    {'metric_id': 'cost_per_contact', 'parts': 'cost_parts',
        'numerator': 'cost_to_serve', 'denominator': 'costed_chains'},
    {'metric_id': 'avoidable_contact_rate', 'parts': 'cost_parts',
        'numerator': 'avoidable_numerator', 'denominator': 'avoidable_denominator'},
    {'metric_id': 'complaint_handling_compliance', 'parts': 'risk_parts',
        'numerator': 'complaint_breaches', 'denominator': 'complaints_judged', 'unsegmented': true},
] -%}
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
    {%- for metric in board_metric_parts %}
        select
            period_month,
            {{ 'null as segment' if metric.get('unsegmented') else 'segment' }},
            {{ 'null as intent' if metric.get('unsegmented') else 'intent' }},
            '{{ metric.metric_id }}' as metric_id,
            {{ metric.numerator }} as numerator,
            {{ metric.denominator }} as denominator
        from {{ metric.parts }}
        {%- if metric.get('where') %}
            where {{ metric.where }}
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
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
