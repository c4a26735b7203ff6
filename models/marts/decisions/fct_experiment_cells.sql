{#- One row per experiment, unit and period: the first contact resolution parts of the mature
    assisted episodes whose first assisted chain started in that period. The estimates in
    fct_experiment_effects are computed from these parts only. -#}
with

experiments as (
    select * from {{ ref('experiments') }}
),

assignments as (
    select * from {{ ref('dim_experiment_units') }}
),

-- Only episodes that count for first contact resolution: assisted, and mature by the horizon.
episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
    where fcr_denominator = 1
),

-- A need belongs to the unit of its customer's region and its intent (a site unit: any intent),
-- and to the experiment's window by the UTC day its first assisted chain started.
episodes_in_units as (
    select
        assignments.experiment_id,
        assignments.unit_id,
        assignments.stratum,
        assignments.arm,
        assignments.is_treated,
        experiments.start_date,
        experiments.period_days,
        episodes.fcr_numerator,
        episodes.fcr_denominator,
        episodes.fcr_definition_version,
        episodes.fcr_window_days,
        {{ dbt.datediff('experiments.start_date', 'cast(episodes.first_assisted_at as date)', 'day') }}
            as days_from_start
    from episodes
    inner join assignments
        on episodes.region = assignments.region
            and (assignments.intent is null or episodes.intent = assignments.intent)
    inner join experiments
        on assignments.experiment_id = experiments.experiment_id
    where
        cast(episodes.first_assisted_at as date) >= experiments.pre_period_start
        and cast(episodes.first_assisted_at as date) <= experiments.end_date
),

-- Periods of period_days counted from the start: -1 is the last one before it, 0 the first one.
periodised as (
    select
        *,
        cast(floor(cast(days_from_start as {{ type_double() }}) / period_days) as integer) as period_index
    from episodes_in_units
),

cells as (
    select
        experiment_id,
        unit_id,
        stratum,
        arm,
        is_treated,
        period_index,
        min(start_date) as start_date,
        min(period_days) as period_days,
        cast(sum(fcr_numerator) as {{ dbt.type_bigint() }}) as fcr_numerator,
        cast(sum(fcr_denominator) as {{ dbt.type_bigint() }}) as fcr_denominator,
        max(fcr_definition_version) as fcr_definition_version,
        max(fcr_window_days) as fcr_window_days
    from periodised
    group by experiment_id, unit_id, stratum, arm, is_treated, period_index
),

final as (
    select
        -- keys
        experiment_id || '|' || unit_id || '|' || cast(period_index as {{ dbt.type_string() }})
            as experiment_cell_key,
        experiment_id,
        unit_id,

        -- dimensions
        stratum,
        arm,
        is_treated,
        case when period_index < 0 then 'pre' else 'post' end as period,
        period_index,
        cast({{ dbt.dateadd('day', 'period_index * period_days', 'start_date') }} as date) as period_start_date,

        -- first contact resolution parts
        fcr_numerator,
        fcr_denominator,

        -- definition version
        fcr_definition_version,
        fcr_window_days
    from cells
)

select * from final
