{#- One row per customer region and local calendar date over the span the resolved episodes need,
    with the contact centre's opening window on that date converted to UTC. The conversion uses
    each date's own offset, so local 08:00 maps to a different UTC hour before and after a
    daylight-saving change. Weekends (weekdays without opening hours) and public holidays are
    closed: no window and zero open seconds. See DECISIONLOG "Business-hours resolution time". -#}
with

episodes as (
    select * from {{ ref('int_episodes__resolved') }}
    where is_resolved
),

calendars as (
    select * from {{ ref('region_calendars') }}
),

holidays as (
    select * from {{ ref('public_holidays') }}
),

-- A fixed spine of days; only the dates the episodes span are kept below.
day_spine as (
    {{ dbt.date_spine('day', "cast('2020-01-01' as date)", "cast('2036-01-01' as date)") }}
),

-- A region's local date can be one day before (Americas) or after (Europe) the UTC date.
episode_span as (
    select
        cast({{ dbt.dateadd('day', -1, 'min(cast(first_contact_at as date))') }} as date) as first_date,
        cast({{ dbt.dateadd('day', 1, 'max(cast(resolved_at as date))') }} as date) as last_date
    from episodes
),

calendar_dates as (
    select cast(day_spine.date_day as date) as calendar_date
    from day_spine
    inner join episode_span
        on
            cast(day_spine.date_day as date) >= episode_span.first_date
            and cast(day_spine.date_day as date) <= episode_span.last_date
),

region_zones as (
    select distinct
        region,
        time_zone
    from calendars
),

holiday_years as (
    select distinct
        region,
        extract(year from holiday_date) as holiday_year
    from holidays
),

region_days as (
    select
        region_zones.region,
        region_zones.time_zone,
        calendar_dates.calendar_date,
        {{ iso_weekday('calendar_dates.calendar_date') }} as iso_weekday,
        extract(year from calendar_dates.calendar_date) as calendar_year
    from region_zones
    cross join calendar_dates
),

days_with_hours as (
    select
        region_days.region,
        region_days.time_zone,
        region_days.calendar_date,
        region_days.iso_weekday,
        calendars.opens_at,
        calendars.closes_at,
        holidays.name as holiday_name,
        calendars.region is not null as has_opening_hours,
        holidays.region is not null as is_public_holiday,
        holiday_years.region is not null as is_holiday_calendar_loaded
    from region_days
    left join calendars
        on
            region_days.region = calendars.region
            and region_days.iso_weekday = calendars.weekday
    left join holidays
        on
            region_days.region = holidays.region
            and region_days.calendar_date = holidays.holiday_date
    left join holiday_years
        on
            region_days.region = holiday_years.region
            and region_days.calendar_year = holiday_years.holiday_year
),

-- Local wall-clock opening and closing on the date, then to UTC with that date's offset.
windows_converted as (
    select
        *,
        has_opening_hours and not is_public_holiday as is_open,
        {{ service_outcomes.utc_from_local_zone(
            "cast(" ~ dbt.concat(["cast(calendar_date as " ~ dbt.type_string() ~ ")", "' '", "opens_at", "':00'"])
            ~ " as " ~ dbt.type_timestamp() ~ ")",
            "time_zone"
        ) }} as local_open_utc_at,
        {{ service_outcomes.utc_from_local_zone(
            "cast(" ~ dbt.concat(["cast(calendar_date as " ~ dbt.type_string() ~ ")", "' '", "closes_at", "':00'"])
            ~ " as " ~ dbt.type_timestamp() ~ ")",
            "time_zone"
        ) }} as local_close_utc_at
    from days_with_hours
),

final as (
    select
        -- keys
        region,
        calendar_date,

        -- calendar
        time_zone,
        iso_weekday,
        holiday_name,

        -- flags
        has_opening_hours,
        is_public_holiday,
        is_open,
        is_holiday_calendar_loaded,

        -- local opening hours ('HH:MM'), null when closed
        case when is_open then opens_at end as opens_at,
        case when is_open then closes_at end as closes_at,

        -- open window (UTC), null when closed
        case when is_open then local_open_utc_at end as window_start_at,
        case when is_open then local_close_utc_at end as window_end_at,
        case
            when is_open then {{ dbt.datediff('local_open_utc_at', 'local_close_utc_at', 'second') }}
            else 0
        end as open_seconds
    from windows_converted
)

select * from final
