{#- One row per in-scope customer who contacted the service: what serving them cost, their annual
    value, and whether that value is at risk (an unresolved episode whose churn window has passed
    while the customer has not churned). -#}
with

customers as (
    select * from {{ ref('dim_customers') }}
    where not is_internal_test
),

accounts as (
    select
        account_id,
        annual_value
    from {{ ref('stg_salesforce__accounts') }}
),

episodes as (
    select * from {{ ref('fct_episode_business_outcomes') }}
),

revenue_definition as (
    select version as revenue_at_risk_definition_version
    from {{ ref('metric_registry') }}
    where metric_id = 'revenue_at_risk' and status = 'active'
),

episodes_per_customer as (
    select
        customer_id,
        min(first_contact_date) as first_contact_date,
        count(*) as episode_count,
        cast(sum(chain_count) as {{ dbt.type_bigint() }}) as chain_count,
        cast(sum(episode_cost) as decimal(18, 2)) as cost_to_serve,
        cast(sum(churn_unresolved_denominator) as {{ dbt.type_bigint() }}) as mature_unresolved_episode_count
    from episodes
    group by customer_id
),

-- See DECISIONLOG "Revenue at risk": customers still active with a mature unresolved need.
risk_evaluated as (
    select
        customers.customer_id,
        customers.account_id,
        customers.region,
        customers.segment,
        customers.customer_status,
        customers.churned_on,
        accounts.annual_value,
        episodes_per_customer.first_contact_date,
        episodes_per_customer.episode_count,
        episodes_per_customer.chain_count,
        episodes_per_customer.cost_to_serve,
        episodes_per_customer.mature_unresolved_episode_count,
        revenue_definition.revenue_at_risk_definition_version,
        -- Unknown (null) for a caller-identified customer: no CRM records churn or account value.
        case
            when customers.customer_identity_source = 'crm'
                then customers.churned_on is null and episodes_per_customer.mature_unresolved_episode_count > 0
        end as is_revenue_at_risk
    from customers
    inner join episodes_per_customer
        on customers.customer_id = episodes_per_customer.customer_id
    left join accounts
        on customers.account_id = accounts.account_id
    cross join revenue_definition
),

final as (
    select
        -- ids
        customer_id,
        account_id,

        -- dimensions
        region,
        segment,
        customer_status,

        -- flags
        case when customer_status is not null then churned_on is not null end as is_churned,
        is_revenue_at_risk,

        -- counts
        1 as served_customer_count,
        episode_count,
        chain_count,
        mature_unresolved_episode_count,
        case when is_revenue_at_risk then 1 when not is_revenue_at_risk then 0 end as at_risk_customer_count,

        -- money (currency units)
        cost_to_serve,
        annual_value,
        cast(
            case when is_revenue_at_risk then annual_value when not is_revenue_at_risk then 0 end as decimal(18, 2)
        ) as revenue_at_risk,

        -- dates
        first_contact_date,
        churned_on,

        -- definition versions
        revenue_at_risk_definition_version
    from risk_evaluated
)

select * from final
