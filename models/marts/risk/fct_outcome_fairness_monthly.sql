{#- Month x outcome x customer dimension x group: the group's rate beside the rate of every other
    customer that month, the gap, and whether the gap exceeds the registry's tolerance. Judged only
    on the registry's minimum volume on both sides. See DECISIONLOG "Fairness". -#}
with

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
),

contact_chains as (
    select * from {{ ref('fct_contact_outcomes') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

fairness_definition as (
    select
        version as fairness_definition_version,
        threshold as gap_tolerance,
        minimum_volume
    from {{ ref('metric_registry') }}
    where metric_id = 'outcome_fairness_gap' and status = 'active'
),

outcome_parts as (
    select
        customer_id,
        {{ dbt.date_trunc('month', 'first_contact_date') }} as outcome_month,
        'first_contact_resolution' as metric_id,
        fcr_numerator as numerator,
        fcr_denominator as denominator
    from episodes
    -- No FCR where no resolution is recorded (a caller-identified episode: no CRM).
    where is_resolution_recorded
    union all
    select
        customer_id,
        {{ dbt.date_trunc('month', 'contact_date') }} as outcome_month,
        'repeat_contact_rate' as metric_id,
        repeat_numerator as numerator,
        repeat_denominator as denominator
    from contact_chains
),

customer_groups as (
    select
        customer_id,
        'age_band' as dimension,
        age_band as customer_group
    from customers
    union all
    select
        customer_id,
        'preferred_language' as dimension,
        coalesce(preferred_language, 'unknown') as customer_group
    from customers
    union all
    select
        customer_id,
        'region' as dimension,
        coalesce(region, 'unknown') as customer_group
    from customers
    union all
    select
        customer_id,
        'segment' as dimension,
        coalesce(segment, 'unknown') as customer_group
    from customers
    union all
    select
        customer_id,
        'vulnerability' as dimension,
        case when is_vulnerable_with_consent then 'vulnerable_with_consent' else 'not_flagged' end as customer_group
    from customers
),

group_totals as (
    select
        outcome_parts.outcome_month,
        outcome_parts.metric_id,
        customer_groups.dimension,
        customer_groups.customer_group,
        cast(sum(outcome_parts.numerator) as {{ dbt.type_bigint() }}) as group_numerator,
        cast(sum(outcome_parts.denominator) as {{ dbt.type_bigint() }}) as group_denominator
    from outcome_parts
    inner join customer_groups
        on outcome_parts.customer_id = customer_groups.customer_id
    group by 1, 2, 3, 4
),

with_rest as (
    select
        *,
        sum(group_numerator) over (
            partition by outcome_month, metric_id, dimension
        ) - group_numerator as rest_numerator,
        sum(group_denominator) over (
            partition by outcome_month, metric_id, dimension
        ) - group_denominator as rest_denominator
    from group_totals
),

judged as (
    select
        with_rest.*,
        fairness_definition.fairness_definition_version,
        fairness_definition.gap_tolerance,
        fairness_definition.minimum_volume,
        case
            when with_rest.group_denominator > 0
                then cast(with_rest.group_numerator as {{ type_double() }}) / with_rest.group_denominator
        end as group_rate,
        case
            when with_rest.rest_denominator > 0
                then cast(with_rest.rest_numerator as {{ type_double() }}) / with_rest.rest_denominator
        end as rest_rate
    from with_rest
    cross join fairness_definition
),

with_pooled_rate as (
    select
        *,
        case
            when group_denominator > 0 and rest_denominator > 0
                then cast(group_numerator + rest_numerator as {{ type_double() }})
                    / (group_denominator + rest_denominator)
        end as pooled_rate
    from judged
),

-- Two-proportion z statistic with the pooled rate; null when it cannot be computed.
with_z_score as (
    select
        *,
        case
            when pooled_rate > 0 and pooled_rate < 1
                then (group_rate - rest_rate)
                    / sqrt(pooled_rate * (1 - pooled_rate) * (1.0 / group_denominator + 1.0 / rest_denominator))
        end as gap_z_score
    from with_pooled_rate
),

final as (
    select
        -- keys
        -- the month as timestamp text on every engine (PostgreSQL truncates a date to timestamptz)
        {{ dbt.concat([
            "cast(cast(outcome_month as " ~ dbt.type_timestamp() ~ ") as " ~ dbt.type_string() ~ ")",
            "'|'", "metric_id", "'|'", "dimension", "'|'", "customer_group",
        ]) }} as fairness_key,
        cast(outcome_month as date) as outcome_month,
        metric_id,
        dimension,
        customer_group,

        -- parts
        group_numerator,
        group_denominator,
        cast(rest_numerator as {{ dbt.type_bigint() }}) as rest_numerator,
        cast(rest_denominator as {{ dbt.type_bigint() }}) as rest_denominator,

        -- rates and gap
        group_rate,
        rest_rate,
        group_rate - rest_rate as rate_gap,
        gap_z_score,
        gap_tolerance,
        minimum_volume,
        case
            when group_denominator < minimum_volume or rest_denominator < minimum_volume
                then 'insufficient_volume'
            when abs(group_rate - rest_rate) <= gap_tolerance then 'within_tolerance'
            when abs(gap_z_score) >= 1.96 then 'gap_exceeds_tolerance'
            else 'gap_not_significant'
        end as fairness_status,

        -- definition version
        fairness_definition_version
    from with_z_score
)

select * from final
