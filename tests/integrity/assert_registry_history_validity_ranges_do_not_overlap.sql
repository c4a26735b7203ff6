-- Not on Spark, which cannot snapshot (DECISIONLOG "Apache Spark as a third engine").
{{ config(enabled=target.type != 'spark') }}

-- Every registry row's history is one unbroken chain of states: each state ends exactly when the
-- next begins, ranges never overlap, and only the latest state is open. Returns the broken links.
with

history as (
    select
        metric_id,
        version,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        lead(dbt_valid_from) over (partition by metric_id, version order by dbt_valid_from) as next_valid_from
    from {{ ref('metric_registry_history') }}
)

select *
from history
where
    (valid_to is not null and valid_to <= valid_from)
    or (next_valid_from is null and valid_to is not null)
    or (next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from))
