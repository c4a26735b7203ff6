{#- A local wall-clock timestamp (without time zone) in the time zone named by a column or other
    SQL expression, to a UTC timestamp without time zone. utc_from_local takes the zone as a
    literal; this one is for rows that carry their own zone (one calendar per region). The
    engine's time-zone database applies each date's offset, so daylight-saving changes are
    handled; a wall time in a spring-forward gap or a fall-back overlap is resolved as the
    engine does (see DECISIONLOG "Local times around daylight-saving changes"). -#}
{% macro utc_from_local_zone(timestamp_expr, time_zone_expr) -%}
    {{ return(adapter.dispatch('utc_from_local_zone', 'service_outcomes')(timestamp_expr, time_zone_expr)) }}
{%- endmacro %}

{% macro default__utc_from_local_zone(timestamp_expr, time_zone_expr) -%}
    timezone('UTC', timezone({{ time_zone_expr }}, {{ timestamp_expr }}))
{%- endmacro %}

{% macro postgres__utc_from_local_zone(timestamp_expr, time_zone_expr) -%}
    (({{ timestamp_expr }}) at time zone {{ time_zone_expr }} at time zone 'UTC')
{%- endmacro %}

{% macro spark__utc_from_local_zone(timestamp_expr, time_zone_expr) -%}
    to_utc_timestamp({{ timestamp_expr }}, {{ time_zone_expr }})
{%- endmacro %}
