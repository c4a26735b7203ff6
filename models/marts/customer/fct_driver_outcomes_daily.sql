{#- The drivers (authentication, knowledge accuracy, desktop latency, transfers) and service level,
    an operational control, by UTC day the chain started, channel and region, as additive parts.
    A rate for any grouping is sum(numerator) / sum(denominator). -#}
with

contact_outcomes as (
    select * from {{ ref('fct_contact_outcomes') }}
),

daily as (
    select
        contact_date,
        channel,
        region,
        count(*) as contact_chains,
        sum(auth_attempted_count) as auth_attempted_chains,
        sum(auth_passed_count) as auth_passed_chains,
        count(case when auth_result = 'not_attempted' then 1 end) as auth_not_attempted_chains,
        sum(article_use_count) as article_uses,
        sum(accurate_article_use_count) as accurate_article_uses,
        sum(latency_measured_leg_count) as latency_measured_legs,
        sum(desktop_latency_ms_sum) as desktop_latency_ms_sum,
        sum(slow_desktop_leg_count) as slow_desktop_legs,
        sum(transfer_numerator) as transferred_chains,
        sum(transfer_denominator) as assisted_chains,
        sum(queued_leg_count) as queued_legs,
        sum(short_abandon_leg_count) as short_abandons,
        sum(service_level_offered_count) as service_level_offered,
        sum(answered_within_threshold_count) as answered_within_threshold,
        max(slow_desktop_threshold_ms) as slow_desktop_threshold_ms,
        max(service_level_threshold_seconds) as service_level_threshold_seconds,
        max(service_level_definition_version) as service_level_definition_version
    from contact_outcomes
    group by contact_date, channel, region
),

final as (
    select
        -- key
        {{ dbt.concat(["cast(contact_date as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(channel, '')", "'|'", "coalesce(region, '')"]) }} as driver_day_key,

        -- dimensions
        contact_date,
        channel,
        region,

        -- volumes
        cast(contact_chains as {{ dbt.type_bigint() }}) as contact_chains,

        -- authentication pass rate parts
        cast(auth_passed_chains as {{ dbt.type_bigint() }}) as auth_passed_chains,
        cast(auth_attempted_chains as {{ dbt.type_bigint() }}) as auth_attempted_chains,
        cast(auth_not_attempted_chains as {{ dbt.type_bigint() }}) as auth_not_attempted_chains,

        -- knowledge accuracy parts
        cast(accurate_article_uses as {{ dbt.type_bigint() }}) as accurate_article_uses,
        cast(article_uses as {{ dbt.type_bigint() }}) as article_uses,

        -- desktop latency parts
        cast(desktop_latency_ms_sum as {{ dbt.type_bigint() }}) as desktop_latency_ms_sum,
        cast(slow_desktop_legs as {{ dbt.type_bigint() }}) as slow_desktop_legs,
        cast(latency_measured_legs as {{ dbt.type_bigint() }}) as latency_measured_legs,

        -- transfer rate parts
        cast(transferred_chains as {{ dbt.type_bigint() }}) as transferred_chains,
        cast(assisted_chains as {{ dbt.type_bigint() }}) as assisted_chains,

        -- service level parts (operational control)
        cast(answered_within_threshold as {{ dbt.type_bigint() }}) as answered_within_threshold,
        cast(service_level_offered as {{ dbt.type_bigint() }}) as service_level_offered,
        cast(short_abandons as {{ dbt.type_bigint() }}) as short_abandons,
        cast(queued_legs as {{ dbt.type_bigint() }}) as queued_legs,

        -- thresholds and definition versions
        slow_desktop_threshold_ms,
        service_level_threshold_seconds,
        service_level_definition_version
    from daily
)

select * from final
