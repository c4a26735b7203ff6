-- Benchmark baseline: the four headline customer outcomes computed by hand, in one DuckDB query,
-- straight from the raw tables a load writes (raw_amazon_connect, raw_salesforce, raw_qualtrics)
-- and the reference CSVs under seeds/ ($SEEDS is replaced with that folder before running).
-- It mirrors the definitions of the dbt models (staging, int_contacts__chained,
-- int_episodes__sessionised, int_episodes__horizon, int_episodes__resolved and the customer marts)
-- but none of their other columns, tests or documentation: it is the floor the dbt build is timed
-- against, and a second, independent computation the benchmark compares the marts with.
-- One row: the numerator and denominator of FCR, repeat contact rate, mean resolution time and CSAT.
with

registry as (
    select
        metric_id,
        cast(window_days as integer) as window_days,
        cast(threshold as double) as threshold
    from read_csv('$SEEDS/registry/metric_registry.csv', header = true, all_varchar = true)
    where status = 'active'
),

windows as (
    select
        max(case when metric_id = 'contact_episode' then window_days end) as episode_gap_days,
        max(case when metric_id = 'first_contact_resolution' then window_days end) as fcr_window_days,
        max(case when metric_id = 'repeat_contact_rate' then window_days end) as repeat_window_days,
        max(case when metric_id = 'resolution_time' then window_days end) as confirmation_days
    from registry
),

monitoring_endpoints as (
    select endpoint_address
    from read_csv('$SEEDS/exclusions/monitoring_endpoints.csv', header = true, all_varchar = true)
),

resolution_codes as (
    select
        source_value,
        lower(is_resolved) = 'true' as is_resolved
    from read_csv('$SEEDS/vocabularies/resolution_code_vocabulary.csv', header = true, all_varchar = true)
    where source_system = 'salesforce'
),

survey_statuses as (
    select source_value
    from read_csv('$SEEDS/vocabularies/survey_status_vocabulary.csv', header = true, all_varchar = true)
    where source_system = 'qualtrics' and lower(is_live_response) = 'true'
),

-- Connect: every delivered version parsed once (one json_extract_string call with a list of
-- paths reads each document once), then the latest version of each contact.
documents as (
    select
        json_extract_string(record, [
            '$.ContactId', '$.InitialContactId', '$.Attributes.sf_contact_id', '$.Attributes.sf_case_id',
            '$.Attributes.intent', '$.Attributes.bot_outcome', '$.Channel', '$.CustomerEndpoint.Address',
            '$.InitiationTimestamp', '$.Queue.EnqueueTimestamp', '$.Agent.ConnectedToAgentTimestamp',
            '$.DisconnectTimestamp', '$.LastUpdateTimestamp'
        ]) as v,
        _source_file,
        _source_row,
        _delivery_date
    from raw_amazon_connect.contact_records
),

legs_parsed as (
    select
        v[1] as contact_id,
        v[2] as initial_contact_id,
        nullif(v[3], '') as customer_id,
        nullif(v[4], '') as case_id,
        nullif(v[5], '') as intent,
        nullif(v[6], '') as bot_outcome,
        v[7] as source_channel,
        v[8] as endpoint_address,
        timezone('UTC', cast(nullif(v[9], '') as timestamptz)) as initiated_at,
        timezone('UTC', cast(nullif(v[10], '') as timestamptz)) as enqueued_at,
        timezone('UTC', cast(nullif(v[11], '') as timestamptz)) as connected_at,
        timezone('UTC', cast(nullif(v[12], '') as timestamptz)) as disconnected_at,
        timezone('UTC', cast(nullif(v[13], '') as timestamptz)) as last_updated_at,
        _source_file,
        _source_row,
        _delivery_date
    from documents
),

legs as (
    select * from legs_parsed
    qualify row_number() over (
            partition by contact_id
            order by last_updated_at desc, _delivery_date desc, _source_file desc, _source_row desc
        ) = 1
),

-- Horizon: midnight (UTC) after the latest delivery day of the latest contact versions.
horizon as (
    select cast(max(_delivery_date) + interval 1 day as timestamp) as as_of_at
    from legs
),

-- Transfers collapse into one chain per InitialContactId.
chains as (
    select
        coalesce(legs.initial_contact_id, legs.contact_id) as contact_chain_id,
        max(legs.customer_id) as customer_id,
        coalesce(
            max(case when coalesce(legs.initial_contact_id, legs.contact_id) = legs.contact_id then legs.intent end),
            max(legs.intent)
        ) as intent,
        max(case when coalesce(legs.initial_contact_id, legs.contact_id) = legs.contact_id then legs.bot_outcome end)
            as bot_outcome,
        max(legs.case_id) as case_id,
        bool_or(legs.connected_at is not null) as is_assisted,
        bool_and(legs.connected_at is null and legs.enqueued_at is null and legs.source_channel = 'CHAT')
            as is_bot_only,
        bool_or(monitoring_endpoints.endpoint_address is not null) as is_monitoring,
        min(legs.initiated_at) as started_at,
        max(legs.disconnected_at) as ended_at
    from legs
    left join monitoring_endpoints
        on legs.endpoint_address = monitoring_endpoints.endpoint_address
    group by coalesce(legs.initial_contact_id, legs.contact_id)
),

crm_contacts as (
    select
        id as customer_id,
        nullif(accountid, '') as account_id,
        coalesce(lower(trim(is_internal_test__c)) in ('true', '1', 'yes'), false) as is_internal_test
    from raw_salesforce.contacts
    qualify row_number() over (
            partition by id
            order by
                timezone('UTC', cast(nullif(systemmodstamp, '') as timestamptz)) desc,
                _delivery_date desc, _source_row desc
        ) = 1
),

crm_accounts as (
    select
        id as account_id,
        coalesce(lower(trim(is_internal_test__c)) in ('true', '1', 'yes'), false) as is_internal_test
    from raw_salesforce.accounts
    qualify row_number() over (
            partition by id
            order by
                timezone('UTC', cast(nullif(systemmodstamp, '') as timestamptz)) desc,
                _delivery_date desc, _source_row desc
        ) = 1
),

-- Monitoring calls, unidentified or unknown customers and internal tests are out of scope.
in_scope_chains as (
    select chains.*
    from chains
    inner join crm_contacts
        on chains.customer_id = crm_contacts.customer_id
    left join crm_accounts
        on crm_contacts.account_id = crm_accounts.account_id
    where
        not chains.is_monitoring
        and not (crm_contacts.is_internal_test or coalesce(crm_accounts.is_internal_test, false))
),

-- Episodes: chains of one customer and intent with no gap over the episode window.
episode_starts as (
    select
        in_scope_chains.*,
        case
            when
                lag(in_scope_chains.started_at) over customer_intent is null
                or date_diff('second', lag(in_scope_chains.started_at) over customer_intent, in_scope_chains.started_at)
                > windows.episode_gap_days * 86400
                then 1
            else 0
        end as is_episode_start
    from in_scope_chains
    cross join windows
    window customer_intent as (
        partition by in_scope_chains.customer_id, in_scope_chains.intent
        order by in_scope_chains.started_at, in_scope_chains.contact_chain_id
    )
),

episode_numbered as (
    select
        *,
        sum(is_episode_start) over (
            partition by customer_id, intent order by started_at, contact_chain_id
            rows between unbounded preceding and current row
        ) as episode_number
    from episode_starts
),

episode_chains as (
    select
        *,
        first_value(contact_chain_id) over (
            partition by customer_id, intent, episode_number order by started_at, contact_chain_id
            rows between unbounded preceding and unbounded following
        ) as episode_id
    from episode_numbered
),

assisted_chains as (
    select
        episode_id,
        started_at,
        row_number() over (partition by episode_id order by started_at, contact_chain_id) as assisted_sequence,
        lag(started_at) over (partition by episode_id order by started_at, contact_chain_id) as previous_started_at
    from episode_chains
    where is_assisted
),

cases as (
    select
        raw_cases.id as case_id,
        coalesce(lower(trim(raw_cases.isclosed)) in ('true', '1', 'yes'), false)
        and coalesce(resolution_codes.is_resolved, false) as is_resolved,
        timezone('UTC', cast(nullif(raw_cases.closeddate, '') as timestamptz)) as closed_at,
        coalesce(lower(trim(raw_cases.isdeleted)) in ('true', '1', 'yes'), false) as is_deleted
    from raw_salesforce.cases as raw_cases
    left join resolution_codes
        on raw_cases.resolution_code__c = resolution_codes.source_value
    qualify row_number() over (
            partition by raw_cases.id
            order by
                timezone('UTC', cast(nullif(raw_cases.systemmodstamp, '') as timestamptz)) desc,
                raw_cases._delivery_date desc, raw_cases._source_row desc
        ) = 1
),

live_cases as (
    select * from cases
    where not is_deleted
),

episode_cases as (
    select distinct
        episode_id,
        case_id
    from episode_chains
    where case_id is not null
),

-- An episode's need is resolved by the bot, else when every case its chains linked is resolved.
case_resolution as (
    select
        episode_cases.episode_id,
        count(*) as linked_cases,
        count(case when cases.is_resolved then 1 end) as resolved_cases,
        max(cases.closed_at) as last_closed_at
    from episode_cases
    left join live_cases as cases
        on episode_cases.case_id = cases.case_id
    group by episode_cases.episode_id
),

episodes as (
    select
        episode_id,
        min(started_at) as first_contact_at,
        min(case when is_bot_only and bot_outcome = 'resolved'
                then ended_at
        end) as bot_resolved_at
    from episode_chains
    group by episode_id
),

episodes_resolved as (
    select
        episodes.episode_id,
        episodes.first_contact_at,
        first_assisted.started_at as first_assisted_at,
        second_assisted.started_at as second_assisted_at,
        coalesce(
            episodes.bot_resolved_at,
            case
                when case_resolution.resolved_cases = case_resolution.linked_cases then case_resolution.last_closed_at
            end
        ) as resolved_at
    from episodes
    left join assisted_chains as first_assisted
        on episodes.episode_id = first_assisted.episode_id and first_assisted.assisted_sequence = 1
    left join assisted_chains as second_assisted
        on episodes.episode_id = second_assisted.episode_id and second_assisted.assisted_sequence = 2
    left join case_resolution
        on episodes.episode_id = case_resolution.episode_id
),

episode_outcomes as (
    select
        episodes_resolved.*,
        episodes_resolved.first_assisted_at is not null
        and date_diff('second', episodes_resolved.first_assisted_at, horizon.as_of_at)
        >= windows.fcr_window_days * 86400 as is_fcr_mature,
        coalesce(
            date_diff('second', episodes_resolved.first_assisted_at, episodes_resolved.second_assisted_at)
            <= windows.fcr_window_days * 86400,
            false
        ) as has_second_assisted_in_window,
        episodes_resolved.resolved_at is not null
        and date_diff('second', episodes_resolved.resolved_at, horizon.as_of_at)
        >= windows.confirmation_days * 86400 as is_resolution_confirmed
    from episodes_resolved
    cross join horizon
    cross join windows
),

fcr_and_resolution as (
    select
        count(
            case
                when
                    is_fcr_mature and not has_second_assisted_in_window and resolved_at is not null
                    and (second_assisted_at is null or resolved_at <= second_assisted_at)
                    then 1
            end
        ) as fcr_numerator,
        count(case when is_fcr_mature then 1 end) as fcr_denominator,
        count(case when is_resolution_confirmed then 1 end) as resolved_episodes,
        coalesce(
            sum(case when is_resolution_confirmed then date_diff('second', first_contact_at, resolved_at) end), 0
        ) as resolution_seconds
    from episode_outcomes
),

repeat_contacts as (
    select
        count(
            case
                when
                    date_diff('second', assisted_chains.previous_started_at, assisted_chains.started_at)
                    <= windows.repeat_window_days * 86400
                    then 1
            end
        ) as repeat_numerator,
        count(*) as repeat_denominator
    from assisted_chains
    cross join windows
),

-- CSAT: live responses (latest delivery) attributed through the surveyed leg to an in-scope chain.
latest_responses as (
    select
        status as source_status,
        nullif(connect_contact_id, '') as contact_id,
        cast(nullif(q1, '') as integer) as csat_score
    from raw_qualtrics.survey_responses
    qualify row_number() over (partition by responseid order by _delivery_date desc, _source_row desc) = 1
),

survey_responses as (
    select * from latest_responses
    where source_status in (select survey_statuses.source_value from survey_statuses)
),

csat as (
    select
        count(survey_responses.csat_score) as csat_answered,
        count(case when survey_responses.csat_score >= 4 then 1 end) as csat_top_two_box
    from survey_responses
    inner join legs
        on survey_responses.contact_id = legs.contact_id
    inner join episode_chains
        on coalesce(legs.initial_contact_id, legs.contact_id) = episode_chains.contact_chain_id
)

select
    cast(fcr_and_resolution.fcr_numerator as bigint) as fcr_numerator,
    cast(fcr_and_resolution.fcr_denominator as bigint) as fcr_denominator,
    cast(repeat_contacts.repeat_numerator as bigint) as repeat_numerator,
    cast(repeat_contacts.repeat_denominator as bigint) as repeat_denominator,
    cast(fcr_and_resolution.resolved_episodes as bigint) as resolved_episodes,
    cast(fcr_and_resolution.resolution_seconds as bigint) as resolution_seconds,
    cast(csat.csat_top_two_box as bigint) as csat_top_two_box,
    cast(csat.csat_answered as bigint) as csat_answered
from fcr_and_resolution
cross join repeat_contacts
cross join csat
