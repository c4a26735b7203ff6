{#- Team x calendar quarter: the two marks of closing cases to meet a target rather than to solve
    the need — premature closure followed by the customer's return, and closures bunched just
    before the case closure SLA deadline — each judged against the registry's thresholds. See
    DECISIONLOG "Gaming watch". -#}
with

closures as (
    select * from {{ ref('int_case_closures__attributed') }}
),

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
        and metric_id in ('premature_closure_rate', 'sla_boundary_closure_share')
),

thresholds as (
    select
        max(case when metric_id = 'premature_closure_rate' then threshold end) as premature_gap_tolerance,
        max(case when metric_id = 'premature_closure_rate' then minimum_volume end) as premature_minimum_volume,
        max(case when metric_id = 'sla_boundary_closure_share' then threshold end) as boundary_share_threshold,
        max(case when metric_id = 'sla_boundary_closure_share' then minimum_volume end)
            as boundary_minimum_volume
    from registry
),

closures_in_quarter as (
    select
        *,
        cast({{ dbt.date_trunc('quarter', 'closed_at') }} as date) as closure_quarter
    from closures
),

team_quarters as (
    select
        agent_team,
        closure_quarter,
        count(*) as resolving_closures,
        sum(case when is_window_elapsed then 1 else 0 end) as closures_judged,
        sum(case when is_window_elapsed and is_reopened_within_window then 1 else 0 end)
            as reopened_within_window,
        sum(case when is_just_before_sla_deadline then 1 else 0 end) as closed_just_before_deadline,
        sum(case when is_just_after_sla_deadline then 1 else 0 end) as closed_just_after_deadline,
        max(reopen_window_days) as reopen_window_days,
        max(premature_definition_version) as premature_definition_version,
        max(sla_definition_version) as sla_definition_version,
        max(boundary_definition_version) as boundary_definition_version
    from closures_in_quarter
    group by agent_team, closure_quarter
),

-- every other team in the same quarter is the comparison ("the rest")
with_rest as (
    select
        *,
        sum(closures_judged) over (partition by closure_quarter) - closures_judged as rest_closures_judged,
        sum(reopened_within_window) over (partition by closure_quarter) - reopened_within_window
            as rest_reopened_within_window,
        sum(resolving_closures) over (partition by closure_quarter) - resolving_closures as rest_resolving_closures,
        sum(closed_just_before_deadline) over (partition by closure_quarter) - closed_just_before_deadline
            as rest_closed_just_before_deadline
    from team_quarters
),

rates as (
    select
        with_rest.*,
        thresholds.premature_gap_tolerance,
        thresholds.premature_minimum_volume,
        thresholds.boundary_share_threshold,
        thresholds.boundary_minimum_volume,
        case
            when with_rest.closures_judged > 0
                then cast(with_rest.reopened_within_window as {{ type_double() }}) / with_rest.closures_judged
        end as premature_closure_rate,
        case
            when with_rest.rest_closures_judged > 0
                then cast(with_rest.rest_reopened_within_window as {{ type_double() }})
                    / with_rest.rest_closures_judged
        end as rest_premature_closure_rate,
        case
            when with_rest.closures_judged + with_rest.rest_closures_judged > 0
                then cast(
                        with_rest.reopened_within_window + with_rest.rest_reopened_within_window as {{ type_double() }}
                    )
                    / (with_rest.closures_judged + with_rest.rest_closures_judged)
        end as pooled_premature_rate,
        case
            when with_rest.resolving_closures > 0
                then cast(with_rest.closed_just_before_deadline as {{ type_double() }}) / with_rest.resolving_closures
        end as sla_boundary_closure_share,
        case
            when with_rest.rest_resolving_closures > 0
                then cast(with_rest.rest_closed_just_before_deadline as {{ type_double() }})
                    / with_rest.rest_resolving_closures
        end as rest_sla_boundary_closure_share,
        case
            when with_rest.resolving_closures + with_rest.rest_resolving_closures > 0
                then cast(
                        with_rest.closed_just_before_deadline + with_rest.rest_closed_just_before_deadline
                        as {{ type_double() }}
                    )
                    / (with_rest.resolving_closures + with_rest.rest_resolving_closures)
        end as pooled_boundary_share
    from with_rest
    cross join thresholds
),

-- two-proportion z statistics (the team against the rest, with the pooled rate)
statistics as (
    select
        *,
        case
            when
                pooled_premature_rate > 0 and pooled_premature_rate < 1
                and closures_judged > 0 and rest_closures_judged > 0
                then (premature_closure_rate - rest_premature_closure_rate)
                    / sqrt(
                        pooled_premature_rate * (1 - pooled_premature_rate)
                        * (1.0 / closures_judged + 1.0 / rest_closures_judged)
                    )
        end as premature_gap_z_score,
        case
            when
                pooled_boundary_share > 0 and pooled_boundary_share < 1
                and resolving_closures > 0 and rest_resolving_closures > 0
                then (sla_boundary_closure_share - rest_sla_boundary_closure_share)
                    / sqrt(
                        pooled_boundary_share * (1 - pooled_boundary_share)
                        * (1.0 / resolving_closures + 1.0 / rest_resolving_closures)
                    )
        end as sla_boundary_z_score
    from rates
),

flags as (
    select
        *,
        coalesce(
            closures_judged >= premature_minimum_volume
            and premature_closure_rate - rest_premature_closure_rate > premature_gap_tolerance
            and premature_gap_z_score >= 3.29,
            false
        ) as is_premature_closure_flagged,
        coalesce(
            resolving_closures >= boundary_minimum_volume
            and sla_boundary_closure_share - rest_sla_boundary_closure_share > boundary_share_threshold
            and sla_boundary_z_score >= 3.29,
            false
        ) as is_sla_bunching_flagged
    from statistics
),

final as (
    select
        -- keys
        {{ dbt.concat([
            "agent_team", "'|'",
            "cast(extract(year from closure_quarter) as " ~ dbt.type_int() ~ ")", "'-Q'",
            "cast(extract(quarter from closure_quarter) as " ~ dbt.type_int() ~ ")"
        ]) }} as team_quarter_key,
        agent_team,
        closure_quarter,

        -- flags
        is_premature_closure_flagged,
        is_sla_bunching_flagged,
        is_premature_closure_flagged or is_sla_bunching_flagged as is_on_gaming_watch,

        -- parts
        cast(resolving_closures as {{ dbt.type_bigint() }}) as resolving_closures,
        cast(closures_judged as {{ dbt.type_bigint() }}) as closures_judged,
        cast(reopened_within_window as {{ dbt.type_bigint() }}) as reopened_within_window,
        cast(rest_closures_judged as {{ dbt.type_bigint() }}) as rest_closures_judged,
        cast(rest_reopened_within_window as {{ dbt.type_bigint() }}) as rest_reopened_within_window,
        cast(closed_just_before_deadline as {{ dbt.type_bigint() }}) as closed_just_before_deadline,
        cast(closed_just_after_deadline as {{ dbt.type_bigint() }}) as closed_just_after_deadline,

        -- judgement
        premature_closure_rate,
        rest_premature_closure_rate,
        premature_gap_z_score,
        sla_boundary_closure_share,
        rest_sla_boundary_closure_share,
        sla_boundary_z_score,
        premature_gap_tolerance,
        premature_minimum_volume,
        boundary_share_threshold,
        boundary_minimum_volume,

        -- definition
        reopen_window_days,
        premature_definition_version,
        sla_definition_version,
        boundary_definition_version
    from flags
)

select * from final
