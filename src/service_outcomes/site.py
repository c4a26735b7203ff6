"""Export the figures the board report site shows into a small file its DuckDB can open.

The report site (Evidence, in reports/) runs DuckDB 1.x under Node, which cannot open a file
written by the Python DuckDB 2.x that builds the warehouse. This step reads the marts and writes
the few tables the site needs into a separate file in a storage format 1.x readers accept:

- ``scorecard_monthly``: one row per outcome and UTC month, with the numerator and denominator
  summed from the marts and the ratio computed from those sums (as a BI tool on the marts would);
- ``metric_catalogue``: the active registry definitions from marts_governance.dim_metric_catalogue.
- ``metric_availability``: per active metric, whether the loaded sources support it and if not
  the reason ("not available from these sources: ..."), from
  marts_governance.fct_metric_availability, so the site shows the reason instead of a figure.
- the board pages' tables (:data:`BOARD_TABLES`): the scorecard with red / amber / green, its
  monthly series, OKR progress, the logic model's links and the gaming watch, copied from the
  board marts (``fct_board_scorecard``, ``fct_board_outcomes_monthly``, ``fct_okr_progress``,
  ``fct_logic_model_links_monthly``, ``fct_gaming_watch_teams_quarterly``).
- the experiments page's tables (:data:`EXPERIMENT_TABLES`): ``fct_experiment_effects`` as it is,
  and the first contact resolution of each arm per period, summed from ``fct_experiment_cells``.

No figure is derived here that the marts do not already hold in parts: every value is a sum of a
mart's numerator over a sum of its denominator, or a count of mart rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

# DuckDB storage format the exported file is written in: readable by DuckDB 1.0 and later,
# including the 1.4.x that Evidence's Node connector bundles.
SITE_STORAGE_VERSION = "v1.0.0"

# One select per scorecard figure: lens, metric_id (the registry key the figure links to),
# label (what the board reads), value_format (how the site formats it), outcome_month,
# numerator, denominator, value. `value` is numerator / denominator (per hundred for the
# score), or a count.
SCORECARD_SQL = """
with customer_daily as (
    select
        date_trunc('month', outcome_date)::date as outcome_month,
        sum(fcr_numerator)::double as fcr_numerator,
        sum(fcr_denominator)::double as fcr_denominator,
        sum(repeat_numerator)::double as repeat_numerator,
        sum(repeat_denominator)::double as repeat_denominator,
        sum(confirmed_resolution_seconds)::double / 3600 as resolution_hours,
        sum(confirmed_resolutions)::double as confirmed_resolutions
    from warehouse.marts_customer.fct_customer_outcomes_daily
    group by all
),

containment as (
    select
        date_trunc('month', first_contact_date)::date as outcome_month,
        sum(containment_numerator)::double as numerator,
        sum(containment_denominator)::double as denominator
    from warehouse.marts_customer.fct_episode_outcomes
    group by all
),

surveys as (
    select
        date_trunc('month', recorded_date)::date as outcome_month,
        sum(csat_top_two_box)::double as csat_numerator,
        sum(csat_answered)::double as csat_denominator,
        sum(effort_easy)::double as effort_numerator,
        sum(effort_answered)::double as effort_denominator,
        (sum(promoter) - sum(detractor))::double as nps_numerator,
        sum(recommend_answered)::double as nps_denominator
    from warehouse.marts_customer.fct_survey_responses
    group by all
),

business_daily as (
    select
        date_trunc('month', activity_date)::date as outcome_month,
        sum(cost_to_serve)::double as cost_to_serve,
        sum(contact_chain_count)::double as contact_chains
    from warehouse.marts_business.fct_business_daily
    group by all
),

contact_costs as (
    select
        date_trunc('month', contact_date)::date as outcome_month,
        sum(avoidable_numerator)::double as avoidable_numerator,
        sum(avoidable_denominator)::double as avoidable_denominator
    from warehouse.marts_business.fct_contact_costs
    group by all
),

episode_business as (
    select
        date_trunc('month', first_contact_date)::date as outcome_month,
        sum(resolved_episode_cost)::double as resolved_episode_cost,
        sum(confirmed_resolution_count)::double as confirmed_resolutions
    from warehouse.marts_business.fct_episode_business_outcomes
    group by all
),

churn as (
    select
        date_trunc('month', last_contact_date)::date as outcome_month,
        sum(churn_unresolved_numerator)::double as numerator,
        sum(churn_unresolved_denominator)::double as denominator
    from warehouse.marts_business.fct_episode_business_outcomes
    group by all
),

risk_daily as (
    select
        date_trunc('month', risk_date)::date as outcome_month,
        sum(complaint_breaches)::double as complaint_breaches,
        sum(complaints_judged)::double as complaints_judged
    from warehouse.marts_risk.fct_risk_daily
    group by all
),

consent as (
    select
        consent_check,
        check_month::date as outcome_month,
        sum(breach_count)::double as breaches,
        sum(checked_count)::double as checked
    from warehouse.marts_risk.fct_consent_compliance
    group by all
),

fairness as (
    select
        outcome_month::date as outcome_month,
        count(*) filter (where fairness_status = 'gap_exceeds_tolerance')::double
            as out_of_tolerance,
        count(*)::double as groups_judged
    from warehouse.marts_risk.fct_outcome_fairness_monthly
    group by all
),

figures as (
    select 'customer' as lens, 10 as sort_order, 'first_contact_resolution' as metric_id,
        'First contact resolution' as label, 'pct' as value_format, outcome_month,
        fcr_numerator as numerator, fcr_denominator as denominator
    from customer_daily
    union all
    select 'customer', 20, 'repeat_contact_rate', 'Repeat contact rate', 'pct', outcome_month,
        repeat_numerator, repeat_denominator
    from customer_daily
    union all
    select 'customer', 30, 'resolution_time', 'Resolution time (mean hours)', 'hours',
        outcome_month, resolution_hours, confirmed_resolutions
    from customer_daily
    union all
    select 'customer', 40, 'digital_containment', 'Digital containment', 'pct', outcome_month,
        numerator, denominator
    from containment
    union all
    select 'customer', 50, 'csat', 'CSAT (top-two box)', 'pct', outcome_month,
        csat_numerator, csat_denominator
    from surveys
    union all
    select 'customer', 60, 'nps', 'Net promoter score', 'score', outcome_month,
        nps_numerator, nps_denominator
    from surveys
    union all
    select 'customer', 70, 'customer_effort', 'Customer effort (easy share)', 'pct',
        outcome_month, effort_numerator, effort_denominator
    from surveys
    union all
    select 'business', 110, 'cost_per_contact', 'Cost per contact (GBP)', 'gbp', outcome_month,
        cost_to_serve, contact_chains
    from business_daily
    union all
    select 'business', 120, 'cost_per_resolved_episode', 'Cost per resolved need (GBP)', 'gbp',
        outcome_month, resolved_episode_cost, confirmed_resolutions
    from episode_business
    union all
    select 'business', 130, 'avoidable_contact_rate', 'Avoidable contact rate', 'pct',
        outcome_month, avoidable_numerator, avoidable_denominator
    from contact_costs
    union all
    select 'business', 140, 'churn_after_episode', 'Churn after an unresolved episode', 'pct',
        outcome_month, numerator, denominator
    from churn
    union all
    select 'risk', 210, 'complaint_handling_compliance', 'Complaint breach rate', 'pct',
        outcome_month, complaint_breaches, complaints_judged
    from risk_daily
    union all
    select 'risk', 220, 'survey_without_consent', 'Surveys without consent (count)', 'count',
        outcome_month, breaches, checked
    from consent
    where consent_check = 'survey_without_consent'
    union all
    select 'risk', 230, 'vulnerability_flag_without_consent',
        'Vulnerability flags without consent (count)', 'count', outcome_month, breaches, checked
    from consent
    where consent_check = 'vulnerability_flag_without_consent'
    union all
    select 'risk', 240, 'outcome_fairness_gap', 'Fairness groups out of tolerance (count)',
        'count', outcome_month, out_of_tolerance, groups_judged
    from fairness
)

select
    lens,
    sort_order,
    metric_id,
    label,
    value_format,
    outcome_month,
    numerator,
    denominator,
    case
        when value_format = 'count' then numerator
        -- the net promoter score is promoters minus detractors per hundred answers
        when value_format = 'score' and denominator > 0 then 100 * numerator / denominator
        when denominator > 0 then numerator / denominator
    end as value
from figures
-- a month with nothing to judge (no mature denominator yet) has no figure to show
where outcome_month is not null and (value_format = 'count' or denominator > 0)
order by sort_order, outcome_month
"""

CATALOGUE_SQL = """
select
    metric_id,
    metric_name,
    lens,
    tier,
    unit,
    direction_of_good,
    definition,
    numerator,
    denominator,
    owner,
    active_version,
    active_since,
    source_of_truth
from warehouse.marts_governance.dim_metric_catalogue
order by metric_id
"""

# Which metrics the loaded sources cannot support, and why (README "A call log and nothing else").
AVAILABILITY_SQL = """
select metric_id, metric_name, lens, is_available, unavailable_reason
from warehouse.marts_governance.fct_metric_availability
order by lens, metric_id
"""


# The board pages (issue 8): copied from the board marts as they are, one table each.
BOARD_TABLES: dict[str, str] = {
    # the scorecard with its red / amber / green status, variance and trend (one row per metric)
    "board_scorecard": """
        select
            metric_id, metric_name, lens, tier, unit, direction_of_good, rag_status,
            trend_direction, latest_month, latest_numerator, latest_denominator, latest_value,
            prior_month, prior_value, change_from_prior, is_better_than_prior, target_value,
            red_threshold, variance_to_target, trend_months, trend_slope_per_month,
            definition_version
        from warehouse.marts_governance.fct_board_scorecard
        order by lens, metric_id
    """,
    # the monthly series behind each scorecard figure's trend chart
    "board_outcomes_monthly": """
        select metric_id, metric_name, lens, period_month, numerator, denominator, metric_value
        from warehouse.marts_governance.fct_board_outcomes_monthly
        where metric_value is not null
        order by metric_id, period_month
    """,
    "okr_progress": """
        select
            key_result_id, objective_id, metric_id, objective, key_result, lens, segment,
            journey, owner, direction_of_good, progress_status, period_start, period_end,
            as_of_date, period_elapsed_share, baseline_value, target_value, current_numerator,
            current_denominator, current_value, progress_share
        from warehouse.marts_governance.fct_okr_progress
        order by objective_id, key_result_id
    """,
    "logic_model_links": """
        select
            link_id, period_month, driver_metric_id, outcome_metric_id, expected_direction,
            rationale, experiment_anchor, experiments_on_driver, association_status,
            is_observed_sign_contrary, cell_count, observed_correlation, correlation_lower,
            correlation_upper, association_slope
        from warehouse.marts_governance.fct_logic_model_links_monthly
        order by link_id, period_month
    """,
    "gaming_watch": """
        select
            agent_team, closure_quarter, is_premature_closure_flagged, is_sla_bunching_flagged,
            is_on_gaming_watch, closures_judged, reopened_within_window, premature_closure_rate,
            rest_premature_closure_rate, premature_gap_z_score, closed_just_before_deadline,
            closed_just_after_deadline, sla_boundary_closure_share,
            rest_sla_boundary_closure_share, sla_boundary_z_score
        from warehouse.marts_risk.fct_gaming_watch_teams_quarterly
        order by closure_quarter, agent_team
    """,
}


# The experiments page: each experiment's effect size, interval and design check as the mart
# holds them, and the outcome rate of each arm per period (sums of the cells' parts).
EXPERIMENT_TABLES: dict[str, str] = {
    "experiment_effects": """
        select
            experiment_id, experiment_name, design, driver_metric_id, outcome_metric_id,
            expected_direction, owner, pre_period_start, start_date, end_date, treated_units,
            control_units, estimand, variance_method, treated_episodes, control_episodes,
            confidence_level, effect_estimate, standard_error, degrees_of_freedom, ci_lower,
            ci_upper, finding, pre_period_difference, pre_trend_periods, pre_trend_slope,
            pre_trend_ci_lower, pre_trend_ci_upper, pre_trend_status, fcr_definition_version
        from warehouse.marts_decisions.fct_experiment_effects
        order by start_date, experiment_id
    """,
    "experiment_periods": """
        select
            experiment_id, arm, period, period_index, period_start_date,
            sum(fcr_numerator)::double as numerator,
            sum(fcr_denominator)::double as denominator,
            sum(fcr_numerator)::double / sum(fcr_denominator) as value
        from warehouse.marts_decisions.fct_experiment_cells
        group by all
        order by experiment_id, period_index, arm
    """,
}


@dataclass(frozen=True)
class SiteExport:
    """What one export wrote."""

    path: Path
    scorecard_rows: int
    catalogue_rows: int
    latest_month: str

    def summary(self) -> str:
        return (
            f"Site data: {self.path} ({self.scorecard_rows} scorecard rows, "
            f"{self.catalogue_rows} metric definitions, latest month {self.latest_month})"
        )


def export_site_data(warehouse: Path, target: Path) -> SiteExport:
    """Write the scorecard and the catalogue from a built warehouse to `target`, replacing it.

    The file is written beside the target and renamed into place, so a site build never reads a
    half-written file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial")
    for leftover in (partial, partial.with_name(f"{partial.name}.wal")):
        leftover.unlink(missing_ok=True)
    with duckdb.connect() as connection:
        connection.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        connection.execute(
            f"attach ? as site (storage_version '{SITE_STORAGE_VERSION}')", [str(partial)]
        )
        connection.execute(f"create table site.scorecard_monthly as {SCORECARD_SQL}")
        connection.execute(f"create table site.metric_catalogue as {CATALOGUE_SQL}")
        connection.execute(f"create table site.metric_availability as {AVAILABILITY_SQL}")
        for table, sql in {**BOARD_TABLES, **EXPERIMENT_TABLES}.items():
            connection.execute(f"create table site.{table} as {sql}")
        scorecard = connection.execute(
            "select count(*), max(outcome_month)::varchar from site.scorecard_monthly"
        ).fetchone()
        catalogue = connection.execute("select count(*) from site.metric_catalogue").fetchone()
        connection.execute("detach site")
    if scorecard is None or catalogue is None or scorecard[0] == 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"{warehouse}: the marts are empty; run `dbt build` first")
    os.replace(partial, target)
    return SiteExport(
        path=target,
        scorecard_rows=int(scorecard[0]),
        catalogue_rows=int(catalogue[0]),
        latest_month=str(scorecard[1]),
    )
