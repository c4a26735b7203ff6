"""The experiment register and the rule that assigns its units, on the simulation's side."""

from __future__ import annotations

import filecmp
import hashlib
from datetime import date
from pathlib import Path

import pytest

from service_outcomes.generate import SCALES, generate
from service_outcomes.generate import experiments as exp
from service_outcomes.generate.truth import experiments as truth_experiments


def _experiment(
    units: tuple[exp.Unit, ...], rule: str = "hash_rank_within_stratum"
) -> exp.Experiment:
    return exp.Experiment(
        experiment_id="x",
        design="randomised",
        driver_metric_id="knowledge_accuracy",
        outcome_metric_id="first_contact_resolution",
        assignment_rule=rule,
        assignment_salt="salt-1",
        treated_share=0.5,
        pre_period_start=date(2026, 3, 2),
        start_date=date(2026, 3, 16),
        end_date=date(2026, 4, 30),
        units=units,
    )


def test_unit_hash_is_md5_of_salt_and_unit() -> None:
    assert exp.unit_hash("s", "billing:uk") == hashlib.md5(b"s:billing:uk").hexdigest()
    assert len(exp.unit_hash("", "uk")) == 32


def test_hash_rule_treats_the_units_whose_digests_sort_first_in_each_stratum() -> None:
    units = tuple(
        exp.Unit(f"{q}:{r}", q, q, r, None) for q in ("a", "b") for r in ("uk", "de", "us_east")
    )
    assignment = _experiment(units).assignment()
    for stratum in ("a", "b"):
        members = sorted(
            (u for u in units if u.stratum == stratum),
            key=lambda u: exp.unit_hash("salt-1", u.unit_id),
        )
        # floor(3 x 0.5) = 1 treated unit per stratum: the first digest
        assert [assignment[u.unit_id] for u in members] == [True, False, False]


def test_policy_decision_takes_the_registered_choice() -> None:
    units = (exp.Unit("uk", "", "", "uk", True), exp.Unit("de", "", "", "de", False))
    assert _experiment(units, "policy_decision").assignment() == {"uk": True, "de": False}


def test_the_register_is_readable_and_balanced() -> None:
    register = {e.experiment_id: e for e in exp.read_experiments()}
    kb = register["kb_article_fix_2026"]
    treated = [u for u, t in kb.assignment().items() if t]
    assert len(kb.units) == 24 and len(treated) == 12
    for stratum in {u.stratum for u in kb.units}:
        assert sum(u.split(":")[0] == stratum for u in treated) == 2
    assert kb.unit_of("uk", "billing") == "billing:uk"
    otp = register["otp_authentication_2026"]
    assert otp.unit_of("de", "complaint") == "de"
    assert otp.window_start < otp.start < otp.window_end


def test_replays_leave_the_simulated_world_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A need replayed for its counterfactual restores every stream and counter: the exports are
    byte for byte those of the same world simulated with no replay at all."""
    config = SCALES["ci"].with_(customers=300, seed=5)
    generate(config, tmp_path / "a" / "landing", tmp_path / "a" / "truth", progress=False)
    truth = (tmp_path / "a" / "truth" / "experiments.json").read_text(encoding="utf-8")
    assert '"true_effect": null' not in truth
    monkeypatch.setattr(exp.SimulatedChanges, "replays", lambda self, *args: [])
    monkeypatch.setattr(truth_experiments.ExperimentTally, "add", lambda self, parts: None)
    generate(config, tmp_path / "b" / "landing", tmp_path / "b" / "truth", progress=False)
    left, right = tmp_path / "a" / "landing", tmp_path / "b" / "landing"
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(left, right, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors, mismatch[:5]


def test_the_changes_act_only_in_treated_units_from_the_start() -> None:
    changes = exp.SimulatedChanges(exp.read_experiments())
    kb = next(e for e in exp.read_experiments() if e.experiment_id == "kb_article_fix_2026")
    assignment = kb.assignment()
    treated = next(u for u in kb.units if assignment[u.unit_id])
    control = next(u for u in kb.units if not assignment[u.unit_id])
    assert changes.article_fixed(treated.region, treated.intent, kb.start)
    assert not changes.article_fixed(treated.region, treated.intent, kb.start - 1)
    assert not changes.article_fixed(control.region, control.intent, kb.start)
    changes.flipped = kb.experiment_id
    assert changes.article_fixed(control.region, control.intent, kb.start)
    assert not changes.article_fixed(treated.region, treated.intent, kb.start)
    changes.flipped = None
    otp = next(e for e in exp.read_experiments() if e.design == "difference_in_differences")
    assert changes.auth_fail_factor("uk", "billing", otp.start) == exp.OTP_FAIL_FACTOR
    assert changes.auth_fail_factor("us_east", "billing", otp.start) == 1.0
