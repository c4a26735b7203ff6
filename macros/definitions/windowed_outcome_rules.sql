{#- The rules of the windowed customer outcomes, written once. The marts apply them with the active
    registry version's window; the restatement mart applies them with every version's window, so a
    proposed or retired definition is computed by exactly the same rule. -#}

{#- True when end_at falls no later than window_days after start_at (to the second). -#}
{% macro is_within_days(start_at, end_at, window_days) -%}
    ({{ dbt.datediff(start_at, end_at, 'second') }} <= {{ window_days }} * 86400)
{%- endmacro %}


{#- First contact resolution can be judged once the window after the first assisted chain has
    fully elapsed by the data horizon. See DECISIONLOG "First contact resolution". -#}
{% macro fcr_is_mature(first_assisted_at, as_of_at, window_days) -%}
    ({{ first_assisted_at }} is not null
        and {{ dbt.datediff(first_assisted_at, as_of_at, 'second') }} >= {{ window_days }} * 86400)
{%- endmacro %}


{#- A mature assisted episode counts as resolved first time when it is resolved, no second assisted
    chain came within the window, and the resolution came before any later assisted chain. -#}
{% macro fcr_is_met(first_assisted_at, second_assisted_at, resolved_at, is_resolved, as_of_at, window_days) -%}
    ({{ fcr_is_mature(first_assisted_at, as_of_at, window_days) }}
        and not coalesce({{ is_within_days(first_assisted_at, second_assisted_at, window_days) }}, false)
        and {{ is_resolved }}
        and ({{ second_assisted_at }} is null or {{ resolved_at }} <= {{ second_assisted_at }}))
{%- endmacro %}


{#- An assisted chain is a repeat when it starts within the window after the previous assisted
    chain of its episode. See DECISIONLOG "Repeat contact". -#}
{% macro is_repeat_chain(previous_assisted_started_at, started_at, window_days) -%}
    coalesce({{ is_within_days(previous_assisted_started_at, started_at, window_days) }}, false)
{%- endmacro %}
