{#- One row per complaint recognised from case data: a case logged as a complaint (Type Complaint
    or intent complaint), or a case the customer had reopened — an expression of dissatisfaction
    with how it was closed, which the FCA's definition of a complaint covers. Received at the case's
    creation, or at the first reopen; answered by the first closure after that. The complaint
    letters (acknowledgement, exceptional circumstances, holding response) are the case's custom
    fields. See DECISIONLOG "Complaints". -#}
with

cases as (
    select * from {{ ref('stg_salesforce__cases') }}
    where not is_deleted
),

case_history as (
    select * from {{ ref('stg_salesforce__case_history') }}
    where not is_deleted and field_name = 'Status'
),

resolution_changes as (
    select * from {{ ref('stg_salesforce__case_history') }}
    where not is_deleted and field_name = 'Resolution_Code__c'
),

resolution_code_vocabulary as (
    select * from {{ ref('resolution_code_vocabulary') }}
),

first_reopens as (
    select
        case_id,
        min(changed_at) as first_reopened_at
    from case_history
    where is_reopen
    group by case_id
),

recognised as (
    select
        cases.case_id,
        cases.customer_id,
        cases.source_system,
        cases.intent,
        cases.case_type,
        cases.acknowledged_at,
        cases.has_exceptional_circumstances,
        cases.holding_response_at,
        case
            when cases.case_type = 'Complaint' then 'case_type'
            when cases.intent = 'complaint' then 'intent'
            when first_reopens.first_reopened_at is not null then 'reopened'
        end as recognised_by,
        case
            when cases.case_type = 'Complaint' or cases.intent = 'complaint' then cases.created_at
            else first_reopens.first_reopened_at
        end as received_at
    from cases
    left join first_reopens
        on cases.case_id = first_reopens.case_id
),

closures as (
    select
        recognised.case_id,
        min(case_history.changed_at) as first_response_at
    from recognised
    inner join case_history
        on
            recognised.case_id = case_history.case_id
            and case_history.is_closure
            and recognised.received_at <= case_history.changed_at
    where recognised.recognised_by is not null
    group by recognised.case_id
),

-- The closure code set with the first response tells whether the complaint was resolved then.
first_response_codes as (
    select
        closures.case_id,
        {{ dbt.bool_or("resolution_code_vocabulary.is_resolved") }} as is_resolved_at_first_response
    from closures
    inner join resolution_changes
        on
            closures.case_id = resolution_changes.case_id
            and closures.first_response_at = resolution_changes.changed_at
    left join resolution_code_vocabulary
        on
            resolution_changes.source_system = resolution_code_vocabulary.source_system
            and resolution_changes.new_value = resolution_code_vocabulary.source_value
    group by closures.case_id
),

final as (
    select
        -- ids
        recognised.case_id as complaint_id,
        recognised.case_id,
        recognised.customer_id,

        -- dimensions
        recognised.source_system,
        recognised.intent,
        recognised.recognised_by,
        recognised.intent = 'payment_problem' as is_payment_services,

        -- flags
        coalesce(first_response_codes.is_resolved_at_first_response, false) as is_resolved_at_first_response,
        recognised.has_exceptional_circumstances,

        -- timestamps (UTC)
        recognised.received_at,
        recognised.acknowledged_at,
        recognised.holding_response_at,
        closures.first_response_at
    from recognised
    left join closures
        on recognised.case_id = closures.case_id
    left join first_response_codes
        on recognised.case_id = first_response_codes.case_id
    where recognised.recognised_by is not null
)

select * from final
