{#- Region x calendar date: whether the date is a business day (Monday to Friday and not one of the
    region's public holidays) and a running index of business days, so that "the n-th business day
    after day D" is the business day whose index is index(D) + n. Used for regulatory deadlines
    (FCA DISP), which count business days, not the contact centre's opening hours. -#}
with

days as (
    select * from {{ ref('time_spine_daily') }}
),

calendars as (
    select * from {{ ref('region_calendars') }}
),

holidays as (
    select * from {{ ref('public_holidays') }}
),

regions as (
    select distinct region
    from calendars
),

region_days as (
    select
        regions.region,
        days.date_day as calendar_date,
        {{ iso_weekday('days.date_day') }} as iso_weekday
    from regions
    cross join days
),

flagged as (
    select
        region_days.region,
        region_days.calendar_date,
        region_days.iso_weekday,
        holidays.holiday_date is not null as is_public_holiday,
        region_days.iso_weekday <= 5 and holidays.holiday_date is null as is_business_day
    from region_days
    left join holidays
        on
            region_days.region = holidays.region
            and region_days.calendar_date = holidays.holiday_date
),

final as (
    select
        region,
        calendar_date,
        iso_weekday,
        is_public_holiday,
        is_business_day,
        cast(sum(case when is_business_day then 1 else 0 end) over (
            partition by region
            order by calendar_date
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as business_day_index
    from flagged
)

select * from final
