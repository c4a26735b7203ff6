{#- The working list for the complaints manager: breaches and near-breaches, most urgent first. -#}
with

complaints as (
    select * from {{ ref('fct_complaints') }}
    where is_breach or is_near_breach
),

final as (
    select
        complaint_id,
        case_id,
        region,
        is_payment_services,
        deadline_status,
        is_breach,
        final_response_deadline_date,
        business_days_left_at_response_or_horizon,
        received_at,
        first_response_at
    from complaints
)

select * from final
order by is_breach desc, final_response_deadline_date asc
