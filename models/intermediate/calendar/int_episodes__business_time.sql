{#- One row per episode: the open business time of its region's contact centre between its first
    contact and its resolution, i.e. the sum over the region's open days of the overlap of
    [first_contact_at, resolved_at] with that day's UTC window. A range join touches only the days
    an episode actually spans. See DECISIONLOG "Business-hours resolution time". -#}
with

episodes as (
    select * from {{ ref('int_episodes__resolved') }}
),

windows as (
    select * from {{ ref('int_calendar__business_windows') }}
),

calendar_regions as (
    select distinct region
    from windows
),

open_windows as (
    select
        region,
        window_start_at,
        window_end_at,
        is_holiday_calendar_loaded
    from windows
    where is_open
),

resolved_episodes as (
    select
        episode_id,
        region,
        first_contact_at,
        resolved_at
    from episodes
    where is_resolved
),

window_overlaps as (
    select
        resolved_episodes.episode_id,
        count(*) as business_day_count,
        min(case when open_windows.is_holiday_calendar_loaded then 1 else 0 end) = 1 as is_holiday_calendar_loaded,
        sum(
            {{ dbt.datediff(
                'greatest(open_windows.window_start_at, resolved_episodes.first_contact_at)',
                'least(open_windows.window_end_at, resolved_episodes.resolved_at)',
                'second'
            ) }}
        ) as business_seconds
    from resolved_episodes
    inner join open_windows
        on
            resolved_episodes.region = open_windows.region
            and resolved_episodes.resolved_at > open_windows.window_start_at
            and resolved_episodes.first_contact_at < open_windows.window_end_at
    group by resolved_episodes.episode_id
),

final as (
    select
        -- ids
        episodes.episode_id,

        -- dimensions
        episodes.region,

        -- flags
        episodes.is_resolved,
        calendar_regions.region is not null as has_region_calendar,
        -- False when an open day the episode was measured over lies in a year without holidays.
        coalesce(window_overlaps.is_holiday_calendar_loaded, true) as is_holiday_calendar_loaded,

        -- business time, null when unresolved or the region has no calendar
        case
            when episodes.is_resolved and calendar_regions.region is not null
                then cast(coalesce(window_overlaps.business_day_count, 0) as {{ dbt.type_bigint() }})
        end as business_day_count,
        case
            when episodes.is_resolved and calendar_regions.region is not null
                then cast(coalesce(window_overlaps.business_seconds, 0) as {{ dbt.type_bigint() }})
        end as business_resolution_seconds,

        -- timestamps (UTC)
        episodes.first_contact_at,
        episodes.resolved_at
    from episodes
    left join window_overlaps
        on episodes.episode_id = window_overlaps.episode_id
    left join calendar_regions
        on episodes.region = calendar_regions.region
)

select * from final
