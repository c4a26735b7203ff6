{#- Incremental builds of the contact- and episode-level models. See DECISIONLOG "Incremental runs".

    The unit of rebuild is the customer: every outcome of a contact chain or an episode depends only
    on the chains of the same customer (episodes, repeat contacts, sequences on the customer's
    timeline), the cases those chains link and the customer's CRM record. A run rebuilds in full
    every customer with anything new or changed since a cut-off, and leaves every other row as it is.
    The cut-off is the previous build's latest contact minus the look-back: the longest window of any
    active registry definition, so that every outcome still inside its window at the previous data
    horizon (FCR, repeat, resolution confirmation, containment) is judged again at the new one. -#}


{#- 'incremental' where the engine can replace rows in place (DuckDB and PostgreSQL, delete+insert);
    'table' on Spark, whose session target has no Delta tables and so no delete or merge. -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'service_outcomes')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}


{#- The look-back in days: the longest window of the active registry definitions (never a literal). -#}
{% macro incremental_lookback_days() -%}
    (select max(window_days) from {{ ref('metric_registry') }} where status = 'active')
{%- endmacro %}


{#- The models the rebuild scope reads. The scope is only rendered in incremental runs, which dbt
    does not see while parsing, so each incremental model names them with this call. Unit tests
    build the full-refresh branch (is_incremental overridden to false) and need no inputs for them. -#}
{% macro incremental_rebuild_dependencies() -%}
    {%- if model.resource_type != 'unit_test' %}
    -- depends_on: {{ ref('metric_registry') }}
    -- depends_on: {{ ref('stg_amazon_connect__contact_records') }}
    -- depends_on: {{ ref('stg_salesforce__cases') }}
    -- depends_on: {{ ref('stg_salesforce__contacts') }}
    -- depends_on: {{ ref('stg_salesforce__accounts') }}
    {%- endif %}
{%- endmacro %}


{#- A query of the customers to rebuild (one column, customer_id), or of the contact chains to
    rebuild (contact_chain_id) when grain = 'chain' (chains with no identified customer included).
    previous_latest_at: an SQL expression for the latest contact start already built (null when the
    model is empty, which rebuilds everything). A customer is rebuilt when, on or after the cut-off,
    - a version of one of their contact records was delivered, or one of their chains started
      (new, late and updated records; outcomes whose window was still open at the last horizon);
    - a case linked by one of their contacts was delivered or closed (late case links, closures,
      reopenings; resolutions whose confirmation window was still open);
    - their CRM contact or account record was delivered (region, segment, test flag). -#}
{% macro incremental_rebuild_scope(previous_latest_at, grain='customer') -%}
    with

    cutoff as (
        select
            coalesce(
                {{ dbt.dateadd(
                    'day',
                    '-1 * ' ~ incremental_lookback_days(),
                    'cast(cast(' ~ previous_latest_at ~ ' as date) as ' ~ dbt.type_timestamp() ~ ')'
                ) }},
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            ) as cutoff_at
    ),

    changed_cases as (
        select cases.case_id
        from {{ ref('stg_salesforce__cases') }} as cases
        cross join cutoff
        where cases.delivery_date >= cutoff.cutoff_at
            or cases.closed_at >= cutoff.cutoff_at
    ),

    changed_chains as (
        select distinct contact_records.contact_chain_id
        from {{ ref('stg_amazon_connect__contact_records') }} as contact_records
        cross join cutoff
        where contact_records.delivery_date >= cutoff.cutoff_at
            or contact_records.initiated_at >= cutoff.cutoff_at
            or contact_records.case_id in (select changed_cases.case_id from changed_cases)
    ),

    changed_customers as (
        select contact_records.customer_id
        from {{ ref('stg_amazon_connect__contact_records') }} as contact_records
        where contact_records.customer_id is not null
            and contact_records.contact_chain_id in (select changed_chains.contact_chain_id from changed_chains)
        union
        select customers.customer_id
        from {{ ref('stg_salesforce__contacts') }} as customers
        cross join cutoff
        where customers.delivery_date >= cutoff.cutoff_at
        union
        select customers.customer_id
        from {{ ref('stg_salesforce__contacts') }} as customers
        inner join {{ ref('stg_salesforce__accounts') }} as accounts
            on customers.account_id = accounts.account_id
        cross join cutoff
        where accounts.delivery_date >= cutoff.cutoff_at
    )

    {% if grain == 'chain' -%}
        select changed_chains.contact_chain_id
        from changed_chains
        union
        select contact_records.contact_chain_id
        from {{ ref('stg_amazon_connect__contact_records') }} as contact_records
        where contact_records.customer_id in (select changed_customers.customer_id from changed_customers)
    {%- else -%}
        select changed_customers.customer_id
        from changed_customers
    {%- endif %}
{%- endmacro %}


{#- True when a row already built carries a definition other than the active registry's: a new
    version was adopted, so every row is rebuilt. checks: (column, SQL expression of the active value)
    pairs; the expression may refer to the built row's columns as built.<column>. -#}
{% macro incremental_definitions_changed(checks) -%}
    exists (
        select 1
        from {{ this }} as built
        where
            {%- for column, active_value in checks %}
                {{ 'or ' if not loop.first }}built.{{ column }} is distinct from ({{ active_value }})
            {%- endfor %}
    )
{%- endmacro %}


{#- The active registry's value of one column for one metric (an SQL expression for metric_id). -#}
{% macro active_registry_value(metric_id_sql, column) -%}
    select registry.{{ column }}
    from {{ ref('metric_registry') }} as registry
    where registry.metric_id = {{ metric_id_sql }} and registry.status = 'active'
{%- endmacro %}


{#- Post-hook of fct_episode_outcomes: rows not rebuilt in an incremental run were judged at the
    previous horizon and are final there (nothing inside any window), but carry its as_of_at; they
    are stamped with the current one. A no-op after a full build. Spark rebuilds the table instead. -#}
{% macro incremental_restamp_horizon(column='as_of_at') -%}
    {{ return(adapter.dispatch('incremental_restamp_horizon', 'service_outcomes')(column)) }}
{%- endmacro %}

{% macro default__incremental_restamp_horizon(column) -%}
    update {{ this }}
    set {{ column }} = (select horizon.as_of_at from {{ ref('int_episodes__horizon') }} as horizon)
    where {{ column }} is distinct from (select horizon.as_of_at from {{ ref('int_episodes__horizon') }} as horizon)
{%- endmacro %}

{% macro spark__incremental_restamp_horizon(column) -%}
    select 1
{%- endmacro %}
