{#- Logic-model link x UTC month: the observed association between the driver and the outcome the
    link says it moves — the correlation of their daily rates across region-days, its Fisher-z
    confidence interval, the least-squares slope — beside the expected direction, with a verdict
    (supported, contradicted, inconclusive). Association over time, not proof of cause: the
    experiments page holds the causal evidence. See DECISIONLOG "Logic model". -#}
with

links as (
    select * from {{ ref('logic_model_links') }}
),

experiments as (
    select * from {{ ref('experiments') }}
),

driver_days as (
    select * from {{ ref('fct_driver_outcomes_daily') }}
),

outcome_days as (
    select * from {{ ref('fct_customer_outcomes_daily') }}
),

experiments_by_driver as (
    select
        driver_metric_id,
        count(*) as experiments_on_driver
    from experiments
    group by driver_metric_id
),

association_definition as (
    select
        version as association_definition_version,
        threshold as interval_z,
        minimum_volume as minimum_cells
    from {{ ref('metric_registry') }}
    where metric_id = 'logic_model_association' and status = 'active'
),

driver_cells as (
    select
        contact_date as cell_date,
        region,
        sum(auth_passed_chains) as auth_passed,
        sum(auth_attempted_chains) as auth_attempted,
        sum(accurate_article_uses) as accurate_article_uses,
        sum(article_uses) as article_uses,
        sum(transferred_chains) as transferred_chains,
        sum(assisted_chains) as assisted_chains
    from driver_days
    group by contact_date, region
),

outcome_cells as (
    select
        outcome_date as cell_date,
        region,
        sum(fcr_numerator) as fcr_numerator,
        sum(fcr_denominator) as fcr_denominator,
        sum(repeat_numerator) as repeat_numerator,
        sum(repeat_denominator) as repeat_denominator
    from outcome_days
    group by outcome_date, region
),

-- each metric's rate in each region-day where its denominator is not zero
cell_rates as (
    select
        cell_date,
        region,
        'authentication_pass_rate' as metric_id,
        cast(auth_passed as {{ type_double() }}) / auth_attempted as metric_value
    from driver_cells
    where auth_attempted > 0
    union all
    select
        cell_date,
        region,
        'knowledge_accuracy' as metric_id,
        cast(accurate_article_uses as {{ type_double() }}) / article_uses as metric_value
    from driver_cells
    where article_uses > 0
    union all
    select
        cell_date,
        region,
        'transfer_rate' as metric_id,
        cast(transferred_chains as {{ type_double() }}) / assisted_chains as metric_value
    from driver_cells
    where assisted_chains > 0
    union all
    select
        cell_date,
        region,
        'first_contact_resolution' as metric_id,
        cast(fcr_numerator as {{ type_double() }}) / fcr_denominator as metric_value
    from outcome_cells
    where fcr_denominator > 0
    union all
    select
        cell_date,
        region,
        'repeat_contact_rate' as metric_id,
        cast(repeat_numerator as {{ type_double() }}) / repeat_denominator as metric_value
    from outcome_cells
    where repeat_denominator > 0
),

paired as (
    select
        links.link_id,
        cast({{ dbt.date_trunc('month', 'driver_rates.cell_date') }} as date) as period_month,
        driver_rates.metric_value as driver_value,
        outcome_rates.metric_value as outcome_value
    from links
    inner join cell_rates as driver_rates
        on links.driver_metric_id = driver_rates.metric_id
    inner join cell_rates as outcome_rates
        on links.outcome_metric_id = outcome_rates.metric_id
            and driver_rates.cell_date = outcome_rates.cell_date
            and driver_rates.region = outcome_rates.region
),

associations as (
    select
        link_id,
        period_month,
        count(*) as cell_count,
        -- No correlation (null, as on PostgreSQL; DuckDB's corr gives NaN) when either rate is
        -- constant, e.g. a transfer rate of 0 everywhere in an estate without transfer links.
        case
            when var_pop(driver_value) > 0 and var_pop(outcome_value) > 0 then corr(outcome_value, driver_value)
        end as observed_correlation,
        case when var_pop(driver_value) > 0 then regr_slope(outcome_value, driver_value) end as association_slope,
        avg(driver_value) as mean_driver_value,
        avg(outcome_value) as mean_outcome_value
    from paired
    group by link_id, period_month
),

-- Fisher's z = atanh(r) with standard error 1 / sqrt(n - 3); the bounds are mapped back with tanh
fisher as (
    select
        associations.*,
        association_definition.association_definition_version,
        association_definition.interval_z,
        association_definition.minimum_cells,
        case
            when associations.cell_count > 3 and abs(associations.observed_correlation) < 1
                then 0.5 * ln((1 + associations.observed_correlation) / (1 - associations.observed_correlation))
        end as fisher_z,
        case
            when associations.cell_count > 3 then 1.0 / sqrt(associations.cell_count - 3)
        end as fisher_standard_error
    from associations
    cross join association_definition
),

intervals as (
    select
        *,
        (exp(2 * (fisher_z - interval_z * fisher_standard_error)) - 1)
        / (exp(2 * (fisher_z - interval_z * fisher_standard_error)) + 1) as correlation_lower,
        (exp(2 * (fisher_z + interval_z * fisher_standard_error)) - 1)
        / (exp(2 * (fisher_z + interval_z * fisher_standard_error)) + 1) as correlation_upper
    from fisher
),

final as (
    select
        -- keys
        {{ dbt.concat([
            "links.link_id", "'|'",
            "cast(cast(intervals.period_month as " ~ dbt.type_timestamp() ~ ") as " ~ dbt.type_string() ~ ")"
        ]) }} as link_month_key,
        links.link_id,
        intervals.period_month,

        -- dimensions
        links.driver_metric_id,
        links.outcome_metric_id,
        links.expected_direction,
        links.rationale,
        links.experiment_anchor,
        cast(coalesce(experiments_by_driver.experiments_on_driver, 0) as {{ dbt.type_bigint() }})
            as experiments_on_driver,
        case
            when intervals.cell_count < intervals.minimum_cells or intervals.correlation_lower is null
                then 'not_judged'
            when links.expected_direction = 'positive' and intervals.correlation_lower > 0 then 'supported'
            when links.expected_direction = 'negative' and intervals.correlation_upper < 0 then 'supported'
            when links.expected_direction = 'positive' and intervals.correlation_upper < 0 then 'contradicted'
            when links.expected_direction = 'negative' and intervals.correlation_lower > 0 then 'contradicted'
            else 'inconclusive'
        end as association_status,
        coalesce(
            (links.expected_direction = 'positive' and intervals.observed_correlation < 0)
            or (links.expected_direction = 'negative' and intervals.observed_correlation > 0),
            false
        ) as is_observed_sign_contrary,

        -- association
        cast(intervals.cell_count as {{ dbt.type_bigint() }}) as cell_count,
        intervals.observed_correlation,
        intervals.correlation_lower,
        intervals.correlation_upper,
        intervals.association_slope,
        intervals.mean_driver_value,
        intervals.mean_outcome_value,
        intervals.interval_z,
        intervals.minimum_cells,

        -- definition
        intervals.association_definition_version
    from intervals
    inner join links
        on intervals.link_id = links.link_id
    left join experiments_by_driver
        on links.driver_metric_id = experiments_by_driver.driver_metric_id
)

select * from final
