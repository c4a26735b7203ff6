{#- One row per active registry metric: whether the sources loaded into this warehouse can support
    it and, when they cannot, why. A metric is available when every requirement in
    metric_source_requirements was loaded (a feed with rows, a field with a value on some row);
    the figures of an unavailable metric are null in the marts, never zero. See DECISIONLOG
    "A call log and nothing else". -#}
with

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
),

requirements as (
    select * from {{ ref('metric_source_requirements') }}
),

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
    where not is_monitoring
),

crm_customers as (
    select * from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted
),

cases as (
    select * from {{ ref('stg_salesforce__cases') }}
    where not is_deleted
),

survey_responses as (
    select * from {{ ref('stg_qualtrics__survey_responses') }}
    where is_live_response
),

-- What was loaded: rows per feed, values per field (each a count, so that the mart shows how much).
contact_fields as (
    select
        count(case when channel = 'chat' then 1 end) as chat_contacts,
        count(previous_contact_id) as transfer_links,
        count(auth_result) as auth_result,
        count(kb_article_id) as kb_article,
        count(desktop_latency_ms) as desktop_latency
    from contact_records
),

crm_feed as (
    select
        (select count(*) from crm_customers) as crm_customers,
        (select count(*) from cases) as crm_cases
),

survey_items as (
    select
        count(csat_score) as survey_csat,
        count(effort_score) as survey_effort,
        count(recommend_score) as survey_recommend,
        count(comment_text) as survey_comment
    from survey_responses
),

loaded as (
    select
        'crm_customers' as requirement,
        crm_customers as loaded_count
    from crm_feed
    union all
    select
        'crm_cases' as requirement,
        crm_cases as loaded_count
    from crm_feed
    union all
    select
        'chat_contacts' as requirement,
        chat_contacts as loaded_count
    from contact_fields
    union all
    select
        'transfer_links' as requirement,
        transfer_links as loaded_count
    from contact_fields
    union all
    select
        'auth_result' as requirement,
        auth_result as loaded_count
    from contact_fields
    union all
    select
        'kb_article' as requirement,
        kb_article as loaded_count
    from contact_fields
    union all
    select
        'desktop_latency' as requirement,
        desktop_latency as loaded_count
    from contact_fields
    union all
    select
        'survey_csat' as requirement,
        survey_csat as loaded_count
    from survey_items
    union all
    select
        'survey_effort' as requirement,
        survey_effort as loaded_count
    from survey_items
    union all
    select
        'survey_recommend' as requirement,
        survey_recommend as loaded_count
    from survey_items
    union all
    select
        'survey_comment' as requirement,
        survey_comment as loaded_count
    from survey_items
),

requirements_checked as (
    select
        requirements.metric_id,
        requirements.requirement,
        requirements.reason,
        coalesce(loaded.loaded_count, 0) > 0 as is_met
    from requirements
    left join loaded
        on requirements.requirement = loaded.requirement
),

metric_checks as (
    select
        metric_id,
        count(*) as requirement_count,
        count(case when not is_met then 1 end) as missing_requirement_count,
        {{ dbt.listagg("case when not is_met then requirement end", "', '", "order by requirement") }}
            as missing_requirements,
        {{ dbt.listagg("case when not is_met then reason end", "'; '", "order by requirement") }}
            as missing_reasons
    from requirements_checked
    group by metric_id
),

final as (
    select
        -- ids
        registry.metric_id,

        -- dimensions
        registry.metric_name,
        registry.lens,
        registry.tier,

        -- availability
        coalesce(metric_checks.missing_requirement_count, 0) = 0 as is_available,
        cast(coalesce(metric_checks.requirement_count, 0) as {{ dbt.type_bigint() }}) as requirement_count,
        cast(coalesce(metric_checks.missing_requirement_count, 0) as {{ dbt.type_bigint() }})
            as missing_requirement_count,
        metric_checks.missing_requirements,
        case
            when coalesce(metric_checks.missing_requirement_count, 0) > 0
                then 'not available from these sources: ' || metric_checks.missing_reasons
        end as unavailable_reason,

        -- definition version
        registry.version as metric_definition_version
    from registry
    left join metric_checks
        on registry.metric_id = metric_checks.metric_id
)

select * from final
