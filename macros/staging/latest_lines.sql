{#- The latest delivered line of each record: a select of every column of `lines` (a CTE of
    delivered lines, every version and re-delivery) for the one line per `key` that sorts first
    by `order_by`, plus two columns over all of the record's lines: delivered_line_count and
    last_loaded_at (the newest load time among them).

    The ranking runs on narrow columns only (the key, the ordering columns and the line's place:
    file and row), and the winning lines are then joined back by their place. A window over every
    column of a wide feed holds all of it in the sort and spills to disk at scale; see DECISIONLOG
    "Windows on narrow keys".

    In an incremental run only the records with a line loaded after the model's watermark (its
    greatest last_loaded_at) are ranked again, over all of their lines; the loader only appends,
    one transaction per file, so every line at or before the watermark was ranked already
    (DECISIONLOG "Incremental staging"). -#}
{% macro latest_lines(
    lines, key, version_order=none,
    file='_source_file', row='_source_row', delivery_date='_delivery_date', loaded_at='_loaded_at'
) -%}
    {%- set delivery_order = delivery_date ~ ' desc, ' ~ file ~ ' desc, ' ~ row ~ ' desc' -%}
    select
        {{ lines }}.*,
        ranked_lines.delivered_line_count,
        ranked_lines.last_loaded_at
    from {{ lines }}
    inner join (
        select
            {{ key }} as ranked_key,
            {{ file }} as ranked_file,
            {{ row }} as ranked_row,
            count(*) over (partition by {{ key }}) as delivered_line_count,
            max({{ loaded_at }}) over (partition by {{ key }}) as last_loaded_at,
            row_number() over (
                partition by {{ key }}
                order by {{ version_order ~ ', ' if version_order }}{{ delivery_order }}
            ) as line_rank
        from {{ lines }}
        {%- if is_incremental() %}
            where {{ key }} in (
                select touched.{{ key }}
                from {{ lines }} as touched
                where touched.{{ loaded_at }} > (
                    select coalesce(max(built.last_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                    from {{ this }} as built
                )
            )
        {%- endif %}
    ) as ranked_lines
        on
            {{ lines }}.{{ file }} = ranked_lines.ranked_file
            and {{ lines }}.{{ row }} = ranked_lines.ranked_row
            and ranked_lines.line_rank = 1
{%- endmacro %}
