{#- The recorded states of the metric registry, as the registry snapshot (metric_registry_history)
    holds them: the registry's columns, then dbt_scd_id, dbt_updated_at, dbt_valid_from,
    dbt_valid_to and dbt_is_deleted.

    Spark in session mode cannot snapshot (dbt-spark snapshots need Delta, Iceberg or Hudi tables,
    and this project uses plain Parquet), so the snapshot is disabled on that target
    (dbt_project.yml). There this macro stands in for it with what a snapshot records on its first
    run: every registry row as one current state, recorded at the start of this build. The
    change log built on Spark therefore holds no earlier states: it shows the registry as it is,
    every row 'registered' now, never an edit or a status change. See DECISIONLOG "Apache Spark as
    a third engine". -#}
{% macro registry_history() -%}
    {{ return(adapter.dispatch('registry_history', 'service_outcomes')()) }}
{%- endmacro %}

{% macro default__registry_history() -%}
    {{ ref('metric_registry_history') }}
{%- endmacro %}

{% macro spark__registry_history() -%}
    {%- set recorded_at = run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
    (
        select
            registry.*,
            md5(concat_ws(
                '|', cast(registry.metric_id as string), cast(registry.version as string), '{{ recorded_at }}'
            )) as dbt_scd_id,
            to_timestamp('{{ recorded_at }}') as dbt_updated_at,
            to_timestamp('{{ recorded_at }}') as dbt_valid_from,
            cast(null as timestamp) as dbt_valid_to,
            'False' as dbt_is_deleted
        from {{ ref('metric_registry') }} as registry
    )
{%- endmacro %}
