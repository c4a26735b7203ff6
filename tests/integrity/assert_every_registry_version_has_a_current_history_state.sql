-- Not on Spark, which cannot snapshot (DECISIONLOG "Apache Spark as a third engine").
{{ config(enabled=target.type != 'spark') }}

-- Every row now in the registry has exactly one current state in its history, equal to the row:
-- a figure tagged with a definition version can always be traced to the recorded definition.
-- Returns registry rows with no matching current state, or with more than one.
with

registry as (
    select * from {{ ref('metric_registry') }}
),

current_states as (
    select * from {{ ref('metric_registry_history') }}
    where dbt_valid_to is null
),

matched as (
    select
        registry.metric_id,
        registry.version,
        count(current_states.metric_id) as current_state_count
    from registry
    left join current_states
        on
            registry.metric_id = current_states.metric_id
            and registry.version = current_states.version
            and registry.status = current_states.status
            and registry.window_days is not distinct from current_states.window_days
            and registry.threshold is not distinct from current_states.threshold
            and registry.effective_from = current_states.effective_from
    group by registry.metric_id, registry.version
)

select *
from matched
where current_state_count <> 1
