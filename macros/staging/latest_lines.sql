{#- The latest delivered line of each record: a select of every column of `relation` (delivered
    lines: every version and re-delivery) for the one line per `key` that sorts first by
    `version_order` (an SQL ordering such as "stamp desc"; none for a feed without versions),
    then by the latest delivery (delivery date, then row, then file: a total order), plus two
    columns over all of the record's lines: delivered_line_count and last_loaded_at (the newest
    load time among them).

    Most records arrive once. Their line is the latest without any ranking, so only the records
    delivered more than once (found by one grouping on the key) are ranked, with a window over
    narrow columns (the key, the ordering columns, the line's file and row) whose winners are
    joined back by their place. A window over every column of every line holds the whole feed in
    one sort and spills to disk at scale. The relation is read directly rather than through a CTE:
    a CTE read more than once is materialised in full. See DECISIONLOG "Windows on narrow keys".

    In an incremental run only the records with a line loaded after the model's watermark (its
    greatest last_loaded_at) are ranked again, over all of their lines; the loader only appends,
    one transaction per file, so every line at or before the watermark was ranked already
    (DECISIONLOG "Incremental staging"). -#}
{% macro latest_lines(
    relation, key, version_order=none,
    file='_source_file', row='_source_row', delivery_date='_delivery_date', loaded_at='_loaded_at'
) -%}
    {%- set delivery_order = delivery_date ~ ' desc, ' ~ row ~ ' desc, ' ~ file ~ ' desc' -%}
    {%- set touched -%}
        {%- if is_incremental() %}
            {{ key }} in (
                select touched.{{ key }}
                from {{ relation }} as touched
                where touched.{{ loaded_at }} > (
                    select coalesce(max(built.last_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                    from {{ this }} as built
                )
            )
        {%- else %}
            1 = 1
        {%- endif %}
    {%- endset -%}
    with

    repeated_keys as (
        select {{ key }} as repeated_key
        from {{ relation }}
        where {{ touched }}
        group by {{ key }}
        having count(*) > 1
    ),

    ranked_repeats as (
        select
            {{ file }} as ranked_file,
            {{ row }} as ranked_row,
            cast(count(*) over (partition by {{ key }}) as {{ dbt.type_bigint() }}) as delivered_line_count,
            max({{ loaded_at }}) over (partition by {{ key }}) as last_loaded_at,
            row_number() over (
                partition by {{ key }}
                order by {{ version_order ~ ', ' if version_order }}{{ delivery_order }}
            ) as line_rank
        from {{ relation }}
        where {{ key }} in (select repeated_keys.repeated_key from repeated_keys)
    )

    select
        delivered.*,
        cast(1 as {{ dbt.type_bigint() }}) as delivered_line_count,
        delivered.{{ loaded_at }} as last_loaded_at
    from {{ relation }} as delivered
    left join repeated_keys
        on delivered.{{ key }} = repeated_keys.repeated_key
    where repeated_keys.repeated_key is null and {{ touched }}

    union all

    select
        delivered.*,
        ranked_repeats.delivered_line_count,
        ranked_repeats.last_loaded_at
    from {{ relation }} as delivered
    inner join ranked_repeats
        on
            delivered.{{ file }} = ranked_repeats.ranked_file
            and delivered.{{ row }} = ranked_repeats.ranked_row
            and ranked_repeats.line_rank = 1
{%- endmacro %}
