{#- The working list for the complaints manager: final-response breaches and near-breaches, and
    complaints whose written acknowledgement was late or never sent; final-response breaches first,
    then by deadline. -#}
with

complaints as (
    select * from {{ ref('fct_complaints') }}
    where
        is_breach
        or is_near_breach
        or acknowledgement_status in ('acknowledged_late', 'not_acknowledged')
),

final as (
    select
        complaint_id,
        case_id,
        region,
        is_payment_services,
        deadline_status,
        is_breach,
        acknowledgement_status,
        final_response_rule_id,
        final_response_deadline_date,
        business_days_left_at_response_or_horizon,
        received_at,
        acknowledged_at,
        holding_response_at,
        first_response_at,
        compliance_definition_version,
        acknowledgement_definition_version
    from complaints
)

select * from final
order by is_breach desc, final_response_deadline_date asc
