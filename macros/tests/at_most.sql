{#- Rate parts must be coherent: fails with every row where the column exceeds the other column
    (for example a numerator larger than its denominator). -#}
{% test at_most(model, column_name, other_column) %}
    select *
    from {{ model }}
    where {{ column_name }} > {{ other_column }}
{% endtest %}
