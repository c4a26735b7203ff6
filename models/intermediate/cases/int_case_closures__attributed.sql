{#- One row per resolving case closure made by a frontline team: a change of a case's status to
    Closed whose resolution code counts as resolved, attributed to the team of the user who made
    it, with whether the customer had the case reopened within the window and where the closure
    fell against the case closure SLA deadline. See DECISIONLOG "Gaming watch". -#}
with

cases as (
    select * from {{ ref('stg_salesforce__cases') }}
    where not is_deleted
),

customers as (
    select * from {{ ref('dim_customers') }}
    where not is_internal_test
),

status_changes as (
    select * from {{ ref('stg_salesforce__case_history') }}
    where not is_deleted and field_name = 'Status'
),

resolution_changes as (
    select * from {{ ref('stg_salesforce__case_history') }}
    where not is_deleted and field_name = 'Resolution_Code__c'
),

resolution_code_vocabulary as (
    select * from {{ ref('resolution_code_vocabulary') }}
),

agent_legs as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
    where is_agent_connected and case_id is not null and agent_team is not null
),

horizon as (
    select * from {{ ref('int_episodes__horizon') }}
),

registry as (
    select * from {{ ref('metric_registry') }}
    where status = 'active'
        and metric_id in (
            'premature_closure_rate', 'case_closure_sla', 'sla_boundary_window',
            'sla_boundary_closure_share'
        )
),

parameters as (
    select
        max(case when metric_id = 'premature_closure_rate' then window_days end) as reopen_window_days,
        max(case when metric_id = 'premature_closure_rate' then version end) as premature_definition_version,
        max(case when metric_id = 'case_closure_sla' then threshold end) as sla_hours,
        max(case when metric_id = 'case_closure_sla' then version end) as sla_definition_version,
        max(case when metric_id = 'sla_boundary_window' then threshold end) as boundary_hours,
        max(case when metric_id = 'sla_boundary_closure_share' then version end)
            as boundary_definition_version
    from registry
),

closures as (
    select
        case_history_id as closure_id,
        case_id,
        changed_by_id as closed_by_id,
        changed_at as closed_at,
        source_system
    from status_changes
    where is_closure
),

-- the resolution code in force at the closure: the latest code set at or before it
closure_resolutions as (
    select
        closures.closure_id,
        resolution_changes.new_value as resolution_code,
        row_number() over (
            partition by closures.closure_id
            order by resolution_changes.changed_at desc, resolution_changes.case_history_id desc
        ) as code_rank
    from closures
    inner join resolution_changes
        on closures.case_id = resolution_changes.case_id
            and closures.closed_at >= resolution_changes.changed_at
),

-- a user closing a case the moment an agent's after-contact work on it ends is that agent:
-- the closing user's team is the team of those legs (the most frequent one, should it vary)
agent_work_ends as (
    select
        case_id,
        agent_team,
        {{ dbt.dateadd('second', 'coalesce(after_contact_work_seconds, 0)', 'disconnected_at') }}
            as work_ended_at
    from agent_legs
),

user_team_votes as (
    select
        closures.closed_by_id,
        agent_work_ends.agent_team,
        count(*) as vote_count
    from closures
    inner join agent_work_ends
        on closures.case_id = agent_work_ends.case_id
            and closures.closed_at >= agent_work_ends.work_ended_at
            and closures.closed_at <= {{ dbt.dateadd('second', 120, 'agent_work_ends.work_ended_at') }}
    group by closures.closed_by_id, agent_work_ends.agent_team
),

user_teams as (
    select
        closed_by_id,
        agent_team,
        row_number() over (
            partition by closed_by_id order by vote_count desc, agent_team asc
        ) as team_rank
    from user_team_votes
),

reopens as (
    select
        case_id,
        changed_at as reopened_at
    from status_changes
    where is_reopen
),

resolving_closures as (
    select
        closures.closure_id,
        closures.case_id,
        cases.customer_id,
        cases.intent,
        user_teams.agent_team,
        closures.closed_at,
        cases.created_at as case_created_at,
        closure_resolutions.resolution_code
    from closures
    inner join cases
        on closures.case_id = cases.case_id
    inner join customers
        on cases.customer_id = customers.customer_id
    inner join closure_resolutions
        on closures.closure_id = closure_resolutions.closure_id and closure_resolutions.code_rank = 1
    inner join resolution_code_vocabulary
        on
            closures.source_system = resolution_code_vocabulary.source_system
            and closure_resolutions.resolution_code = resolution_code_vocabulary.source_value
    inner join user_teams
        on closures.closed_by_id = user_teams.closed_by_id and user_teams.team_rank = 1
    where resolution_code_vocabulary.is_resolved
),

first_reopen_after as (
    select
        resolving_closures.closure_id,
        min(reopens.reopened_at) as next_reopened_at
    from resolving_closures
    inner join reopens
        on resolving_closures.case_id = reopens.case_id
            and resolving_closures.closed_at < reopens.reopened_at
    group by resolving_closures.closure_id
),

judged as (
    select
        resolving_closures.*,
        first_reopen_after.next_reopened_at,
        {{ dbt.dateadd('second', 'cast(parameters.sla_hours * 3600 as ' ~ dbt.type_bigint() ~ ')',
            'resolving_closures.case_created_at') }} as sla_deadline_at,
        parameters.boundary_hours,
        parameters.reopen_window_days,
        {{ dbt.dateadd('day', 'parameters.reopen_window_days', 'resolving_closures.closed_at') }}
            as reopen_window_ends_at,
        horizon.as_of_at,
        parameters.premature_definition_version,
        parameters.sla_definition_version,
        parameters.boundary_definition_version
    from resolving_closures
    left join first_reopen_after
        on resolving_closures.closure_id = first_reopen_after.closure_id
    cross join parameters
    cross join horizon
),

final as (
    select
        closure_id,
        case_id,
        customer_id,
        intent,
        agent_team,
        resolution_code,
        reopen_window_ends_at <= as_of_at as is_window_elapsed,
        coalesce(next_reopened_at <= reopen_window_ends_at, false) as is_reopened_within_window,
        closed_at
        >= {{ dbt.dateadd('second', 'cast(-boundary_hours * 3600 as ' ~ dbt.type_bigint() ~ ')', 'sla_deadline_at') }}
        and closed_at < sla_deadline_at as is_just_before_sla_deadline,
        closed_at >= sla_deadline_at
        and closed_at
        < {{ dbt.dateadd('second', 'cast(boundary_hours * 3600 as ' ~ dbt.type_bigint() ~ ')', 'sla_deadline_at') }}
            as is_just_after_sla_deadline,
        case_created_at,
        closed_at,
        sla_deadline_at,
        next_reopened_at,
        reopen_window_days,
        premature_definition_version,
        sla_definition_version,
        boundary_definition_version
    from judged
)

select * from final
