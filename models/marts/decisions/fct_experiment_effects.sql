{#- One row per experiment: the effect size on its outcome with a confidence interval, and the
    check of its design's assumption. Randomised designs: intent to treat, a stratified difference
    in first contact resolution with a cluster-robust variance (units are the clusters) and
    Satterthwaite degrees of freedom. Difference-in-differences: the 2 x 2 difference with a
    binomial variance of the four cells, and a test of the difference in pre-period slopes. See
    DECISIONLOG "Experiments" for why each variance. -#}
with

experiments as (
    select * from {{ ref('experiments') }}
),

cells as (
    select * from {{ ref('fct_experiment_cells') }}
),

assignments as (
    select * from {{ ref('dim_experiment_units') }}
),

critical_values as (
    select * from {{ ref('student_t_critical_values') }}
),

unit_counts as (
    select
        experiment_id,
        sum(case when is_treated then 1 else 0 end) as treated_units,
        sum(case when is_treated then 0 else 1 end) as control_units
    from assignments
    group by experiment_id
),

-- Randomised designs ------------------------------------------------------------------------
-- One cluster per unit and period (pre or post).
clusters as (
    select
        cells.experiment_id,
        cells.period,
        cells.stratum,
        cells.arm,
        cells.unit_id,
        sum(cells.fcr_numerator) as numerator,
        sum(cells.fcr_denominator) as denominator
    from cells
    inner join experiments
        on cells.experiment_id = experiments.experiment_id
    where experiments.design = 'randomised'
    group by cells.experiment_id, cells.period, cells.stratum, cells.arm, cells.unit_id
),

stratum_arms as (
    select
        experiment_id,
        period,
        stratum,
        arm,
        count(*) as cluster_count,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        cast(sum(numerator) as {{ type_double() }}) / sum(denominator) as rate
    from clusters
    group by experiment_id, period, stratum, arm
),

-- Cluster-robust variance of each stratum-arm rate: the clusters' residual totals, with the
-- small-sample factor m / (m - 1).
stratum_arm_variances as (
    select
        stratum_arms.experiment_id,
        stratum_arms.period,
        stratum_arms.stratum,
        stratum_arms.arm,
        stratum_arms.cluster_count,
        stratum_arms.denominator,
        stratum_arms.rate,
        case
            when stratum_arms.cluster_count >= 2
                then stratum_arms.cluster_count / (stratum_arms.cluster_count - 1.0)
                    * sum(power(clusters.numerator - stratum_arms.rate * clusters.denominator, 2))
                    / power(cast(stratum_arms.denominator as {{ type_double() }}), 2)
        end as variance
    from stratum_arms
    inner join clusters
        on stratum_arms.experiment_id = clusters.experiment_id
            and stratum_arms.period = clusters.period
            and stratum_arms.stratum = clusters.stratum
            and stratum_arms.arm = clusters.arm
    group by
        stratum_arms.experiment_id, stratum_arms.period, stratum_arms.stratum, stratum_arms.arm,
        stratum_arms.cluster_count, stratum_arms.denominator, stratum_arms.rate
),

strata as (
    select
        treated.experiment_id,
        treated.period,
        treated.stratum,
        treated.denominator + control.denominator as episodes,
        treated.denominator as treated_episodes,
        control.denominator as control_episodes,
        treated.rate - control.rate as difference,
        treated.variance as treated_variance,
        control.variance as control_variance,
        treated.cluster_count as treated_clusters,
        control.cluster_count as control_clusters
    from stratum_arm_variances as treated
    inner join stratum_arm_variances as control
        on treated.experiment_id = control.experiment_id
            and treated.period = control.period
            and treated.stratum = control.stratum
            and control.arm = 'control'
    where treated.arm = 'treated'
),

-- A stratum is estimable when both arms have at least two units with episodes.
estimable_strata as (
    select
        *,
        cast(episodes as {{ type_double() }})
        / sum(episodes) over (partition by experiment_id, period) as stratum_weight
    from strata
    where treated_clusters >= 2 and control_clusters >= 2
),

itt_by_period as (
    select
        experiment_id,
        period,
        count(*) as strata_used,
        sum(treated_episodes) as treated_episodes,
        sum(control_episodes) as control_episodes,
        sum(stratum_weight * difference) as estimate,
        sum(power(stratum_weight, 2) * (treated_variance + control_variance)) as variance,
        -- Satterthwaite: each stratum-arm variance has (clusters - 1) degrees of freedom.
        sum(
            power(power(stratum_weight, 2) * treated_variance, 2) / (treated_clusters - 1)
            + power(power(stratum_weight, 2) * control_variance, 2) / (control_clusters - 1)
        ) as satterthwaite_denominator
    from estimable_strata
    group by experiment_id, period
),

strata_counts as (
    select
        experiment_id,
        count(distinct stratum) as strata
    from assignments
    group by experiment_id
),

randomised_estimates as (
    select
        post.experiment_id,
        'intent_to_treat' as estimand,
        'cluster_robust_satterthwaite' as variance_method,
        post.strata_used,
        strata_counts.strata - post.strata_used as strata_excluded,
        post.treated_episodes,
        post.control_episodes,
        post.estimate,
        sqrt(post.variance) as standard_error,
        case
            when post.satterthwaite_denominator > 0
                then power(post.variance, 2) / post.satterthwaite_denominator
            else 1000000000
        end as degrees_of_freedom,
        pre.estimate as pre_period_difference
    from itt_by_period as post
    inner join strata_counts
        on post.experiment_id = strata_counts.experiment_id
    left join itt_by_period as pre
        on post.experiment_id = pre.experiment_id
            and pre.period = 'pre'
    where post.period = 'post'
),

-- Difference-in-differences ---------------------------------------------------------------------
did_cells as (
    select
        cells.experiment_id,
        cells.arm,
        cells.period,
        sum(cells.fcr_numerator) as numerator,
        sum(cells.fcr_denominator) as denominator
    from cells
    inner join experiments
        on cells.experiment_id = experiments.experiment_id
    where experiments.design = 'difference_in_differences'
    group by cells.experiment_id, cells.arm, cells.period
),

did_rates as (
    select
        *,
        cast(numerator as {{ type_double() }}) / denominator as rate,
        cast(numerator as {{ type_double() }}) / denominator
        * (1 - cast(numerator as {{ type_double() }}) / denominator) / denominator as variance
    from did_cells
),

did_estimates as (
    select
        experiment_id,
        'effect_on_the_treated' as estimand,
        'binomial_cells' as variance_method,
        sum(case when arm = 'treated' and period = 'post' then denominator else 0 end)
            as treated_episodes,
        sum(case when arm = 'control' and period = 'post' then denominator else 0 end)
            as control_episodes,
        sum(
            case
                when arm = 'treated' and period = 'post' then rate
                when arm = 'treated' and period = 'pre' then -rate
                when arm = 'control' and period = 'post' then -rate
                else rate
            end
        ) as estimate,
        sqrt(sum(variance)) as standard_error,
        count(*) as cell_count,
        sum(case when arm = 'treated' and period = 'pre' then rate else 0 end)
        - sum(case when arm = 'control' and period = 'pre' then rate else 0 end)
            as pre_period_difference
    from did_rates
    group by experiment_id
),

-- Pre-trend check: the treated-minus-control gap in each pre-period, and the weighted
-- least-squares slope of that gap over the periods (weights: inverse binomial variance).
pre_period_arms as (
    select
        cells.experiment_id,
        cells.period_index,
        sum(case when cells.arm = 'treated' then cells.fcr_numerator else 0 end) as treated_numerator,
        sum(case when cells.arm = 'treated' then cells.fcr_denominator else 0 end) as treated_denominator,
        sum(case when cells.arm = 'control' then cells.fcr_numerator else 0 end) as control_numerator,
        sum(case when cells.arm = 'control' then cells.fcr_denominator else 0 end) as control_denominator
    from cells
    inner join experiments
        on cells.experiment_id = experiments.experiment_id
    where experiments.design = 'difference_in_differences' and cells.period = 'pre'
    group by cells.experiment_id, cells.period_index
),

pre_period_gaps as (
    select
        experiment_id,
        cast(period_index as {{ type_double() }}) as period_index,
        cast(treated_numerator as {{ type_double() }}) / treated_denominator
        - cast(control_numerator as {{ type_double() }}) / control_denominator as gap,
        1.0 / (
            cast(treated_numerator + control_numerator as {{ type_double() }})
            / (treated_denominator + control_denominator)
            * (
                1 - cast(treated_numerator + control_numerator as {{ type_double() }})
                / (treated_denominator + control_denominator)
            )
            * (1.0 / treated_denominator + 1.0 / control_denominator)
        ) as weight
    from pre_period_arms
    where
        treated_denominator > 0
        and control_denominator > 0
        and treated_numerator + control_numerator > 0
        and treated_numerator + control_numerator < treated_denominator + control_denominator
),

pre_period_means as (
    select
        experiment_id,
        count(*) as periods,
        sum(weight * period_index) / sum(weight) as mean_index,
        sum(weight * gap) / sum(weight) as mean_gap
    from pre_period_gaps
    group by experiment_id
),

pre_trends as (
    select
        pre_period_means.experiment_id,
        pre_period_means.periods,
        sum(
            pre_period_gaps.weight * (pre_period_gaps.period_index - pre_period_means.mean_index)
            * (pre_period_gaps.gap - pre_period_means.mean_gap)
        )
        / nullif(sum(
            pre_period_gaps.weight
            * power(pre_period_gaps.period_index - pre_period_means.mean_index, 2)
        ), 0) as slope,
        1.0 / sqrt(nullif(sum(
            pre_period_gaps.weight
            * power(pre_period_gaps.period_index - pre_period_means.mean_index, 2)
        ), 0)) as slope_standard_error
    from pre_period_means
    inner join pre_period_gaps
        on pre_period_means.experiment_id = pre_period_gaps.experiment_id
    group by pre_period_means.experiment_id, pre_period_means.periods
),

-- Both designs ---------------------------------------------------------------------------------
estimates as (
    select
        experiment_id,
        estimand,
        variance_method,
        strata_used,
        strata_excluded,
        treated_episodes,
        control_episodes,
        estimate,
        standard_error,
        degrees_of_freedom,
        pre_period_difference
    from randomised_estimates
    union all
    select
        experiment_id,
        estimand,
        variance_method,
        null as strata_used,
        null as strata_excluded,
        treated_episodes,
        control_episodes,
        case when cell_count = 4 then estimate end as estimate,
        case when cell_count = 4 then standard_error end as standard_error,
        1000000000 as degrees_of_freedom,
        pre_period_difference
    from did_estimates
),

-- The interval uses the largest tabulated degrees of freedom not above the estimate's own.
tabulated_degrees as (
    select
        estimates.experiment_id,
        max(critical_values.degrees_of_freedom) as tabulated_degrees_of_freedom
    from estimates
    inner join experiments
        on estimates.experiment_id = experiments.experiment_id
    inner join critical_values
        on experiments.confidence_level = critical_values.confidence_level
            and critical_values.degrees_of_freedom <= greatest(floor(estimates.degrees_of_freedom), 1)
    group by estimates.experiment_id
),

normal_critical_values as (
    select
        confidence_level,
        critical_value
    from critical_values
    where degrees_of_freedom = 1000000000
),

judged as (
    select
        experiments.*,
        estimates.estimand,
        estimates.variance_method,
        estimates.strata_used,
        estimates.strata_excluded,
        estimates.treated_episodes,
        estimates.control_episodes,
        estimates.estimate,
        estimates.standard_error,
        estimates.degrees_of_freedom,
        estimates.pre_period_difference,
        critical_values.critical_value,
        estimates.estimate - critical_values.critical_value * estimates.standard_error as ci_lower,
        estimates.estimate + critical_values.critical_value * estimates.standard_error as ci_upper,
        pre_trends.periods as pre_trend_periods,
        pre_trends.slope as pre_trend_slope,
        pre_trends.slope - normal_critical_values.critical_value * pre_trends.slope_standard_error
            as pre_trend_ci_lower,
        pre_trends.slope + normal_critical_values.critical_value * pre_trends.slope_standard_error
            as pre_trend_ci_upper
    from experiments
    left join estimates
        on experiments.experiment_id = estimates.experiment_id
    left join tabulated_degrees
        on estimates.experiment_id = tabulated_degrees.experiment_id
    left join critical_values
        on experiments.confidence_level = critical_values.confidence_level
            and tabulated_degrees.tabulated_degrees_of_freedom = critical_values.degrees_of_freedom
    left join normal_critical_values
        on experiments.confidence_level = normal_critical_values.confidence_level
    left join pre_trends
        on experiments.experiment_id = pre_trends.experiment_id
),

registry_fcr as (
    select
        version as fcr_definition_version,
        window_days as fcr_window_days
    from {{ ref('metric_registry') }}
    where metric_id = 'first_contact_resolution' and status = 'active'
),

final as (
    select
        -- keys
        judged.experiment_id,

        -- the experiment
        judged.experiment_name,
        judged.design,
        judged.driver_metric_id,
        judged.outcome_metric_id,
        judged.expected_direction,
        judged.owner,
        judged.pre_period_start,
        judged.start_date,
        judged.end_date,
        cast(unit_counts.treated_units as integer) as treated_units,
        cast(unit_counts.control_units as integer) as control_units,

        -- the estimate
        judged.estimand,
        judged.variance_method,
        cast(judged.strata_used as integer) as strata_used,
        cast(judged.strata_excluded as integer) as strata_excluded,
        cast(judged.treated_episodes as {{ dbt.type_bigint() }}) as treated_episodes,
        cast(judged.control_episodes as {{ dbt.type_bigint() }}) as control_episodes,
        cast(judged.confidence_level as {{ type_double() }}) as confidence_level,
        cast(judged.estimate as {{ type_double() }}) as effect_estimate,
        cast(judged.standard_error as {{ type_double() }}) as standard_error,
        cast(judged.degrees_of_freedom as {{ type_double() }}) as degrees_of_freedom,
        cast(judged.critical_value as {{ type_double() }}) as critical_value,
        cast(judged.ci_lower as {{ type_double() }}) as ci_lower,
        cast(judged.ci_upper as {{ type_double() }}) as ci_upper,
        case
            when judged.ci_lower > 0 then 'increase'
            when judged.ci_upper < 0 then 'decrease'
            when judged.ci_lower is not null then 'inconclusive'
            else 'not_estimable'
        end as finding,

        -- design checks
        cast(judged.pre_period_difference as {{ type_double() }}) as pre_period_difference,
        cast(judged.pre_trend_periods as integer) as pre_trend_periods,
        cast(judged.pre_trend_slope as {{ type_double() }}) as pre_trend_slope,
        cast(judged.pre_trend_ci_lower as {{ type_double() }}) as pre_trend_ci_lower,
        cast(judged.pre_trend_ci_upper as {{ type_double() }}) as pre_trend_ci_upper,
        case
            when judged.design <> 'difference_in_differences' then 'not_applicable'
            when judged.pre_trend_periods is null or judged.pre_trend_periods < 3
                or judged.pre_trend_slope is null then 'not_enough_periods'
            when judged.pre_trend_ci_lower > 0 or judged.pre_trend_ci_upper < 0 then 'diverging'
            else 'parallel'
        end as pre_trend_status,

        -- definition version
        registry_fcr.fcr_definition_version,
        registry_fcr.fcr_window_days
    from judged
    inner join unit_counts
        on judged.experiment_id = unit_counts.experiment_id
    cross join registry_fcr
)

select * from final
