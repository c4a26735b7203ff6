{#- Month x windowed outcome x definition version: first contact resolution and repeat contact rate
    computed under every registered version of their definition (active, retired and proposed), by
    the same rules the customer marts apply to the active version. A definition change therefore
    never breaks a trend: the board sees the old and the new series side by side. -#}
with

versions as (
    select * from {{ ref('int_metric_versions__ranged') }}
    where metric_id in ('first_contact_resolution', 'repeat_contact_rate')
),

-- An episode with no recorded resolution (a caller-identified one) has no FCR under any version.
episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
    where is_assisted and is_resolution_recorded
),

assisted_chains as (
    select * from {{ ref('fct_contact_outcomes') }}
    where is_assisted
),

fcr_by_version as (
    select
        versions.metric_id,
        versions.version,
        cast({{ dbt.date_trunc('month', 'episodes.first_contact_date') }} as date) as period_month,
        sum(
            case
                when {{ fcr_is_met(
                    'episodes.first_assisted_at', 'episodes.second_assisted_at', 'episodes.resolved_at',
                    'episodes.is_resolved', 'episodes.as_of_at', 'versions.window_days'
                ) }} then 1
                else 0
            end
        ) as numerator,
        sum(
            case
                when {{ fcr_is_mature('episodes.first_assisted_at', 'episodes.as_of_at', 'versions.window_days') }}
                    then 1
                else 0
            end
        ) as denominator
    from episodes
    cross join versions
    where versions.metric_id = 'first_contact_resolution'
    group by 1, 2, 3
),

repeat_by_version as (
    select
        versions.metric_id,
        versions.version,
        cast({{ dbt.date_trunc('month', 'assisted_chains.contact_date') }} as date) as period_month,
        sum(
            case
                when {{ is_repeat_chain(
                    'assisted_chains.previous_assisted_started_at', 'assisted_chains.started_at',
                    'versions.window_days'
                ) }} then 1
                else 0
            end
        ) as numerator,
        count(*) as denominator
    from assisted_chains
    cross join versions
    where versions.metric_id = 'repeat_contact_rate'
    group by 1, 2, 3
),

figures as (
    select * from fcr_by_version
    union all
    select * from repeat_by_version
),

-- The months around each version change in which old and new figures are shown side by side.
changes as (
    select
        metric_id,
        effective_from as changed_on
    from versions
    where version > 1
),

overlap_months as (
    select distinct
        figures.metric_id,
        figures.period_month
    from figures
    inner join changes
        on figures.metric_id = changes.metric_id
    where
        figures.period_month
        >= {{ dbt.dateadd('month', -var('definition_overlap_months'), dbt.date_trunc('month', 'changes.changed_on')) }}
        and figures.period_month
        < {{ dbt.dateadd('month', var('definition_overlap_months'), dbt.date_trunc('month', 'changes.changed_on')) }}
),

final as (
    select
        -- keys
        figures.metric_id || '|' || cast(figures.version as {{ dbt.type_string() }}) || '|'
        || cast(figures.period_month as {{ dbt.type_string() }}) as restatement_key,
        figures.metric_id,
        figures.version as definition_version,
        figures.period_month,

        -- the definition
        versions.status as definition_status,
        versions.window_days,
        versions.effective_from,
        versions.effective_to,

        -- flags
        versions.is_current_definition,
        -- Versions take effect on the first day of a month (a registry rule), so no month mixes two
        -- definitions; the first version also covers any months before it was registered.
        versions.status <> 'proposed'
        and (versions.version = 1 or figures.period_month >= versions.effective_from)
        and (versions.effective_to is null or figures.period_month < versions.effective_to)
            as is_official_for_period,
        overlap_months.period_month is not null as is_in_overlap_period,

        -- figure parts (divide the sums; never average the rates)
        cast(figures.numerator as {{ dbt.type_bigint() }}) as numerator,
        cast(figures.denominator as {{ dbt.type_bigint() }}) as denominator
    from figures
    inner join versions
        on
            figures.metric_id = versions.metric_id
            and figures.version = versions.version
    left join overlap_months
        on
            figures.metric_id = overlap_months.metric_id
            and figures.period_month = overlap_months.period_month
)

select * from final
