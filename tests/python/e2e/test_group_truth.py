"""The fairness and vulnerability marts' group parts equal the simulation's group truth (CI data).

The truth's ``groups`` block counts, from the simulation's own state, first contact resolution
(by the month of the need's first contact) and repeat contact (by the month of the chain's start)
per customer group of every dimension the fairness mart judges. A customer attribute read from the
wrong record, an age band off by a year, a vulnerability flag used without consent or a month
assigned from the wrong timestamp moves these parts.
"""

from __future__ import annotations

import csv
import json
import math

import duckdb
import pytest

from .warehouse import PROJECT_ROOT, BuiltWarehouse

pytestmark = pytest.mark.e2e

#: Truth metric -> fairness mart ``metric_id``.
METRICS = {
    "first_contact_resolution": "first_contact_resolution",
    "repeat_contact": "repeat_contact_rate",
}

Key = tuple[str, str, str, str]


def _truth_groups(warehouse: BuiltWarehouse) -> dict[Key, tuple[int, int]]:
    """(month, metric_id, dimension, group) -> (numerator, denominator)."""
    groups = json.loads((warehouse.truth / "headline.json").read_text())["groups"]
    out = {}
    for metric, metric_id in METRICS.items():
        for dimension in groups["dimensions"]:
            for month, by_group in groups[metric][dimension].items():
                for group, parts in by_group.items():
                    out[(month, metric_id, dimension, group)] = (
                        parts["numerator"],
                        parts["denominator"],
                    )
    return out


def _query(warehouse: BuiltWarehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_truth_groups_add_up_to_the_headline(built_warehouse: BuiltWarehouse) -> None:
    head = json.loads((built_warehouse.truth / "headline.json").read_text())
    truth = _truth_groups(built_warehouse)
    for metric, metric_id in METRICS.items():
        for dimension in head["groups"]["dimensions"]:
            parts = [v for k, v in truth.items() if k[1] == metric_id and k[2] == dimension]
            assert (sum(p[0] for p in parts), sum(p[1] for p in parts)) == (
                head[metric]["numerator"],
                head[metric]["denominator"],
            ), (metric, dimension)


def test_fairness_group_parts_equal_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth_groups(built_warehouse)
    rows = _query(
        built_warehouse,
        """
        select strftime(outcome_month, '%Y-%m'), metric_id, dimension, customer_group,
               group_numerator, group_denominator
        from marts_risk.fct_outcome_fairness_monthly
        """,
    )
    built = {(m, metric, dim, group): (num, den) for m, metric, dim, group, num, den in rows}
    assert len(built) == len(rows), "fairness rows are not unique per month, metric and group"

    only_built = sorted(set(built) - set(truth))
    only_truth = sorted(set(truth) - set(built))
    assert not only_built, f"groups in the mart but not in the truth: {only_built[:20]}"
    assert not only_truth, f"groups in the truth but not in the mart: {only_truth[:20]}"
    differ = {k: (built[k], truth[k]) for k in sorted(truth) if built[k] != truth[k]}
    assert not differ, f"(mart, truth) parts differ: {dict(list(differ.items())[:20])}"

    dimensions = {k[2] for k in truth}
    assert dimensions == {"age_band", "preferred_language", "region", "segment", "vulnerability"}
    assert any(k[3] == "vulnerable_with_consent" and v[1] > 0 for k, v in truth.items()), (
        "the CI world must put some consented vulnerable customers in the outcomes"
    )


def test_vulnerability_outcome_parts_equal_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth_groups(built_warehouse)
    rows = _query(
        built_warehouse,
        """
        select strftime(outcome_month, '%Y-%m'), vulnerability_group, fcr_numerator,
               fcr_denominator, repeat_numerator, repeat_denominator
        from marts_risk.fct_vulnerability_outcomes_monthly
        """,
    )
    built = {(month, group): tuple(parts) for month, group, *parts in rows}
    assert len(built) == len(rows), "vulnerability rows are not unique per month and group"

    expected: dict[tuple[str, str], list[int]] = {}
    for (month, metric_id, dimension, group), (num, den) in truth.items():
        if dimension != "vulnerability":
            continue
        row = expected.setdefault((month, group), [0, 0, 0, 0])
        offset = 0 if metric_id == "first_contact_resolution" else 2
        row[offset] += num
        row[offset + 1] += den

    missing = sorted(set(expected) - set(built))
    assert not missing, f"vulnerability groups in the truth but not in the mart: {missing}"
    differ = {
        k: (built[k], tuple(expected.get(k, (0, 0, 0, 0))))
        for k in sorted(built)
        if built[k] != tuple(expected.get(k, (0, 0, 0, 0)))
    }
    assert not differ, f"(mart, truth) fcr and repeat parts differ: {differ}"


#: The fairness definition's tolerance and minimum volume come from the registry seed, read by both
#: sides like the rate card; the 1.96 critical value is the DECISIONLOG's.
REGISTRY = PROJECT_ROOT / "seeds" / "registry" / "metric_registry.csv"
Z_CRITICAL = 1.96


def _fairness_definition() -> tuple[float, int]:
    with REGISTRY.open(newline="") as handle:
        [row] = [
            r
            for r in csv.DictReader(handle)
            if r["metric_id"] == "outcome_fairness_gap" and r["status"] == "active"
        ]
    return float(row["threshold"]), int(row["minimum_volume"])


def truth_fairness(warehouse: BuiltWarehouse) -> dict[Key, tuple[str, float | None]]:
    """(month, metric_id, dimension, group) -> (status, gap), judged from the truth's group parts
    with the DECISIONLOG "Fairness" rule: each group against all other customers that month."""
    tolerance, minimum_volume = _fairness_definition()
    truth = _truth_groups(warehouse)
    totals: dict[tuple[str, str, str], list[int]] = {}
    for (month, metric_id, dimension, _), (num, den) in truth.items():
        total = totals.setdefault((month, metric_id, dimension), [0, 0])
        total[0] += num
        total[1] += den
    out: dict[Key, tuple[str, float | None]] = {}
    for key, (num, den) in truth.items():
        total_num, total_den = totals[key[:3]]
        rest_num, rest_den = total_num - num, total_den - den
        rate = num / den if den else None
        rest_rate = rest_num / rest_den if rest_den else None
        gap = rate - rest_rate if rate is not None and rest_rate is not None else None
        z = None
        if den and rest_den:
            pooled = (num + rest_num) / (den + rest_den)
            if 0 < pooled < 1 and gap is not None:
                z = gap / math.sqrt(pooled * (1 - pooled) * (1.0 / den + 1.0 / rest_den))
        if den < minimum_volume or rest_den < minimum_volume:
            status = "insufficient_volume"
        elif gap is not None and abs(gap) <= tolerance:
            status = "within_tolerance"
        elif z is not None and abs(z) >= Z_CRITICAL:
            status = "gap_exceeds_tolerance"
        else:
            status = "gap_not_significant"
        out[key] = (status, gap)
    return out


def truth_fairness_board(warehouse: BuiltWarehouse) -> dict[str, tuple[int, int, float | None]]:
    """Month -> (groups out of tolerance, groups judged, largest absolute gap among the judged),
    the board's fairness figures, from the truth."""
    board: dict[str, list] = {}
    for (month, *_), (status, gap) in truth_fairness(warehouse).items():
        row = board.setdefault(month, [0, 0, None])
        if status == "insufficient_volume":
            continue
        row[0] += status == "gap_exceeds_tolerance"
        row[1] += 1
        if gap is not None and (row[2] is None or abs(gap) > row[2]):
            row[2] = abs(gap)
    return {month: (row[0], row[1], row[2]) for month, row in board.items()}


def test_fairness_status_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    """Every group's status and gap, judged in Python from the truth's parts."""
    truth = truth_fairness(built_warehouse)
    rows = _query(
        built_warehouse,
        """
        select strftime(outcome_month, '%Y-%m'), metric_id, dimension, customer_group,
               fairness_status, rate_gap
        from marts_risk.fct_outcome_fairness_monthly
        """,
    )
    built = {(m, metric, dim, group): (status, gap) for m, metric, dim, group, status, gap in rows}
    assert set(built) == set(truth)
    status_differ = {k: (built[k][0], truth[k][0]) for k in truth if built[k][0] != truth[k][0]}
    assert not status_differ, f"(mart, truth) status: {dict(list(status_differ.items())[:20])}"
    for key, (_, gap) in truth.items():
        if gap is None:
            assert built[key][1] is None, key
        else:
            assert built[key][1] == pytest.approx(gap, abs=1e-12), key
    assert any(status != "insufficient_volume" for status, _ in truth.values()), (
        "the CI world must judge some fairness gaps"
    )


def test_fairness_board_figures_equal_truth(built_warehouse: BuiltWarehouse) -> None:
    """The board's monthly figures (groups out of tolerance, groups judged, largest judged gap)
    from the mart, as the semantic layer's fairness measures define them, equal the truth's."""
    rows = _query(
        built_warehouse,
        """
        select
            strftime(outcome_month, '%Y-%m'),
            sum(case when fairness_status = 'gap_exceeds_tolerance' then 1 else 0 end),
            sum(case when fairness_status <> 'insufficient_volume' then 1 else 0 end),
            max(case when fairness_status <> 'insufficient_volume' then abs(rate_gap) end)
        from marts_risk.fct_outcome_fairness_monthly
        group by 1
        """,
    )
    built = {month: (int(out), int(judged), gap) for month, out, judged, gap in rows}
    truth = truth_fairness_board(built_warehouse)
    assert set(built) == set(truth)
    for month, (out, judged, gap) in truth.items():
        assert built[month][:2] == (out, judged), month
        if gap is None:
            assert built[month][2] is None, month
        else:
            assert built[month][2] == pytest.approx(gap, abs=1e-12), month
