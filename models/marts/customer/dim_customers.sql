{#- One row per customer known to the CRM: the descriptive attributes outcomes are sliced by, with
    no direct identifier. Birth year becomes an age band as of the data horizon; the vulnerability
    flag is only usable where the customer consented. -#}
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

customers_aged as (
    select
        customers.*,
        extract(year from horizon.as_of_at) - customers.birth_year as age_in_horizon_year
    from customers
    cross join horizon
),

final as (
    select
        -- ids
        customers_aged.customer_id,
        customers_aged.account_id,

        -- dimensions
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

        -- flags
        customers_aged.is_vulnerable and customers_aged.has_vulnerability_consent as is_vulnerable_with_consent,
        customers_aged.is_internal_test or coalesce(accounts.is_internal_test, false) as is_internal_test,

        -- dates
        accounts.churned_on,
        cast(customers_aged.created_at as date) as customer_since_date
    from customers_aged
    left join accounts
        on customers_aged.account_id = accounts.account_id
)

select * from final
