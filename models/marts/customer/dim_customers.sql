{#- One row per customer known to the CRM: the descriptive attributes outcomes are sliced by, with
    no direct identifier. Birth year becomes an age band as of the data horizon; the vulnerability
    flag is only usable where the customer consented. With no CRM loaded at all, each caller who
    made an in-scope call is a customer of their own (hashed number), with every attribute only a
    CRM records unknown. See DECISIONLOG "Callers as customers when no CRM is loaded". -#}
with

customers as (
    select * from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

horizon as (
    select * from {{ ref('int_episodes__horizon') }}
),

caller_chains as (
    select * from {{ ref('int_contacts__chained') }}
    where customer_identity_source = 'caller_endpoint' and is_in_scope
),

customers_aged as (
    select
        customers.*,
        extract(year from horizon.as_of_at) - customers.birth_year as age_in_horizon_year
    from customers
    cross join horizon
),

crm_customers as (
    select
        customers_aged.customer_id,
        customers_aged.account_id,
        accounts.region,
        accounts.segment,
        customers_aged.preferred_language,
        case
            when customers_aged.age_in_horizon_year is null then 'unknown'
            when customers_aged.age_in_horizon_year < 25 then 'under_25'
            when customers_aged.age_in_horizon_year < 40 then '25_39'
            when customers_aged.age_in_horizon_year < 55 then '40_54'
            when customers_aged.age_in_horizon_year < 70 then '55_69'
            else '70_plus'
        end as age_band,
        accounts.customer_status,
        customers_aged.source_system,
        'crm' as customer_identity_source,
        customers_aged.is_vulnerable and customers_aged.has_vulnerability_consent as is_vulnerable_with_consent,
        customers_aged.is_internal_test or coalesce(accounts.is_internal_test, false) as is_internal_test,
        accounts.churned_on,
        cast(customers_aged.created_at as date) as customer_since_date
    from customers_aged
    left join accounts
        on customers_aged.account_id = accounts.account_id
),

-- Only when no CRM customer is loaded (int_contacts__chained names callers then only): a caller
-- has no account, segment, language, age, status, CRM record or consent; no flag can be set.
caller_customers as (
    select
        customer_id,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as preferred_language,
        'unknown' as age_band,
        cast(null as {{ dbt.type_string() }}) as customer_status,
        cast(null as {{ dbt.type_string() }}) as source_system,
        'caller_endpoint' as customer_identity_source,
        false as is_vulnerable_with_consent,
        false as is_internal_test,
        cast(null as date) as churned_on,
        cast(null as date) as customer_since_date
    from caller_chains
    group by customer_id
),

customers_known as (
    select * from crm_customers
    union all
    select * from caller_customers
),

final as (
    select
        -- ids
        customer_id,
        account_id,

        -- dimensions
        region,
        segment,
        preferred_language,
        age_band,
        customer_status,
        source_system,
        customer_identity_source,

        -- flags
        is_vulnerable_with_consent,
        is_internal_test,

        -- dates
        churned_on,
        customer_since_date
    from customers_known
)

select * from final
