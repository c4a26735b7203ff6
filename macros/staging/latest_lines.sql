{#- The latest delivered line of each record: a select of every column of `relation` (delivered
    lines: every version and re-delivery) for the one line per `key` that sorts first by
    `version_order` (an SQL ordering such as "stamp desc"; none for a feed without versions),
    then by the latest delivery (delivery date, then row, then file: a total order), plus two
    columns over all of the record's lines: delivered_line_count and last_loaded_at (the newest
    load time among them).

    The ranking runs on narrow columns only (the key, the ordering columns and the line's place:
    file and row), and the winning lines are then joined back by their place. A window over every
    column of a wide feed holds all of it in the sort and spills to disk at scale; the file name
    comes last in the order because sorting on long text is slow and it only breaks ties. The
    relation is read directly rather than through a CTE: a CTE read twice is materialised in full.
    See DECISIONLOG "Windows on narrow keys".

    In an incremental run only the records with a line loaded after the model's watermark (its
    greatest last_loaded_at) are ranked again, over all of their lines; the loader only appends,
    one transaction per file, so every line at or before the watermark was ranked already
    (DECISIONLOG "Incremental staging"). -#}
{% macro latest_lines(
    relation, key, version_order=none,
    file='_source_file', row='_source_row', delivery_date='_delivery_date', loaded_at='_loaded_at'
) -%}
    {%- set delivery_order = delivery_date ~ ' desc, ' ~ row ~ ' desc, ' ~ file ~ ' desc' -%}
    select
        delivered.*,
        ranked_lines.delivered_line_count,
        ranked_lines.last_loaded_at
    from {{ relation }} as delivered
    inner join (
        select
            {{ file }} as ranked_file,
            {{ row }} as ranked_row,
            count(*) over (partition by {{ key }}) as delivered_line_count,
            max({{ loaded_at }}) over (partition by {{ key }}) as last_loaded_at,
            row_number() over (
                partition by {{ key }}
                order by {{ version_order ~ ', ' if version_order }}{{ delivery_order }}
            ) as line_rank
        from {{ relation }}
        {%- if is_incremental() %}
            where {{ key }} in (
                select touched.{{ key }}
                from {{ relation }} as touched
                where touched.{{ loaded_at }} > (
                    select coalesce(max(built.last_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                    from {{ this }} as built
                )
            )
        {%- endif %}
    ) as ranked_lines
        on
            delivered.{{ file }} = ranked_lines.ranked_file
            and delivered.{{ row }} = ranked_lines.ranked_row
            and ranked_lines.line_rank = 1
{%- endmacro %}
