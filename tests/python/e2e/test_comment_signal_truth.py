"""The comment signal against the simulation's truth and an independent reading (CI data).

What the truth knows about comments. The generator writes a comment on some finished live
responses, in English, from a fixed set of templates chosen by the *sentiment of the CSAT score it
drew for that response*: 4-5 positive, 3 neutral, 1-2 negative (``generate/simulate.py``). The
truth files do not list comments or their sentiment; ``headline.json`` carries the survey counts
and the CSAT block of the live responses of non-test customers. So the truth sentiment of a comment
is the polarity of the CSAT score written beside it in the landed export, and the first test ties
those landed scores to the truth: the landed live responses reproduce the truth's survey counts
exactly. (A per-response truth file with the drawn sentiment would remove that step.)

Tolerances.

* Agreement with the truth sentiment: exact (tolerance 0). It is a census, not a sample (every
  comment is read and every comment's true sentiment is known), and the generator's vocabulary is
  closed: every comment it can write is one of its templates, and the independent reading below
  reads each landed comment with the lexicon. A single disagreement is therefore a warehouse
  defect (a comment joined to the wrong response or score, a phrase broken by masking or
  normalising), not lexicon error. Real comments will disagree; the registry's 0.15 tolerance in
  ``comment_signal_agreement`` is for that, and the calibration mart reports it.
* The comment signal as an estimate of the CSAT mix: within 3.29 binomial standard errors (99.9%,
  two-sided). Comments are written on a random subset of the responses (about 60% of finished
  ones, drawn independently of the score), so the share of comments read positive estimates the
  truth's top-two-box rate over every CSAT answer with sampling error only; with ~50 comments in
  the CI world that is about +-0.2.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from .warehouse import PROJECT_ROOT, BuiltWarehouse

pytestmark = pytest.mark.e2e

LEXICON = PROJECT_ROOT / "seeds" / "reference" / "comment_lexicon.csv"
REGISTRY = PROJECT_ROOT / "seeds" / "registry" / "metric_registry.csv"
#: Qualtrics statuses of real respondents (seed ``survey_status_vocabulary``; the generator
#: writes ``IP Address`` for every customer's response).
LIVE_STATUSES = {"IP Address", "Imported", "Offline"}
#: Two-sided 99.9% normal quantile: the sampling tolerance, in standard errors.
SAMPLING_Z = 3.29


@dataclass(frozen=True)
class LandedResponse:
    """One live response as the generator exported it (latest delivery of its ResponseId)."""

    response_id: str
    customer_id: str
    user_language: str
    csat: int | None
    effort: int | None
    recommend: int | None
    comment: str


@dataclass(frozen=True)
class Reading:
    """A comment read with the lexicon, independently of the warehouse's SQL."""

    trust: int
    emotion: int
    matched: int

    @property
    def score(self) -> int:
        return self.trust + self.emotion

    @property
    def polarity(self) -> str:
        return "positive" if self.score > 0 else ("negative" if self.score < 0 else "neutral")


def _int(text: str) -> int | None:
    return int(text) if text != "" else None


def csat_polarity(score: int) -> str:
    """The generator's comment sentiment for a CSAT score (and the warehouse's CSAT polarity)."""
    return "positive" if score >= 4 else ("negative" if score <= 2 else "neutral")


def _internal_test_customers(truth: Path) -> dict[str, bool]:
    with gzip.open(truth / "episodes.csv.gz", "rt", newline="") as handle:
        return {
            row["customer_id"]: row["is_internal_test"] == "true" for row in csv.DictReader(handle)
        }


def _customer_regions(truth: Path) -> dict[str, str]:
    with gzip.open(truth / "episodes.csv.gz", "rt", newline="") as handle:
        return {row["customer_id"]: row["region"] for row in csv.DictReader(handle)}


def landed_live_responses(warehouse: BuiltWarehouse) -> dict[str, LandedResponse]:
    """Live responses of non-test customers from the landed Qualtrics export (three header rows;
    a later delivery of the same ResponseId replaces an earlier one)."""
    is_test = _internal_test_customers(warehouse.truth)
    latest: dict[str, dict[str, str]] = {}
    files = sorted(
        (warehouse.landing / "qualtrics" / "survey_responses").glob("delivery_date=*/*.csv")
    )
    assert files, "no Qualtrics export landed"
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        for values in rows[3:]:
            row = dict(zip(header, values, strict=True))
            latest[row["ResponseId"]] = row
    return {
        response_id: LandedResponse(
            response_id=response_id,
            customer_id=row["sf_contact_id"],
            user_language=row["UserLanguage"].lower(),
            csat=_int(row["Q1"]),
            effort=_int(row["Q2"]),
            recommend=_int(row["Q3"]),
            comment=row["Q4"],
        )
        for response_id, row in latest.items()
        if row["Status"] in LIVE_STATUSES and is_test.get(row["sf_contact_id"]) is False
    }


def read_comment(comment: str, lexicon: list[tuple[str, int, str]]) -> Reading:
    """Whole-word phrase matching on the lower-cased comment: every listed phrase found adds its
    weight to its signal (a phrase is counted once however often it occurs)."""
    words = " " + " ".join(re.findall(r"[a-z0-9]+", comment.lower())) + " "
    trust = emotion = matched = 0
    for phrase, weight, signal in lexicon:
        if f" {phrase} " in words:
            matched += 1
            if signal == "trust":
                trust += weight
            elif signal == "emotion":
                emotion += weight
    return Reading(trust=trust, emotion=emotion, matched=matched)


def _lexicon() -> list[tuple[str, int, str]]:
    with LEXICON.open(newline="") as handle:
        return [
            (row["phrase"], int(row["weight"]), row["signal"]) for row in csv.DictReader(handle)
        ]


def _registry_row(metric_id: str) -> dict[str, str]:
    with REGISTRY.open(newline="") as handle:
        [row] = [
            r
            for r in csv.DictReader(handle)
            if r["metric_id"] == metric_id and r["status"] == "active"
        ]
    return row


def _query(warehouse: BuiltWarehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def landed(built_warehouse: BuiltWarehouse) -> dict[str, LandedResponse]:
    return landed_live_responses(built_warehouse)


@pytest.fixture(scope="module")
def commented(landed: dict[str, LandedResponse]) -> dict[str, LandedResponse]:
    return {k: v for k, v in landed.items() if v.comment}


@pytest.fixture(scope="module")
def signals(built_warehouse: BuiltWarehouse) -> dict[str, tuple]:
    rows = _query(
        built_warehouse,
        """
        select response_id, trust_score, emotion_score, comment_score, matched_phrase_count,
               comment_polarity, csat_score, csat_polarity, agrees_with_csat
        from marts_customer.fct_comment_signals
        """,
    )
    return {row[0]: row[1:] for row in rows}


def test_landed_scores_are_the_simulations(
    built_warehouse: BuiltWarehouse, landed: dict[str, LandedResponse]
) -> None:
    """The landed CSAT beside each comment is the score the simulation drew: the landed live
    responses reproduce the truth's survey block exactly."""
    head = json.loads((built_warehouse.truth / "headline.json").read_text())
    csat = [r.csat for r in landed.values() if r.csat is not None]
    effort = [r.effort for r in landed.values() if r.effort is not None]
    recommend = [r.recommend for r in landed.values() if r.recommend is not None]
    assert len(landed) == head["survey_responses"]["live_responses"]
    assert (len(csat), sum(s >= 4 for s in csat), sum(csat)) == (
        head["csat"]["answered"],
        head["csat"]["top_two_box"],
        head["csat"]["score_sum"],
    )
    assert (len(effort), sum(s >= 5 for s in effort), sum(effort)) == (
        head["effort"]["answered"],
        head["effort"]["easy"],
        head["effort"]["score_sum"],
    )
    assert (len(recommend), sum(s >= 9 for s in recommend), sum(s <= 6 for s in recommend)) == (
        head["nps"]["answered"],
        head["nps"]["promoters"],
        head["nps"]["detractors"],
    )


def test_every_commented_live_response_is_read_once(
    commented: dict[str, LandedResponse], signals: dict[str, tuple]
) -> None:
    assert len(commented) >= 30, "the CI world must carry enough comments to test the signal"
    assert set(signals) == set(commented), (
        f"read but not landed: {sorted(set(signals) - set(commented))[:10]}; "
        f"landed but not read: {sorted(set(commented) - set(signals))[:10]}"
    )


def test_comment_polarity_agrees_with_the_simulated_sentiment(
    built_warehouse: BuiltWarehouse, commented: dict[str, LandedResponse], signals: dict[str, tuple]
) -> None:
    """Exact: every comment is read with the sentiment the simulation wrote it with (see the
    module docstring for why the tolerance is 0), and the warehouse's agreement parts say so."""
    truth = {k: csat_polarity(v.csat) for k, v in commented.items() if v.csat is not None}
    assert len(truth) == len(commented), "a comment without a CSAT answer: the generator changed"
    disagree = {
        k: (signals[k][4], truth[k], commented[k].comment)
        for k in truth
        if signals[k][4] != truth[k]
    }
    assert not disagree, f"(read, true sentiment, comment): {list(disagree.values())[:10]}"
    assert {k: signals[k][5] for k in truth} == {k: v.csat for k, v in commented.items()}
    assert all(signals[k][7] == 1 for k in truth)

    [(agreeing, scored, rate)] = _query(
        built_warehouse,
        """
        select agreeing_comments, scored_comments, agreement_rate
        from marts_customer.fct_comment_signal_calibration
        where dimension = 'all'
        """,
    )
    truth_agreement = sum(signals[k][4] == truth[k] for k in truth) / len(truth)
    assert (agreeing, scored) == (len(truth), len(truth))
    assert rate == truth_agreement == 1.0


def test_comment_scores_equal_an_independent_lexicon_reading(
    commented: dict[str, LandedResponse], signals: dict[str, tuple]
) -> None:
    lexicon = _lexicon()
    expected = {}
    for response_id, response in commented.items():
        reading = read_comment(response.comment, lexicon)
        expected[response_id] = (
            reading.trust,
            reading.emotion,
            reading.score,
            reading.matched,
            reading.polarity,
        )
    built = {k: tuple(v[:5]) for k, v in signals.items()}
    differ = {
        k: (built[k], expected[k], commented[k].comment)
        for k in expected
        if built[k] != expected[k]
    }
    assert not differ, f"(warehouse, independent, comment): {list(differ.values())[:10]}"
    assert all(reading[3] > 0 for reading in expected.values()), (
        "every generated comment is written in the lexicon's words"
    )


def test_comment_signal_estimates_the_csat_mix_within_sampling_error(
    built_warehouse: BuiltWarehouse, signals: dict[str, tuple]
) -> None:
    """The share of comments read positive estimates the truth's CSAT top-two-box rate (comments
    are a random subset of the answers): tolerance 3.29 standard errors (module docstring)."""
    csat = json.loads((built_warehouse.truth / "headline.json").read_text())["csat"]
    true_rate = csat["top_two_box"] / csat["answered"]
    n = len(signals)
    read_positive = sum(v[4] == "positive" for v in signals.values()) / n
    tolerance = SAMPLING_Z * math.sqrt(true_rate * (1 - true_rate) / n)
    assert abs(read_positive - true_rate) <= tolerance, (read_positive, true_rate, tolerance)


def _pearson(pairs: list[tuple[int, int]]) -> float | None:
    """Sample Pearson correlation; None when undefined (fewer than two pairs or no variance)."""
    n = len(pairs)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    syy = sum((y - mean_y) ** 2 for _, y in pairs)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _undefined(value: float | None) -> bool:
    return value is None or math.isnan(value)


def test_calibration_equals_an_independent_computation(
    built_warehouse: BuiltWarehouse, commented: dict[str, LandedResponse]
) -> None:
    """Every row of fct_comment_signal_calibration, recomputed in Python from the landed comments
    and scores, the truth's customer regions and the customers' age bands (dim_customers, whose
    age bands test_group_truth ties to the truth)."""
    lexicon = _lexicon()
    definition = _registry_row("comment_signal_agreement")
    tolerance = float(definition["threshold"])
    minimum_volume = int(definition["minimum_volume"])
    regions = _customer_regions(built_warehouse.truth)
    age_bands = dict(
        _query(built_warehouse, "select customer_id, age_band from marts_customer.dim_customers")
    )

    # (dimension, group) -> [(comment score, polarity, csat)]
    groups: dict[tuple[str, str], list[tuple[int, str, int]]] = {}
    for response in commented.values():
        if response.csat is None:
            continue
        reading = read_comment(response.comment, lexicon)
        item = (reading.score, reading.polarity, response.csat)
        for key in (
            ("all", "all"),
            ("user_language", response.user_language or "unknown"),
            ("age_band", age_bands.get(response.customer_id) or "unknown"),
            ("region", regions.get(response.customer_id) or "unknown"),
        ):
            groups.setdefault(key, []).append(item)

    totals: dict[str, tuple[int, int]] = {}
    for (dimension, _), items in groups.items():
        scored, agreeing = totals.get(dimension, (0, 0))
        totals[dimension] = (
            scored + len(items),
            agreeing + sum(polarity == csat_polarity(c) for _, polarity, c in items),
        )

    expected = {}
    for (dimension, group), items in groups.items():
        scored = len(items)
        agreeing = sum(polarity == csat_polarity(c) for _, polarity, c in items)
        rest_scored = totals[dimension][0] - scored
        rest_agreeing = totals[dimension][1] - agreeing
        rate = agreeing / scored
        rest_rate = rest_agreeing / rest_scored if rest_scored else None
        if dimension == "all":
            status = "reference"
        elif scored < minimum_volume or rest_scored < minimum_volume:
            status = "insufficient_volume"
        elif rest_rate is not None and rate < rest_rate - tolerance:
            status = "reads_group_worse"
        else:
            status = "within_tolerance"
        expected[(dimension, group)] = {
            "scored_comments": scored,
            "agreeing_comments": agreeing,
            "agreement_rate": rate,
            "rest_agreement_rate": rest_rate,
            "mean_csat_when_negative": _mean([c for _, p, c in items if p == "negative"]),
            "mean_csat_when_neutral": _mean([c for _, p, c in items if p == "neutral"]),
            "mean_csat_when_positive": _mean([c for _, p, c in items if p == "positive"]),
            "score_correlation": _pearson([(s, c) for s, _, c in items]),
            "bias_status": status,
        }

    columns = list(next(iter(expected.values())))
    rows = _query(
        built_warehouse,
        f"select dimension, customer_group, {', '.join(columns)} "
        "from marts_customer.fct_comment_signal_calibration",
    )
    built = {(row[0], row[1]): dict(zip(columns, row[2:], strict=True)) for row in rows}
    assert set(built) == set(expected), sorted(set(built) ^ set(expected))
    for key, want in expected.items():
        got = built[key]
        for column, value in want.items():
            if isinstance(value, float) or column == "score_correlation" or value is None:
                if _undefined(value):
                    assert _undefined(got[column]), (key, column, got[column])
                else:
                    assert got[column] == pytest.approx(value, abs=1e-9), (key, column)
            else:
                assert got[column] == value, (key, column, got[column], value)
