"""The warehouse's experiments against the simulation: the same assignment, the same episodes in
every unit and period, and effect sizes computed from those parts as fct_experiment_effects says."""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import pytest

from service_outcomes.generate.experiments import read_experiments, unit_hash

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e


def _rows(warehouse: BuiltWarehouse, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_warehouse_assigns_every_unit_as_the_simulation_does(
    built_warehouse: BuiltWarehouse,
) -> None:
    """The dbt macro experiment_unit_hash and the Python rule give the same digest and arm."""
    warehouse = {
        (e, u): (h, t)
        for e, u, h, t in _rows(
            built_warehouse,
            "select experiment_id, unit_id, assignment_hash, is_treated "
            "from marts_decisions.dim_experiment_units",
        )
    }
    simulation = {
        (e.experiment_id, u.unit_id): (unit_hash(e.assignment_salt, u.unit_id), treated)
        for e in read_experiments()
        for u in e.units
        for unit_id, treated in e.assignment().items()
        if unit_id == u.unit_id
    }
    assert warehouse == simulation


def test_every_cell_holds_the_simulated_episodes(built_warehouse: BuiltWarehouse) -> None:
    truth = json.loads((built_warehouse.truth / "experiments.json").read_text(encoding="utf-8"))
    expected = {
        (experiment_id, unit_id, period): (cell["numerator"], cell["denominator"])
        for experiment_id, experiment in truth.items()
        for unit_id, unit in experiment["units"].items()
        for period, cell in unit.items()
        if period in ("pre", "post")
    }
    actual = {
        (e, u, p): (n, d)
        for e, u, p, n, d in _rows(
            built_warehouse,
            "select experiment_id, unit_id, period, sum(fcr_numerator), sum(fcr_denominator) "
            "from marts_decisions.fct_experiment_cells group by all",
        )
    }
    assert actual == expected
    assert sum(d for _, d in actual.values()) > 500, "the experiments hold the CI world's episodes"


def test_difference_in_differences_is_the_two_by_two_of_the_cells(
    built_warehouse: BuiltWarehouse,
) -> None:
    """Recomputed here from the cells: (treated post - pre) - (control post - pre), its binomial
    standard error, and the normal interval."""
    cells = {
        (arm, period): (n, d)
        for arm, period, n, d in _rows(
            built_warehouse,
            "select arm, period, sum(fcr_numerator), sum(fcr_denominator) "
            "from marts_decisions.fct_experiment_cells "
            "where experiment_id = 'otp_authentication_2026' group by all",
        )
    }
    rate = {k: n / d for k, (n, d) in cells.items()}
    estimate = (rate["treated", "post"] - rate["treated", "pre"]) - (
        rate["control", "post"] - rate["control", "pre"]
    )
    se = math.sqrt(sum(rate[k] * (1 - rate[k]) / cells[k][1] for k in cells))
    [(effect, error, lower, upper, status)] = _rows(
        built_warehouse,
        "select effect_estimate, standard_error, ci_lower, ci_upper, pre_trend_status "
        "from marts_decisions.fct_experiment_effects "
        "where experiment_id = 'otp_authentication_2026'",
    )
    assert effect == pytest.approx(estimate, abs=1e-12)
    assert error == pytest.approx(se, rel=1e-9)
    assert (lower, upper) == pytest.approx((estimate - 1.959964 * se, estimate + 1.959964 * se))
    assert status in ("parallel", "diverging")


def test_randomised_estimate_is_the_stratified_difference(built_warehouse: BuiltWarehouse) -> None:
    rows = _rows(
        built_warehouse,
        "select stratum, arm, unit_id, sum(fcr_numerator), sum(fcr_denominator) "
        "from marts_decisions.fct_experiment_cells "
        "where experiment_id = 'kb_article_fix_2026' and period = 'post' group by all",
    )
    strata: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for stratum, arm, _, n, d in rows:
        strata.setdefault(stratum, {}).setdefault(arm, []).append((n, d))
    usable = {s: arms for s, arms in strata.items() if all(len(arms.get(a, [])) >= 2
              for a in ("treated", "control"))}  # fmt: skip
    total = sum(d for arms in usable.values() for units in arms.values() for _, d in units)
    estimate = 0.0
    for arms in usable.values():
        weight = sum(d for units in arms.values() for _, d in units) / total
        rates = {a: sum(n for n, _ in u) / sum(d for _, d in u) for a, u in arms.items()}
        estimate += weight * (rates["treated"] - rates["control"])
    [(effect, used, method, lower, upper)] = _rows(
        built_warehouse,
        "select effect_estimate, strata_used, variance_method, ci_lower, ci_upper "
        "from marts_decisions.fct_experiment_effects where experiment_id = 'kb_article_fix_2026'",
    )
    assert used == len(usable) and method == "cluster_robust_satterthwaite"
    assert effect == pytest.approx(estimate, abs=1e-12)
    assert lower < effect < upper


def test_every_post_period_need_has_both_potential_outcomes(
    built_warehouse: BuiltWarehouse,
) -> None:
    """The true effect averages over every need its estimand covers: every post-period need of a
    randomised experiment, every post-period need of a treated unit otherwise."""
    truth = json.loads((built_warehouse.truth / "experiments.json").read_text(encoding="utf-8"))
    for experiment_id, experiment in truth.items():
        randomised = experiment["design"] == "randomised"
        for unit_id, unit in experiment["units"].items():
            post = unit.get("post")
            if post is None or not (randomised or unit["treated"]):
                continue
            assert post["needs_without_replay"] == 0, (experiment_id, unit_id)
            assert post["needs_with_both_outcomes"] == post["denominator"], (experiment_id, unit_id)
        assert experiment["true_effect"] is not None
