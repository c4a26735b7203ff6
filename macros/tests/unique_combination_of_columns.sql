{#- Fails with one row per combination of the given columns that occurs more than once.
    Two passes keep the working set narrow on large tables: every row is first reduced to one
    64-bit hash of its combination, and only the rows whose hash occurs twice (true duplicates,
    or in rare cases a hash collision) are then grouped on the columns themselves. Grouping tens
    of millions of rows on wide text keys (a file name and a row number) directly needs a hash
    table of the keys' full width; see DECISIONLOG "Uniqueness on wide keys". -#}
{% test unique_combination_of_columns(model, combination) %}
    with

    hashed as (
        select {{ service_outcomes.combination_hash(combination) }} as combination_hash
        from {{ model }}
    ),

    repeated_hashes as (
        select combination_hash
        from hashed
        group by combination_hash
        having count(*) > 1
    ),

    suspects as (
        select {{ combination | join(', ') }}
        from {{ model }}
        where {{ service_outcomes.combination_hash(combination) }} in (
            select repeated_hashes.combination_hash from repeated_hashes
        )
    )

    select
        {{ combination | join(', ') }},
        count(*) as occurrences
    from suspects
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}


{#- One 64-bit hash of several columns: equal combinations (nulls included) give equal hashes. Unequal
    ones may collide (on PostgreSQL also by the text encoding), which only adds suspects for the
    exact second pass, never a failure. -#}
{% macro combination_hash(columns) -%}
    {{ return(adapter.dispatch('combination_hash', 'service_outcomes')(columns)) }}
{%- endmacro %}

{% macro default__combination_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro postgres__combination_hash(columns) -%}
    hashtextextended(
        concat_ws(
            chr(31)
            {%- for column in columns %}, coalesce(cast({{ column }} as text), ''){% endfor %}
        ),
        0
    )
{%- endmacro %}

{% macro spark__combination_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
