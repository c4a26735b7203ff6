{#- Day x region x intent: the parts of the three customer outcomes. Episode outcomes are dated by the
    episode's first contact (UTC), repeat contacts by the chain's start (UTC). Sum the parts, then
    divide: never average the rates. -#}
with

episodes as (
    select * from {{ ref('fct_episode_outcomes') }}
),

contact_chains as (
    select * from {{ ref('fct_contact_outcomes') }}
),

definition_versions as (
    select
        max(case when metric_id = 'first_contact_resolution' then version end) as fcr_definition_version,
        max(case when metric_id = 'repeat_contact_rate' then version end) as repeat_definition_version,
        max(case when metric_id = 'resolution_time' then version end) as resolution_time_definition_version
    from {{ ref('metric_registry') }}
    where metric_id in ('first_contact_resolution', 'repeat_contact_rate', 'resolution_time') and status = 'active'
),

episode_days as (
    select
        first_contact_date as outcome_date,
        region,
        intent,
        count(*) as episodes,
        cast(sum(case when is_assisted then 1 else 0 end) as {{ dbt.type_bigint() }}) as assisted_episodes,
        cast(sum(fcr_numerator) as {{ dbt.type_bigint() }}) as fcr_numerator,
        cast(sum(fcr_denominator) as {{ dbt.type_bigint() }}) as fcr_denominator,
        cast(sum(confirmed_resolution_count) as {{ dbt.type_bigint() }}) as confirmed_resolutions,
        cast(sum(confirmed_resolution_seconds) as {{ dbt.type_bigint() }}) as confirmed_resolution_seconds
    from episodes
    group by first_contact_date, region, intent
),

contact_days as (
    select
        contact_date as outcome_date,
        region,
        intent,
        count(*) as contact_chains,
        cast(sum(repeat_denominator) as {{ dbt.type_bigint() }}) as assisted_chains,
        cast(sum(repeat_numerator) as {{ dbt.type_bigint() }}) as repeat_chains
    from contact_chains
    group by contact_date, region, intent
),

day_keys as (
    select
        outcome_date,
        region,
        intent
    from episode_days
    union
    select
        outcome_date,
        region,
        intent
    from contact_days
),

final as (
    select
        -- keys
        {{ dbt.concat(["cast(day_keys.outcome_date as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(day_keys.region, '')", "'|'", "coalesce(day_keys.intent, '')"]) }} as outcome_day_key,
        day_keys.outcome_date,
        day_keys.region,
        day_keys.intent,

        -- volumes
        coalesce(episode_days.episodes, 0) as episodes,
        coalesce(episode_days.assisted_episodes, 0) as assisted_episodes,
        coalesce(contact_days.contact_chains, 0) as contact_chains,

        -- first contact resolution parts
        coalesce(episode_days.fcr_numerator, 0) as fcr_numerator,
        coalesce(episode_days.fcr_denominator, 0) as fcr_denominator,

        -- repeat contact parts
        coalesce(contact_days.repeat_chains, 0) as repeat_numerator,
        coalesce(contact_days.assisted_chains, 0) as repeat_denominator,

        -- resolution time parts
        coalesce(episode_days.confirmed_resolutions, 0) as confirmed_resolutions,
        coalesce(episode_days.confirmed_resolution_seconds, 0) as confirmed_resolution_seconds,

        -- definition versions (a day without episodes still reports 0 of 0 under the definition)
        definition_versions.fcr_definition_version,
        definition_versions.repeat_definition_version,
        definition_versions.resolution_time_definition_version
    from day_keys
    left join episode_days
        on day_keys.outcome_date = episode_days.outcome_date
            and day_keys.region is not distinct from episode_days.region
            and day_keys.intent is not distinct from episode_days.intent
    left join contact_days
        on day_keys.outcome_date = contact_days.outcome_date
            and day_keys.region is not distinct from contact_days.region
            and day_keys.intent is not distinct from contact_days.intent
    cross join definition_versions
)

select * from final
