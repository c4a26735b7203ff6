-- How first contact resolution moves with the window: 3, 7 and 14 days side by side, from the
-- episode mart's timestamps. A question for the metric owner before a registry change; compiled
-- with `dbt compile`, never built. Maturity is judged per window.
with

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
    where is_assisted
),

windows as (
    select 3 as window_days
    union all
    select 7 as window_days
    union all
    select 14 as window_days
),

evaluated as (
    select
        windows.window_days,
        {{ dbt.datediff('episodes.first_assisted_at', 'episodes.as_of_at', 'second') }}
        >= windows.window_days * 86400 as is_mature,
        episodes.is_resolved
        and (
            episodes.second_assisted_at is null
            or (
                {{ dbt.datediff('episodes.first_assisted_at', 'episodes.second_assisted_at', 'second') }}
                > windows.window_days * 86400
                and episodes.resolved_at <= episodes.second_assisted_at
            )
        ) as is_first_contact_resolved
    from episodes
    cross join windows
)

select
    window_days,
    sum(case when is_mature and is_first_contact_resolved then 1 else 0 end) as fcr_numerator,
    sum(case when is_mature then 1 else 0 end) as fcr_denominator
from evaluated
group by window_days
order by window_days
