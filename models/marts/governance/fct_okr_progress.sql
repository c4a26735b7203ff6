{#- One row per key result: the registry metric's value for the objective's segment and journey
    over the objective's period so far (from the marts' parts), how far it has moved from the
    baseline towards the target, and whether that is on track for the share of the period elapsed.
    See DECISIONLOG "OKRs as data". -#}
with

key_results as (
    select * from {{ ref('okr_key_results') }}
),

objectives as (
    select * from {{ ref('okr_objectives') }}
),

metric_parts as (
    select * from {{ ref('int_board__metric_parts_monthly') }}
),

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
),

horizon as (
    select * from {{ ref('int_episodes__horizon') }}
),

key_results_defined as (
    select
        key_results.key_result_id,
        key_results.objective_id,
        objectives.objective,
        objectives.lens,
        objectives.segment,
        objectives.journey,
        objectives.period_start,
        objectives.period_end,
        objectives.owner,
        key_results.metric_id,
        key_results.key_result,
        key_results.baseline_value,
        coalesce(
            key_results.target_value,
            key_results.baseline_value * (1 + key_results.target_relative_change)
        ) as target_value,
        registry.direction_of_good,
        registry.version as definition_version,
        cast(horizon.as_of_at as date) as as_of_date
    from key_results
    inner join objectives
        on key_results.objective_id = objectives.objective_id
    inner join registry
        on key_results.metric_id = registry.metric_id
    cross join horizon
),

-- the metric's parts for the objective's segment and journey in the months of its period
current_parts as (
    select
        key_results_defined.key_result_id,
        sum(metric_parts.numerator) as current_numerator,
        sum(metric_parts.denominator) as current_denominator
    from key_results_defined
    inner join metric_parts
        on key_results_defined.metric_id = metric_parts.metric_id
            and key_results_defined.period_start <= metric_parts.period_month
            and key_results_defined.period_end >= metric_parts.period_month
            and (key_results_defined.segment is null or key_results_defined.segment = metric_parts.segment)
            and (key_results_defined.journey is null or key_results_defined.journey = metric_parts.intent)
    group by key_results_defined.key_result_id
),

periods as (
    select
        key_result_id,
        {{ dbt.datediff('period_start', 'as_of_date', 'day') }} as days_elapsed,  -- noqa: LT05
        {{ dbt.datediff('period_start', 'period_end', 'day') }} + 1 as days_in_period  -- noqa: LT05
    from key_results_defined
),

measured as (
    select
        key_results_defined.*,
        coalesce(current_parts.current_numerator, 0) as current_numerator,
        coalesce(current_parts.current_denominator, 0) as current_denominator,
        case
            when current_parts.current_denominator > 0
                then current_parts.current_numerator / current_parts.current_denominator
        end as current_value,
        -- share of the period's days elapsed by the data horizon, between 0 and 1
        case
            when key_results_defined.as_of_date <= key_results_defined.period_start then 0.0
            when key_results_defined.as_of_date > key_results_defined.period_end then 1.0
            else cast(periods.days_elapsed as {{ type_double() }}) / periods.days_in_period
        end as period_elapsed_share
    from key_results_defined
    left join current_parts
        on key_results_defined.key_result_id = current_parts.key_result_id
    inner join periods
        on key_results_defined.key_result_id = periods.key_result_id
),

with_progress as (
    select
        *,
        case
            when current_value is not null and target_value <> baseline_value
                then (current_value - baseline_value) / (target_value - baseline_value)
        end as progress_share
    from measured
),

final as (
    select
        -- keys
        key_result_id,
        objective_id,
        metric_id,

        -- dimensions
        objective,
        key_result,
        lens,
        segment,
        journey,
        owner,
        direction_of_good,
        case
            when period_elapsed_share = 0 then 'not_started'
            when current_value is null then 'no_data'
            when progress_share >= 1 then 'target_met'
            when progress_share >= period_elapsed_share then 'on_track'
            else 'off_track'
        end as progress_status,

        -- period
        period_start,
        period_end,
        as_of_date,
        period_elapsed_share,

        -- figures
        baseline_value,
        target_value,
        current_numerator,
        current_denominator,
        current_value,
        progress_share,

        -- definition
        definition_version
    from with_progress
)

select * from final
