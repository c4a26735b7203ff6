"""An estate with a legacy ACD call log and nothing else (no CRM, no survey platform): it reaches
the outcome marts with every outcome a call log supports, the caller's hashed number standing in
for the customer, and names every other outcome "not available from these sources" with nulls,
never zeros (README "A call log and nothing else")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from service_outcomes.generate import SCALES
from service_outcomes.report import format_headline, read_headline
from service_outcomes.site import export_site_data

from .warehouse import BuiltWarehouse
from .worlds import build_world, query

pytestmark = pytest.mark.e2e

#: What a call log cannot support, by the requirement it lacks (seeds/registry/
#: metric_source_requirements.csv), written out independently of the seed.
NOT_AVAILABLE = {
    # no CRM: no case records a resolution, no customer attributes, no consent records
    "first_contact_resolution", "resolution_time", "complaint_handling_compliance",
    "complaint_acknowledgement_promptness", "cost_per_resolved_episode",
    "resolutions_per_agent_hour", "case_closure_sla", "premature_closure_rate",
    "sla_boundary_closure_share", "churn_after_episode", "revenue_at_risk",
    "outcome_fairness_gap", "survey_without_consent", "vulnerability_flag_without_consent",
    # no chats in a call log
    "digital_containment", "service_level_chat", "verified_digital_onboarding_completion",
    # fields the ACD does not log
    "authentication_pass_rate", "knowledge_accuracy", "mean_desktop_latency",
    "slow_desktop_rate", "transfer_rate",
    # the IVR asks satisfaction only, and there is no survey platform
    "customer_effort", "nps", "comment_signal_agreement",
}  # fmt: skip
#: Supported by the call log alone (the IVR rating gives CSAT).
AVAILABLE = {
    "repeat_contact_rate", "contact_episode", "csat", "service_level_voice",
    "service_level_short_abandon", "cost_per_contact", "avoidable_contact_rate",
    "avoidable_contact_cost", "cost_per_customer",
}  # fmt: skip


@pytest.fixture(scope="module")
def call_log_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    config = replace(SCALES["ci"], crm="none", telephony="legacy_acd", surveys="none")
    yield build_world(tmp_path_factory.mktemp("call_log_world"), config)


def test_nothing_is_written_or_loaded_for_the_missing_feeds(call_log_world: BuiltWarehouse) -> None:
    written = {p.parent.parent.parent.name for p in call_log_world.landing.rglob("*.csv")}
    assert written <= {"legacy_acd", "amazon_connect", "qualtrics"}
    [(crm_rows,)] = query(
        call_log_world,
        "select (select count(*) from raw_salesforce.contacts) "
        "+ (select count(*) from raw_salesforce.cases)",
    )
    assert crm_rows == 0
    # The only survey rows are the IVR ratings on the call records.
    [(systems,)] = query(
        call_log_world,
        "select list(distinct source_system) from staging.stg_qualtrics__survey_responses",
    )
    assert systems == ["legacy_acd"]


def test_every_call_reaches_the_marts_with_the_caller_as_customer(
    call_log_world: BuiltWarehouse,
) -> None:
    rows = query(
        call_log_world,
        """
        select customer_identity_source, exclusion_reason, count(*),
            count(case when customer_id like 'caller:%' then 1 end)
        from intermediate.int_contacts__chained
        group by 1, 2 order by 1, 2
        """,
    )
    # Every chain is identified by its caller; monitoring calls (the organisation's own numbers)
    # stay out of scope, every other call is in scope.
    by_exclusion = {r[1]: r for r in rows}
    assert set(by_exclusion) == {None, "monitoring_call"}
    assert {r[0] for r in rows} == {"caller_endpoint"}
    assert all(r[2] == r[3] > 0 for r in rows)
    in_scope_chains = by_exclusion[None][2]
    # The chain mart holds in-scope chains only: all of them, every one from the ACD.
    [(chains, sources)] = query(
        call_log_world,
        "select count(*), list(distinct source_system) from marts_customer.fct_contact_outcomes",
    )
    assert chains == in_scope_chains
    assert sources == ["legacy_acd"]
    # Each caller with an in-scope call is one customer of unknown attributes in dim_customers,
    # and the customer-grain marts hold every one of them.
    [(customers, callers, unknown, outcome_customers)] = query(
        call_log_world,
        """
        select count(*), count(case when customer_identity_source = 'caller_endpoint' then 1 end),
            count(case when region is null and segment is null and customer_status is null
                and age_band = 'unknown' and not is_vulnerable_with_consent then 1 end),
            (select count(*) from marts_customer.fct_customer_outcomes)
        from marts_customer.dim_customers
        """,
    )
    [(distinct_callers,)] = query(
        call_log_world,
        "select count(distinct customer_id) from marts_customer.fct_contact_outcomes",
    )
    assert customers == callers == unknown == distinct_callers == outcome_customers > 0


def test_supported_outcomes_have_figures_and_the_rest_are_null_never_zero(
    call_log_world: BuiltWarehouse,
) -> None:
    [episode_parts] = query(
        call_log_world,
        """
        select count(*), count(fcr_numerator), count(fcr_denominator),
            count(confirmed_resolution_count), count(confirmed_resolution_seconds),
            count(containment_numerator), count(containment_denominator),
            count(case when is_resolution_recorded then 1 end)
        from marts_customer.fct_episode_outcomes
        """,
    )
    assert episode_parts[0] > 0 and episode_parts[1:] == (0,) * 7
    [(repeat_numerator, repeat_denominator, handled, queued)] = query(
        call_log_world,
        """
        select sum(repeat_numerator), sum(repeat_denominator), sum(agent_interaction_seconds),
            sum(queued_leg_count)
        from marts_customer.fct_contact_outcomes
        """,
    )
    assert repeat_denominator > 0 and 0 < repeat_numerator < repeat_denominator  # type: ignore[operator]
    assert handled > 0 and queued > 0  # type: ignore[operator]
    [(csat_answered, effort_answered)] = query(
        call_log_world,
        "select sum(csat_answered), sum(effort_answered) from marts_customer.fct_survey_responses",
    )
    assert csat_answered > 0 and effort_answered == 0  # type: ignore[operator]


def test_availability_names_every_outcome_the_call_log_cannot_support(
    call_log_world: BuiltWarehouse, built_warehouse: BuiltWarehouse
) -> None:
    sql = """
        select metric_id, is_available, unavailable_reason
        from marts_governance.fct_metric_availability
    """
    rows = {str(r[0]): (r[1], r[2]) for r in query(call_log_world, sql)}
    unavailable = {m for m, (available, _) in rows.items() if not available}
    assert unavailable == NOT_AVAILABLE
    assert set(rows) - unavailable >= AVAILABLE
    for metric in unavailable:
        assert str(rows[metric][1]).startswith("not available from these sources: "), metric
    # The reference estate (Connect, Salesforce, Qualtrics) supports every metric.
    reference = query(built_warehouse, sql)
    assert reference and all(available for _, available, _ in reference)


def test_the_headline_report_says_not_available_instead_of_zero(
    call_log_world: BuiltWarehouse,
) -> None:
    text = format_headline(read_headline(call_log_world.database))
    lines = {line.strip().split("  ")[0]: line for line in text.splitlines()[1:]}
    assert "not available from these sources: " in lines["First contact resolution"]
    assert "not available from these sources: " in lines["Resolution time (mean)"]
    assert "not available" not in lines["Repeat contact rate"]
    assert "%" in lines["Repeat contact rate"]


def test_the_report_site_data_names_what_is_not_available(
    call_log_world: BuiltWarehouse, tmp_path: Path
) -> None:
    export = export_site_data(call_log_world.database, tmp_path / "site.duckdb")
    with duckdb.connect(str(export.path), read_only=True) as connection:
        rows = connection.execute(
            "select metric_id, unavailable_reason from metric_availability where not is_available"
        ).fetchall()
    assert {str(metric) for metric, _ in rows} == NOT_AVAILABLE
    assert all(str(reason).startswith("not available from these sources: ") for _, reason in rows)
