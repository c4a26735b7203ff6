{#- Registry metric x UTC month: the board's figures, summed from the marts' parts (sum the
    numerators, sum the denominators, then divide), with the registry's lens, tier and direction
    and the definition version in force. The trend series of the board scorecard and the report
    site. See DECISIONLOG "Board scorecard". -#}
with

metric_parts as (
    select * from {{ ref('int_board__metric_parts_monthly') }}
),

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
),

monthly as (
    select
        metric_id,
        period_month,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from metric_parts
    group by metric_id, period_month
),

final as (
    select
        -- keys
        {{ dbt.concat([
            "monthly.metric_id", "'|'",
            "cast(cast(monthly.period_month as " ~ dbt.type_timestamp() ~ ") as " ~ dbt.type_string() ~ ")"
        ]) }} as board_outcome_month_key,
        monthly.metric_id,
        monthly.period_month,

        -- dimensions
        registry.metric_name,
        registry.lens,
        registry.tier,
        registry.unit,
        registry.direction_of_good,

        -- parts and figure
        monthly.numerator,
        monthly.denominator,
        case when monthly.denominator > 0 then monthly.numerator / monthly.denominator end as metric_value,

        -- definition
        registry.version as definition_version
    from monthly
    inner join registry
        on monthly.metric_id = registry.metric_id
    -- a month with nothing counted on either side carries no figure (for example the days on
    -- which only old vulnerability flags were checked in the risk mart)
    where monthly.numerator <> 0 or monthly.denominator <> 0
)

select * from final
