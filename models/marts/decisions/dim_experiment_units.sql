{#- One row per experiment and unit: the arm the warehouse assigns, by the experiment's rule. The
    simulation applies the same rule (DECISIONLOG "Experiments"). -#}
with

experiments as (
    select * from {{ ref('experiments') }}
),

units as (
    select * from {{ ref('experiment_units') }}
),

hashed as (
    select
        units.experiment_id,
        units.unit_id,
        units.unit_name,
        coalesce(units.stratum, '') as stratum,
        units.intent,
        units.region,
        units.policy_treated,
        experiments.design,
        experiments.assignment_rule,
        experiments.treated_share,
        {{ experiment_unit_hash("coalesce(experiments.assignment_salt, '')", 'units.unit_id') }} as assignment_hash
    from units
    inner join experiments
        on units.experiment_id = experiments.experiment_id
),

-- Within each stratum, the units whose digests sort first are treated.
ranked as (
    select
        *,
        row_number() over (
            partition by experiment_id, stratum
            order by assignment_hash
        ) as stratum_rank,
        count(*) over (partition by experiment_id, stratum) as stratum_units
    from hashed
),

assigned as (
    select
        *,
        case
            when assignment_rule = 'hash_rank_within_stratum'
                then stratum_rank <= floor(stratum_units * treated_share)
            when assignment_rule = 'policy_decision'
                then coalesce(policy_treated, false)
        end as is_treated
    from ranked
),

final as (
    select
        -- keys
        experiment_id || '|' || unit_id as experiment_unit_key,
        experiment_id,
        unit_id,

        -- dimensions
        unit_name,
        stratum,
        intent,
        region,
        design,
        assignment_rule,

        -- assignment
        assignment_hash,
        cast(stratum_rank as integer) as stratum_rank,
        cast(stratum_units as integer) as stratum_units,
        is_treated,
        case when is_treated then 'treated' else 'control' end as arm
    from assigned
)

select * from final
