{#- ISO-8601 text carrying its own offset ('2026-03-08T14:05:09Z', '...000Z', '+01:00') to a UTC
    timestamp without time zone. Empty text is null. A plain cast would silently drop the offset. -#}
{% macro utc_from_iso(text_expr) -%}
    {{ return(adapter.dispatch('utc_from_iso', 'service_outcomes')(text_expr)) }}
{%- endmacro %}

{% macro default__utc_from_iso(text_expr) -%}
    timezone('UTC', cast(nullif({{ text_expr }}, '') as timestamptz))
{%- endmacro %}

{% macro postgres__utc_from_iso(text_expr) -%}
    (cast(nullif({{ text_expr }}, '') as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro spark__utc_from_iso(text_expr) -%}
    to_utc_timestamp(to_timestamp(nullif({{ text_expr }}, '')), 'UTC')
{%- endmacro %}


{#- Wall-clock text without offset, in the named IANA zone, to a UTC timestamp. A wall time that
    does not exist (spring-forward gap) or occurs twice (fall-back) is read as standard time;
    see DECISIONLOG "Local times around daylight-saving changes". -#}
{% macro utc_from_local(text_expr, time_zone) -%}
    {{ return(adapter.dispatch('utc_from_local', 'service_outcomes')(text_expr, time_zone)) }}
{%- endmacro %}

{% macro default__utc_from_local(text_expr, time_zone) -%}
    timezone('UTC', timezone('{{ time_zone }}', cast(nullif({{ text_expr }}, '') as {{ dbt.type_timestamp() }})))
{%- endmacro %}

{% macro postgres__utc_from_local(text_expr, time_zone) -%}
    ((cast(nullif({{ text_expr }}, '') as timestamp) at time zone '{{ time_zone }}') at time zone 'UTC')
{%- endmacro %}

{% macro spark__utc_from_local(text_expr, time_zone) -%}
    {{ spark_utc_from_wall_clock("cast(nullif(" ~ text_expr ~ ", '') as timestamp)", "'" ~ time_zone ~ "'") }}
{%- endmacro %}


{#- Spark's to_utc_timestamp reads a wall time that occurs twice (the fall-back hour) as daylight
    time, where DuckDB and PostgreSQL read it as standard time, the later instant. When the instant
    one hour later shows the same wall time in the zone, the wall time is ambiguous and that later
    instant is taken. A time in the spring-forward gap is moved forward by the gap on every engine.
    Daylight-saving shifts of one hour are assumed (true of every zone in the seeds). -#}
{% macro spark_utc_from_wall_clock(timestamp_expr, time_zone_expr) -%}
    case
        when from_utc_timestamp(
            to_utc_timestamp({{ timestamp_expr }}, {{ time_zone_expr }}) + interval 1 hour, {{ time_zone_expr }}
        ) = {{ timestamp_expr }}
            then to_utc_timestamp({{ timestamp_expr }}, {{ time_zone_expr }}) + interval 1 hour
        else to_utc_timestamp({{ timestamp_expr }}, {{ time_zone_expr }})
    end
{%- endmacro %}


{#- A UTC timestamp to the wall-clock time of a time zone given per row (an IANA name column). -#}
{% macro local_from_utc(timestamp_expr, time_zone_expr) -%}
    {{ return(adapter.dispatch('local_from_utc', 'service_outcomes')(timestamp_expr, time_zone_expr)) }}
{%- endmacro %}

{% macro default__local_from_utc(timestamp_expr, time_zone_expr) -%}
    timezone({{ time_zone_expr }}, timezone('UTC', {{ timestamp_expr }}))
{%- endmacro %}

{% macro postgres__local_from_utc(timestamp_expr, time_zone_expr) -%}
    (({{ timestamp_expr }} at time zone 'UTC') at time zone {{ time_zone_expr }})
{%- endmacro %}

{% macro spark__local_from_utc(timestamp_expr, time_zone_expr) -%}
    from_utc_timestamp({{ timestamp_expr }}, {{ time_zone_expr }})
{%- endmacro %}


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
    {{ spark_utc_from_wall_clock(timestamp_expr, time_zone_expr) }}
{%- endmacro %}


{#- The first instant (UTC) after a local calendar day ends, for a date expression and a time-zone
    expression: "by the end of" that day means strictly before this instant. Local midnight of
    the next day, with that date's own offset. -#}
{% macro end_of_local_day_utc(date_expr, time_zone_expr) -%}
    {{ utc_from_local_zone(
        'cast(' ~ dbt.dateadd('day', 1, date_expr) ~ ' as ' ~ dbt.type_timestamp() ~ ')',
        time_zone_expr
    ) }}
{%- endmacro %}
