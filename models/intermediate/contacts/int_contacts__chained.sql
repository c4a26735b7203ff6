{#- One row per contact chain: a first contact and the transfer legs that follow it
    (InitialContactId). A chain is one contact for every outcome; see DECISIONLOG "Transfers". -#}
with

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
),

customers as (
    select * from {{ ref('stg_salesforce__contacts') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

customer_profiles as (
    select
        customers.customer_id,
        accounts.region,
        accounts.segment,
        customers.is_internal_test or coalesce(accounts.is_internal_test, false) as is_internal_test
    from customers
    left join accounts
        on customers.account_id = accounts.account_id
),

chains as (
    select
        contact_chain_id,
        max(customer_id) as customer_id,
        coalesce(
            max(case when not is_transfer_leg then intent end),
            max(intent)
        ) as intent,
        max(case when not is_transfer_leg then channel end) as channel,
        max(case when not is_transfer_leg then bot_outcome end) as bot_outcome,
        max(case_id) as case_id,
        count(*) as leg_count,
        count(distinct case_id) as linked_case_count,
        max(case when is_agent_connected then 1 else 0 end) = 1 as is_assisted,
        min(case when is_bot_only then 1 else 0 end) = 1 as is_bot_only,
        max(case when is_monitoring then 1 else 0 end) = 1 as is_monitoring,
        max(case when is_abandoned_in_queue then 1 else 0 end) = 1 as has_abandoned_leg,
        cast(coalesce(sum(agent_interaction_seconds), 0) as {{ dbt.type_bigint() }}) as agent_interaction_seconds,
        cast(coalesce(sum(customer_hold_seconds), 0) as {{ dbt.type_bigint() }}) as customer_hold_seconds,
        cast(coalesce(sum(after_contact_work_seconds), 0) as {{ dbt.type_bigint() }}) as after_contact_work_seconds,
        min(initiated_at) as started_at,
        max(disconnected_at) as ended_at,
        max(delivery_date) as last_delivery_date
    from contact_records
    group by contact_chain_id
),

classified as (
    select
        chains.*,
        customer_profiles.region,
        customer_profiles.segment,
        case
            when chains.is_monitoring then 'monitoring_call'
            when chains.customer_id is null then 'unidentified_customer'
            when customer_profiles.customer_id is null then 'customer_not_in_crm'
            when customer_profiles.is_internal_test then 'internal_test_customer'
        end as exclusion_reason
    from chains
    left join customer_profiles
        on chains.customer_id = customer_profiles.customer_id
),

final as (
    select
        -- ids
        contact_chain_id,
        customer_id,
        case_id,

        -- dimensions
        channel,
        intent,
        region,
        segment,
        bot_outcome,
        exclusion_reason,

        -- flags
        exclusion_reason is null as is_in_scope,
        is_assisted,
        is_bot_only,
        has_abandoned_leg,

        -- measures
        leg_count,
        leg_count - 1 as transfer_count,
        linked_case_count,
        agent_interaction_seconds,
        customer_hold_seconds,
        after_contact_work_seconds,

        -- timestamps (UTC)
        started_at,
        ended_at,
        last_delivery_date
    from classified
)

select * from final
