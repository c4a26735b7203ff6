{#- One row per complaint of an in-scope customer, measured against the FCA's complaint-handling
    rules (DISP 1.5, 1.6) where the customer's region falls under them: the prompt written
    acknowledgement (DISP 1.6.1R, "prompt" read as the registry's threshold of business days), the
    summary-resolution exemption (resolved by close of business on the third business day after
    receipt), the final response deadline (end of eight weeks; 15 business days for payment-services
    complaints, 35 when exceptional circumstances were recorded and a holding response went out within
    the 15), breaches and near-breaches. See DECISIONLOG "Complaints". -#}
with

complaints as (
    select * from {{ ref('int_complaints__recognised') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

jurisdictions as (
    select * from {{ ref('complaint_jurisdictions') }}
),

time_limits as (
    select * from {{ ref('disp_time_limits') }}
),

business_days as (
    select * from {{ ref('int_calendar__business_days') }}
),

calendars as (
    select * from {{ ref('region_calendars') }}
),

horizon as (
    select * from {{ ref('int_episodes__horizon') }}
),

compliance_definition as (
    select
        version as compliance_definition_version,
        window_days as near_breach_business_days
    from {{ ref('metric_registry') }}
    where metric_id = 'complaint_handling_compliance' and status = 'active'
),

acknowledgement_definition as (
    select
        version as acknowledgement_definition_version,
        cast(threshold as integer) as acknowledgement_threshold_business_days
    from {{ ref('metric_registry') }}
    where metric_id = 'complaint_acknowledgement_promptness' and status = 'active'
),

limits as (
    select
        max(case when rule_id = 'summary_resolution' then limit_value end) as summary_business_days,
        max(case when rule_id = 'final_response' then limit_value end) as final_response_days,
        max(case when rule_id = 'final_response_payment_services' then limit_value end)
            as payment_services_business_days,
        max(case when rule_id = 'holding_response_payment_services' then limit_value end)
            as holding_response_business_days,
        max(case when rule_id = 'final_response_payment_services_exceptional' then limit_value end)
            as exceptional_business_days
    from time_limits
),

region_time_zones as (
    select distinct
        region,
        time_zone
    from calendars
),

in_scope as (
    select
        complaints.*,
        customers.region,
        jurisdictions.regime,
        jurisdictions.business_day_region,
        region_time_zones.time_zone as regime_time_zone
    from complaints
    inner join customers
        on complaints.customer_id = customers.customer_id
    left join jurisdictions
        on customers.region = jurisdictions.region
    left join region_time_zones
        on jurisdictions.business_day_region = region_time_zones.region
    where not customers.is_internal_test
),

localised as (
    select
        in_scope.*,
        cast({{ local_from_utc('in_scope.received_at', 'in_scope.regime_time_zone') }} as date) as received_local_date,
        cast({{ local_from_utc('in_scope.acknowledged_at', 'in_scope.regime_time_zone') }} as date)
            as acknowledged_local_date,
        cast({{ local_from_utc('in_scope.first_response_at', 'in_scope.regime_time_zone') }} as date)
            as response_local_date,
        cast({{ local_from_utc('horizon.as_of_at', 'in_scope.regime_time_zone') }} as date) as as_of_local_date,
        horizon.as_of_at
    from in_scope
    cross join horizon
),

received_index as (
    select
        localised.*,
        limits.summary_business_days,
        limits.final_response_days,
        limits.payment_services_business_days,
        limits.holding_response_business_days,
        limits.exceptional_business_days,
        acknowledgement_definition.acknowledgement_definition_version,
        acknowledgement_definition.acknowledgement_threshold_business_days,
        business_days.business_day_index as received_business_day_index,
        cast(
            {{ dbt.dateadd('day', 'limits.final_response_days', 'localised.received_local_date') }} as date
        ) as standard_deadline_date
    from localised
    cross join limits
    cross join acknowledgement_definition
    left join business_days
        on
            localised.business_day_region = business_days.region
            and localised.received_local_date = business_days.calendar_date
),

-- The n-th business day after the day of receipt, for each limit counted in business days.
deadline_dates as (
    select
        received_index.*,
        summary_day.calendar_date as summary_deadline_date,
        acknowledgement_day.calendar_date as acknowledgement_deadline_date,
        payment_services_day.calendar_date as payment_services_deadline_date,
        holding_response_day.calendar_date as holding_response_deadline_date,
        exceptional_day.calendar_date as exceptional_deadline_date
    from received_index
    left join business_days as summary_day
        on
            received_index.business_day_region = summary_day.region
            and summary_day.is_business_day
            and summary_day.business_day_index
            = received_index.received_business_day_index + received_index.summary_business_days
    left join business_days as acknowledgement_day
        on
            received_index.business_day_region = acknowledgement_day.region
            and acknowledgement_day.is_business_day
            and acknowledgement_day.business_day_index
            = received_index.received_business_day_index + received_index.acknowledgement_threshold_business_days
    left join business_days as payment_services_day
        on
            received_index.business_day_region = payment_services_day.region
            and payment_services_day.is_business_day
            and payment_services_day.business_day_index
            = received_index.received_business_day_index + received_index.payment_services_business_days
    left join business_days as holding_response_day
        on
            received_index.business_day_region = holding_response_day.region
            and holding_response_day.is_business_day
            and holding_response_day.business_day_index
            = received_index.received_business_day_index + received_index.holding_response_business_days
    left join business_days as exceptional_day
        on
            received_index.business_day_region = exceptional_day.region
            and exceptional_day.is_business_day
            and exceptional_day.business_day_index
            = received_index.received_business_day_index + received_index.exceptional_business_days
),

letter_deadlines as (
    select
        deadline_dates.*,
        -- Close of business on the summary-resolution day: the region's closing time that weekday.
        {{ utc_from_local_zone(
            dbt.dateadd(
                'minute',
                "cast(substr(closing.closes_at, 1, 2) as integer) * 60 + cast(substr(closing.closes_at, 4, 2) as integer)",
                'cast(deadline_dates.summary_deadline_date as ' ~ dbt.type_timestamp() ~ ')'
            ),
            'deadline_dates.regime_time_zone'
        ) }} as summary_deadline_at,
        {{ end_of_local_day_utc('deadline_dates.acknowledgement_deadline_date', 'deadline_dates.regime_time_zone') }}
            as acknowledgement_due_before_at,
        case
            when deadline_dates.is_payment_services
                then {{ end_of_local_day_utc(
                    'deadline_dates.holding_response_deadline_date', 'deadline_dates.regime_time_zone'
                ) }}
        end as holding_response_due_before_at
    from deadline_dates
    left join calendars as closing
        on
            deadline_dates.business_day_region = closing.region
            and {{ iso_weekday('deadline_dates.summary_deadline_date') }} = closing.weekday
),

-- DISP 1.6.2AR(2): the 35-business-day limit applies only to a payment-services complaint with
-- exceptional circumstances recorded whose holding response went out by the end of the 15th
-- business day; otherwise the 15-day (payment services) or eight-week limit stands.
applicable_limits as (
    select
        *,
        coalesce(holding_response_at < holding_response_due_before_at, false) as is_holding_response_in_time,
        case
            when regime is null then null
            when not is_payment_services then 'final_response'
            when has_exceptional_circumstances and holding_response_at < holding_response_due_before_at
                then 'final_response_payment_services_exceptional'
            else 'final_response_payment_services'
        end as final_response_rule_id
    from letter_deadlines
),

final_deadlines as (
    select
        *,
        case final_response_rule_id
            when 'final_response' then standard_deadline_date
            when 'final_response_payment_services' then payment_services_deadline_date
            else exceptional_deadline_date
        end as final_response_deadline_date
    from applicable_limits
),

-- "By the end of" the deadline day: the first instant of the next local day, exclusive.
final_instants as (
    select
        *,
        {{ end_of_local_day_utc('final_response_deadline_date', 'regime_time_zone') }} as final_response_due_before_at
    from final_deadlines
),

remaining_days as (
    select
        final_instants.*,
        deadline_day.business_day_index - coalesce(response_day.business_day_index, as_of_day.business_day_index)
            as business_days_left_at_response_or_horizon,
        acknowledged_day.business_day_index - final_instants.received_business_day_index
            as acknowledgement_business_days
    from final_instants
    left join business_days as deadline_day
        on
            final_instants.business_day_region = deadline_day.region
            and final_instants.final_response_deadline_date = deadline_day.calendar_date
    left join business_days as response_day
        on
            final_instants.business_day_region = response_day.region
            and final_instants.response_local_date = response_day.calendar_date
    left join business_days as as_of_day
        on
            final_instants.business_day_region = as_of_day.region
            and final_instants.as_of_local_date = as_of_day.calendar_date
    left join business_days as acknowledged_day
        on
            final_instants.business_day_region = acknowledged_day.region
            and final_instants.acknowledged_local_date = acknowledged_day.calendar_date
),

judged as (
    select
        remaining_days.*,
        compliance_definition.compliance_definition_version,
        compliance_definition.near_breach_business_days,
        case
            when remaining_days.regime is null then 'not_under_regime'
            when remaining_days.first_response_at is not null
                and remaining_days.is_resolved_at_first_response
                and remaining_days.first_response_at <= remaining_days.summary_deadline_at
                then 'resolved_by_third_business_day'
            when remaining_days.first_response_at is not null
                and remaining_days.first_response_at < remaining_days.final_response_due_before_at
                then 'responded_in_time'
            when remaining_days.first_response_at is not null then 'responded_late'
            when remaining_days.as_of_at >= remaining_days.final_response_due_before_at then 'open_past_deadline'
            else 'open_within_deadline'
        end as deadline_status,
        -- DISP 1.6.1R: acknowledged by the end of the threshold business day, or answered by then.
        case
            when remaining_days.regime is null then 'not_under_regime'
            when remaining_days.acknowledged_at < remaining_days.acknowledgement_due_before_at
                then 'acknowledged_promptly'
            when remaining_days.first_response_at < remaining_days.acknowledgement_due_before_at
                then 'answered_promptly'
            when remaining_days.acknowledged_at is not null then 'acknowledged_late'
            when remaining_days.as_of_at >= remaining_days.acknowledgement_due_before_at then 'not_acknowledged'
            else 'acknowledgement_pending'
        end as acknowledgement_status
    from remaining_days
    cross join compliance_definition
),

final as (
    select
        -- ids
        complaint_id,
        case_id,
        customer_id,

        -- dimensions
        region,
        intent,
        recognised_by,
        source_system,
        regime,
        deadline_status,
        final_response_rule_id,
        acknowledgement_status,

        -- flags
        is_payment_services,
        is_resolved_at_first_response,
        has_exceptional_circumstances,
        is_holding_response_in_time,
        deadline_status in ('responded_late', 'open_past_deadline') as is_breach,
        deadline_status in ('responded_in_time', 'open_within_deadline')
        and business_days_left_at_response_or_horizon <= near_breach_business_days as is_near_breach,

        -- compliance parts (complaints under a regime whose deadline can be judged)
        case when deadline_status in ('responded_late', 'open_past_deadline') then 1 else 0 end as breach_count,
        case
            when deadline_status in (
                    'resolved_by_third_business_day', 'responded_in_time', 'responded_late',
                    'open_past_deadline'
                ) then 1
            else 0
        end as judged_count,

        -- acknowledgement parts (complaints under a regime whose acknowledgement can be judged)
        case
            when acknowledgement_status in ('acknowledged_promptly', 'answered_promptly') then 1 else 0
        end as acknowledged_promptly_count,
        case
            when acknowledgement_status in (
                    'acknowledged_promptly', 'answered_promptly', 'acknowledged_late', 'not_acknowledged'
                ) then 1
            else 0
        end as acknowledgement_judged_count,

        -- deadlines and times
        received_local_date,
        acknowledgement_due_before_at,
        acknowledgement_business_days,
        acknowledgement_threshold_business_days,
        summary_deadline_at,
        holding_response_due_before_at,
        final_response_deadline_date,
        final_response_due_before_at,
        business_days_left_at_response_or_horizon,
        received_at,
        acknowledged_at,
        holding_response_at,
        first_response_at,
        as_of_at,

        -- definition versions
        compliance_definition_version,
        acknowledgement_definition_version
    from judged
)

select * from final
