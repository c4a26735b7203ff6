{#- Registry metric with a board target: the latest month with a figure, the month before, the trend
    over the last board_trend_months months, the variance against the target and the prior month,
    and red / amber / green from the target and red threshold in force (seeds/registry/
    metric_targets.csv). See DECISIONLOG "Board scorecard" and "Targets beside the registry". -#}
with

outcomes as (
    select * from {{ ref('fct_board_outcomes_monthly') }}
    where denominator > 0
),

targets as (
    select * from {{ ref('metric_targets') }}
),

latest_months as (
    select
        metric_id,
        max(period_month) as latest_month
    from outcomes
    group by metric_id
),

with_position as (
    select
        outcomes.*,
        latest_months.latest_month,
        {{ dbt.datediff('outcomes.period_month', 'latest_months.latest_month', 'month') }}
            as months_before_latest
    from outcomes
    inner join latest_months
        on outcomes.metric_id = latest_months.metric_id
),

-- least squares slope of the monthly figure on the month number, over the trend window
trends as (
    select
        metric_id,
        count(*) as trend_months,
        regr_slope(metric_value, cast(-months_before_latest as {{ type_double() }})) as trend_slope_per_month
    from with_position
    where months_before_latest < {{ var('board_trend_months') }}
    group by metric_id
),

latest as (
    select * from with_position
    where months_before_latest = 0
),

prior_months as (
    select * from with_position
    where months_before_latest = 1
),

targets_ranked as (
    select
        targets.metric_id,
        targets.effective_from,
        targets.target_value,
        targets.red_threshold,
        row_number() over (
            partition by targets.metric_id order by targets.effective_from desc
        ) as target_rank
    from targets
    inner join latest_months
        on targets.metric_id = latest_months.metric_id
            and targets.effective_from <= latest_months.latest_month
),

joined as (
    select
        latest.metric_id,
        latest.metric_name,
        latest.lens,
        latest.tier,
        latest.unit,
        latest.direction_of_good,
        latest.period_month as latest_month,
        latest.numerator as latest_numerator,
        latest.denominator as latest_denominator,
        latest.metric_value as latest_value,
        prior_months.period_month as prior_month,
        prior_months.metric_value as prior_value,
        trends.trend_months,
        trends.trend_slope_per_month,
        targets_ranked.effective_from as target_effective_from,
        targets_ranked.target_value,
        targets_ranked.red_threshold,
        -- +1 where a higher figure is better, -1 where lower is
        case when latest.direction_of_good = 'lower' then -1 else 1 end as good_sign,
        latest.definition_version
    from latest
    inner join targets_ranked
        on latest.metric_id = targets_ranked.metric_id and targets_ranked.target_rank = 1
    left join prior_months
        on latest.metric_id = prior_months.metric_id
    left join trends
        on latest.metric_id = trends.metric_id
),

judged as (
    select
        *,
        latest_value - target_value as variance_to_target,
        latest_value - prior_value as change_from_prior,
        case
            when good_sign * (latest_value - target_value) >= 0 then 'green'
            when good_sign * (latest_value - red_threshold) < 0 then 'red'
            else 'amber'
        end as rag_status,
        case
            when trend_months < 2 or trend_slope_per_month is null then 'insufficient_history'
            when good_sign * trend_slope_per_month > 0 then 'improving'
            when good_sign * trend_slope_per_month < 0 then 'worsening'
            else 'flat'
        end as trend_direction
    from joined
),

final as (
    select
        -- keys
        metric_id,

        -- dimensions
        metric_name,
        lens,
        tier,
        unit,
        direction_of_good,
        rag_status,
        trend_direction,

        -- latest and prior month
        latest_month,
        latest_numerator,
        latest_denominator,
        latest_value,
        prior_month,
        prior_value,
        change_from_prior,
        good_sign * change_from_prior > 0 as is_better_than_prior,

        -- target
        target_value,
        red_threshold,
        variance_to_target,
        target_effective_from,

        -- trend
        cast(trend_months as integer) as trend_months,
        trend_slope_per_month,

        -- definition
        definition_version
    from judged
)

select * from final
