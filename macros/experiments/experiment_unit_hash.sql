{#- The assignment digest of an experiment unit: MD5 of '<salt>:<unit_id>' as 32 lower-case hex
    digits, on every engine. A randomised experiment treats, within each stratum, the units whose
    digests sort first (see dim_experiment_units); the simulation applies the same rule
    (service_outcomes.generate.experiments.unit_hash), and a test holds the two equal. -#}
{% macro experiment_unit_hash(salt, unit_id) -%}
    md5(cast({{ salt }} as {{ dbt.type_string() }}) || ':' || cast({{ unit_id }} as {{ dbt.type_string() }}))
{%- endmacro %}
