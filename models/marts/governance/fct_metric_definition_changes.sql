{#- The definition change log: one row per state a registry row has been in, read from the registry
    snapshot, with what changed against the state before it. An edit to the calculation of a version
    that is or was official breaks comparability (its history would be restated silently) and is
    flagged; the change-control rule is to add a new version instead. -#}
with

history as (
    -- the registry snapshot; on Spark, which cannot snapshot, the registry as it is now
    select * from {{ registry_history() }}
),

history_started as (
    select min(dbt_valid_from) as history_started_at
    from history
),

sequenced as (
    select
        *,
        lag(numerator) over record_history as previous_numerator,
        lag(denominator) over record_history as previous_denominator,
        lag(filters) over record_history as previous_filters,
        lag(window_days) over record_history as previous_window_days,
        lag(threshold) over record_history as previous_threshold,
        lag(minimum_volume) over record_history as previous_minimum_volume,
        lag(unit) over record_history as previous_unit,
        lag(grain) over record_history as previous_grain,
        lag(direction_of_good) over record_history as previous_direction_of_good,
        lag(metric_name) over record_history as previous_metric_name,
        lag(lens) over record_history as previous_lens,
        lag(tier) over record_history as previous_tier,
        lag(definition) over record_history as previous_definition,
        lag(owner) over record_history as previous_owner,
        lag(source_of_truth) over record_history as previous_source_of_truth,
        lag(change_reason) over record_history as previous_change_reason,
        lag(status) over record_history as previous_status,
        lag(effective_from) over record_history as previous_effective_from,
        lag(dbt_is_deleted) over record_history as previous_dbt_is_deleted,
        cast(row_number() over record_history as {{ dbt.type_bigint() }}) as record_sequence
    from history
    window record_history as (partition by metric_id, version order by dbt_valid_from)
),

flagged as (
    select
        *,
        record_sequence > 1 and {{ value_changed('numerator', 'previous_numerator') }}
            as is_numerator_changed,
        record_sequence > 1 and {{ value_changed('denominator', 'previous_denominator') }}
            as is_denominator_changed,
        record_sequence > 1 and {{ value_changed('filters', 'previous_filters') }}
            as is_filters_changed,
        record_sequence > 1 and {{ value_changed('window_days', 'previous_window_days') }}
            as is_window_days_changed,
        record_sequence > 1 and {{ value_changed('threshold', 'previous_threshold') }}
            as is_threshold_changed,
        record_sequence > 1 and {{ value_changed('minimum_volume', 'previous_minimum_volume') }}
            as is_minimum_volume_changed,
        record_sequence > 1 and {{ value_changed('unit', 'previous_unit') }}
            as is_unit_changed,
        record_sequence > 1 and {{ value_changed('grain', 'previous_grain') }}
            as is_grain_changed,
        record_sequence > 1 and {{ value_changed('direction_of_good', 'previous_direction_of_good') }}
            as is_direction_of_good_changed,
        record_sequence > 1 and {{ value_changed('metric_name', 'previous_metric_name') }}
            as is_metric_name_changed,
        record_sequence > 1 and {{ value_changed('lens', 'previous_lens') }}
            as is_lens_changed,
        record_sequence > 1 and {{ value_changed('tier', 'previous_tier') }}
            as is_tier_changed,
        record_sequence > 1 and {{ value_changed('definition', 'previous_definition') }}
            as is_definition_changed,
        record_sequence > 1 and {{ value_changed('owner', 'previous_owner') }}
            as is_owner_changed,
        record_sequence > 1 and {{ value_changed('source_of_truth', 'previous_source_of_truth') }}
            as is_source_of_truth_changed,
        record_sequence > 1 and {{ value_changed('change_reason', 'previous_change_reason') }}
            as is_change_reason_changed,
        record_sequence > 1 and {{ value_changed('status', 'previous_status') }}
            as is_status_changed,
        record_sequence > 1 and {{ value_changed('effective_from', 'previous_effective_from') }}
            as is_effective_from_changed
    from sequenced
),

-- Calculation columns: a change to any of them changes the figures a version produces.
compared as (
    select
        *,
        is_numerator_changed
        or is_denominator_changed
        or is_filters_changed
        or is_window_days_changed
        or is_threshold_changed
        or is_minimum_volume_changed
        or is_unit_changed
        or is_grain_changed
        or is_direction_of_good_changed as is_calculation_changed,
        concat_ws(
            ', ',
            case when is_numerator_changed then 'numerator' end,
            case when is_denominator_changed then 'denominator' end,
            case when is_filters_changed then 'filters' end,
            case when is_window_days_changed then 'window_days' end,
            case when is_threshold_changed then 'threshold' end,
            case when is_minimum_volume_changed then 'minimum_volume' end,
            case when is_unit_changed then 'unit' end,
            case when is_grain_changed then 'grain' end,
            case when is_direction_of_good_changed then 'direction_of_good' end,
            case when is_metric_name_changed then 'metric_name' end,
            case when is_lens_changed then 'lens' end,
            case when is_tier_changed then 'tier' end,
            case when is_definition_changed then 'definition' end,
            case when is_owner_changed then 'owner' end,
            case when is_source_of_truth_changed then 'source_of_truth' end,
            case when is_change_reason_changed then 'change_reason' end,
            case when is_status_changed then 'status' end,
            case when is_effective_from_changed then 'effective_from' end
        ) as changed_fields
    from flagged
),

classified as (
    select
        compared.*,
        case
            when compared.dbt_is_deleted = 'True' then 'removed from registry'
            when
                compared.record_sequence = 1
                and compared.dbt_valid_from = history_started.history_started_at
                then 'registered'
            when compared.record_sequence = 1 and compared.version = 1 then 'new metric'
            when compared.record_sequence = 1 then 'new version'
            when compared.previous_dbt_is_deleted = 'True' then 'restored to registry'
            when compared.is_status_changed then 'status change'
            when compared.is_calculation_changed then 'calculation edited in place'
            when compared.is_effective_from_changed then 'effective date changed'
            else 'description edited'
        end as change_type
    from compared
    cross join history_started
),

final as (
    select
        -- keys
        dbt_scd_id as change_id,
        metric_id,
        version as definition_version,
        record_sequence,

        -- the change
        change_type,
        nullif(changed_fields, '') as changed_fields,
        previous_status,
        status,
        previous_window_days,
        window_days,
        previous_threshold,
        threshold,
        effective_from,
        change_reason,
        owner,

        -- comparability: calculation edits to a version that is or was official
        coalesce(is_calculation_changed and previous_status in ('active', 'retired'), false)
            as breaks_comparability,

        -- validity of this state of the row (UTC; valid_to null while current)
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null and coalesce(dbt_is_deleted, 'False') <> 'True' as is_current_state
    from classified
)

select * from final
