{#- One row per row the loader landed in a raw table, in every feed, with what became of it: kept
    as the current version of its record and then loaded into the base of the marts or excluded
    with a reason, or collapsed as a duplicate or superseded version of a record kept elsewhere.
    A row none of these explains is classified 'unexplained'. See DECISIONLOG "Data-quality audit". -#}
with

{#- Each table's delivered rows are matched to that table's kept versions on their own: six joins
    on the record id alone instead of one over every feed on (system, table, id), so no join holds
    more than one table; see DECISIONLOG "Data-quality audit". -#}
{%- set tables = [
    ('delivered_contact_records', 'kept_contact_records'),
    ('delivered_survey_responses', 'kept_survey_responses'),
    ('delivered_cases', 'kept_cases'),
    ('delivered_case_history', 'kept_case_history'),
    ('delivered_accounts', 'kept_accounts'),
    ('delivered_customers', 'kept_customers'),
] %}

delivered_contact_records as (
    select * from {{ ref('stg_amazon_connect__delivered_rows') }}
),

delivered_survey_responses as (
    select * from {{ ref('stg_qualtrics__delivered_rows') }}
),

delivered_cases as (
    select * from {{ ref('stg_salesforce__delivered_rows') }}
    where source_table = 'Case'
),

delivered_case_history as (
    select * from {{ ref('stg_salesforce__delivered_rows') }}
    where source_table = 'CaseHistory'
),

delivered_accounts as (
    select * from {{ ref('stg_salesforce__delivered_rows') }}
    where source_table = 'Account'
),

delivered_customers as (
    select * from {{ ref('stg_salesforce__delivered_rows') }}
    where source_table = 'Contact'
),

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
),

chains as (
    select * from {{ ref('int_contacts__chained') }}
),

episode_chains as (
    select * from {{ ref('int_episodes__sessionised') }}
),

survey_responses as (
    select * from {{ ref('stg_qualtrics__survey_responses') }}
),

cases as (
    select * from {{ ref('stg_salesforce__cases') }}
),

case_history as (
    select * from {{ ref('stg_salesforce__case_history') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

customers as (
    select * from {{ ref('stg_salesforce__contacts') }}
),

-- One definition of internal test traffic across feeds: the contact or its account is flagged.
customer_profiles as (
    select
        customers.customer_id,
        customers.is_internal_test or coalesce(accounts.is_internal_test, false) as is_internal_test
    from customers
    left join accounts
        on customers.account_id = accounts.account_id
    where not customers.is_deleted
),

-- A chain's exclusion in int_contacts__chained, in the audit's reasons; in_base when it reached
-- the episode timeline every customer outcome is built on.
chain_dispositions as (
    select
        chains.contact_chain_id,
        case chains.exclusion_reason
            when 'monitoring_call' then 'bot_or_monitoring'
            when 'internal_test_customer' then 'internal_test'
            when 'unidentified_customer' then 'unidentified_customer'
            when 'customer_not_in_crm' then 'unidentified_customer'
            else chains.exclusion_reason
        end as exclusion_reason,
        episode_chains.contact_chain_id is not null as is_in_base
    from chains
    left join episode_chains
        on chains.contact_chain_id = episode_chains.contact_chain_id
),

kept_contact_records as (
    select
        'amazon_connect' as source_system,
        'contact_records' as source_table,
        contact_records.contact_id as record_id,
        contact_records.source_file as kept_source_file,
        contact_records.source_row as kept_source_row,
        contact_records.last_updated_at as kept_version_at,
        chain_dispositions.exclusion_reason,
        coalesce(chain_dispositions.is_in_base, false) as is_in_base
    from contact_records
    left join chain_dispositions
        on contact_records.contact_chain_id = chain_dispositions.contact_chain_id
),

-- A response follows its surveyed contact's chain; see DECISIONLOG "Survey attribution".
kept_survey_responses as (
    select
        'qualtrics' as source_system,
        'survey_responses' as source_table,
        survey_responses.response_id as record_id,
        survey_responses.source_file as kept_source_file,
        survey_responses.source_row as kept_source_row,
        cast(null as {{ dbt.type_timestamp() }}) as kept_version_at,
        case
            when survey_responses.response_status = 'spam' then 'bot_or_monitoring'
            when not survey_responses.is_live_response then 'internal_test'
            when contact_records.contact_id is null then 'unlinked'
            else chain_dispositions.exclusion_reason
        end as exclusion_reason,
        survey_responses.is_live_response and coalesce(chain_dispositions.is_in_base, false) as is_in_base
    from survey_responses
    left join contact_records
        on survey_responses.contact_id = contact_records.contact_id
    left join chain_dispositions
        on contact_records.contact_chain_id = chain_dispositions.contact_chain_id
),

case_dispositions as (
    select
        cases.*,
        case
            when cases.is_deleted then 'deleted_in_source'
            when customer_profiles.customer_id is null then 'unidentified_customer'
            when customer_profiles.is_internal_test then 'internal_test'
        end as exclusion_reason
    from cases
    left join customer_profiles
        on cases.customer_id = customer_profiles.customer_id
),

kept_cases as (
    select
        'salesforce' as source_system,
        'Case' as source_table,
        case_id as record_id,
        source_file as kept_source_file,
        source_row as kept_source_row,
        system_modstamp_at as kept_version_at,
        exclusion_reason,
        exclusion_reason is null as is_in_base
    from case_dispositions
),

-- A history row shares its case's exclusion; one whose case was never delivered is unlinked.
kept_case_history as (
    select
        'salesforce' as source_system,
        'CaseHistory' as source_table,
        case_history.case_history_id as record_id,
        case_history.source_file as kept_source_file,
        case_history.source_row as kept_source_row,
        cast(null as {{ dbt.type_timestamp() }}) as kept_version_at,
        case
            when case_history.is_deleted then 'deleted_in_source'
            when case_dispositions.case_id is null then 'unlinked'
            else case_dispositions.exclusion_reason
        end as exclusion_reason,
        not case_history.is_deleted
        and case_dispositions.case_id is not null
        and case_dispositions.exclusion_reason is null as is_in_base
    from case_history
    left join case_dispositions
        on case_history.case_id = case_dispositions.case_id
),

kept_accounts as (
    select
        'salesforce' as source_system,
        'Account' as source_table,
        account_id as record_id,
        source_file as kept_source_file,
        source_row as kept_source_row,
        system_modstamp_at as kept_version_at,
        case
            when is_deleted then 'deleted_in_source'
            when is_internal_test then 'internal_test'
        end as exclusion_reason,
        not is_deleted and not is_internal_test as is_in_base
    from accounts
),

kept_customers as (
    select
        'salesforce' as source_system,
        'Contact' as source_table,
        customers.customer_id as record_id,
        customers.source_file as kept_source_file,
        customers.source_row as kept_source_row,
        customers.system_modstamp_at as kept_version_at,
        case
            when customers.is_deleted then 'deleted_in_source'
            when customer_profiles.is_internal_test then 'internal_test'
        end as exclusion_reason,
        not customers.is_deleted and not customer_profiles.is_internal_test as is_in_base
    from customers
    left join customer_profiles
        on customers.customer_id = customer_profiles.customer_id
),

-- The delivered row the staging model kept is the one its lineage points to: the same file and row.
matched as (
    {%- for delivered, kept in tables %}
        select
            {{ delivered }}.*,
            {{ kept }}.record_id as kept_record_id,
            {{ kept }}.kept_version_at,
            {{ kept }}.exclusion_reason as kept_exclusion_reason,
            {{ kept }}.is_in_base as is_kept_in_base,
            coalesce(
                {{ delivered }}.source_file = {{ kept }}.kept_source_file
                and {{ delivered }}.source_row = {{ kept }}.kept_source_row,
                false
            ) as is_lineage_match
        from {{ delivered }}
        left join {{ kept }}
            on {{ delivered }}.record_id = {{ kept }}.record_id
        {{ 'union all' if not loop.last }}
    {%- endfor %}
),

versions_classified as (
    select
        *,
        case
            when kept_record_id is null then 'unmatched'
            when is_lineage_match then 'kept'
            when version_at = kept_version_at then 'duplicate'
            when version_at is null and kept_version_at is null then 'duplicate'
            when version_at < kept_version_at then 'superseded'
            else 'unmatched'
        end as version_status
    from matched
),

final as (
    select
        -- feed and lineage
        source_system,
        source_table,
        source_file,
        source_row,
        delivery_date,

        -- record
        record_id,
        version_at,
        version_status,
        case when version_status = 'kept' then kept_exclusion_reason end as exclusion_reason,
        case
            when version_status in ('duplicate', 'superseded') then version_status
            when version_status = 'kept' and kept_exclusion_reason is not null then kept_exclusion_reason
            when version_status = 'kept' and is_kept_in_base then 'loaded'
            else 'unexplained'
        end as disposition
    from versions_classified
)

select * from final
