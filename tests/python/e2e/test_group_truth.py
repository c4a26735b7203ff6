"""The fairness and vulnerability marts' group parts equal the simulation's group truth (CI data).

The truth's ``groups`` block counts, from the simulation's own state, first contact resolution
(by the month of the need's first contact) and repeat contact (by the month of the chain's start)
per customer group of every dimension the fairness mart judges. A customer attribute read from the
wrong record, an age band off by a year, a vulnerability flag used without consent or a month
assigned from the wrong timestamp moves these parts.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from .warehouse import BuiltWarehouse

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
