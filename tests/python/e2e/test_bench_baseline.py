"""The benchmark's hand-written baseline SQL gives the marts' headline figures on the CI warehouse,
and the benchmark's scale parsing, comparison and report formatting behave (no timings asserted)."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from service_outcomes.bench import (
    Comparison,
    Figures,
    ScaleRun,
    Stage,
    baseline_figures,
    compare,
    format_run,
    format_slopes,
    format_targets,
    mart_figures,
    parse_scales,
    run_stage,
)
from service_outcomes.generate import SCALES
from service_outcomes.report import read_headline

from .warehouse import BuiltWarehouse


def test_baseline_sql_equals_the_marts_headline(built_warehouse: BuiltWarehouse) -> None:
    baseline = baseline_figures(built_warehouse.database)
    headline = read_headline(built_warehouse.database)
    assert (baseline.fcr_numerator, baseline.fcr_denominator) == (
        headline.fcr_numerator,
        headline.fcr_denominator,
    )
    assert (baseline.repeat_numerator, baseline.repeat_denominator) == (
        headline.repeat_numerator,
        headline.repeat_denominator,
    )
    assert (baseline.resolution_seconds, baseline.resolved_episodes) == (
        headline.resolution_seconds,
        headline.resolved_episodes,
    )
    marts = mart_figures(built_warehouse.database)
    assert marts.fcr_numerator == headline.fcr_numerator
    assert (baseline.csat_top_two_box, baseline.csat_answered) == (
        marts.csat_top_two_box,
        marts.csat_answered,
    )
    # Not a comparison of zeros: the CI world has every kind of outcome.
    assert baseline.fcr_denominator > 0 and baseline.repeat_numerator > 0
    assert baseline.resolved_episodes > 0 and baseline.csat_answered > 0
    assert all(comparison.matches for comparison in compare(baseline, marts))


FIGURES = Figures(
    fcr_numerator=3,
    fcr_denominator=4,
    repeat_numerator=1,
    repeat_denominator=10,
    resolved_episodes=2,
    resolution_seconds=7200,
    csat_top_two_box=5,
    csat_answered=8,
)


def test_compare_flags_a_mismatch_with_both_values() -> None:
    comparisons = compare(FIGURES, replace(FIGURES, csat_answered=9))
    assert [comparison.matches for comparison in comparisons] == [True, True, True, False]
    assert comparisons[3] == Comparison("CSAT (top-two-box)", (5, 8), (5, 9))


def test_parse_scales_splits_orders_and_rejects_unknown_names() -> None:
    known = list(SCALES)
    assert "100k" in known
    assert parse_scales(["100k 1m", "1m,ci"], known) == ["100k", "1m", "ci"]
    with pytest.raises(ValueError, match="unknown scale"):
        parse_scales(["100k", "2m"], known)
    with pytest.raises(ValueError, match="no scale"):
        parse_scales([" "], known)


def _run(scale: str, records: int, seconds: float, *, matches: bool = True) -> ScaleRun:
    log = Path("unused.log")
    return ScaleRun(
        scale=scale,
        contact_records=records,
        stages=[
            Stage("generate", seconds, 100 * 2**20, 0, log),
            Stage("baseline SQL", seconds / 2, 50 * 2**20, 0, log),
            Stage("dbt build", seconds, 200 * 2**20, 0, log),
        ],
        comparisons=compare(FIGURES, FIGURES if matches else replace(FIGURES, fcr_numerator=2)),
    )


def test_format_run_prints_stages_ratio_and_the_figure_check() -> None:
    good, bad = _run("100k", 1_000_000, 10.0), _run("1m", 2_000_000, 30.0, matches=False)
    text = format_run(good)
    assert "1,000,000 contact records" in text
    assert "100,000" in text  # rows per second of a 10 s stage
    assert "200 MiB" in text
    assert "dbt build / baseline SQL: 2.0x (over the 1.5x target)" in text
    assert "match    first contact resolution" in text
    assert "75.00% (3 / 4)" in text and "1.00 h (7,200 / 2)" in text
    assert good.ok and not bad.ok
    assert "MISMATCH first contact resolution" in format_run(bad)


def test_format_slopes_between_consecutive_scales() -> None:
    assert format_slopes([_run("100k", 1_000_000, 10.0)]) == ""
    text = format_slopes([_run("100k", 1_000_000, 10.0), _run("1m", 3_000_000, 30.0)])
    # 20 s more over 2 million more records: 10 s per million (dbt build), 5 (baseline).
    assert "100k -> 1m: generate 10.0, baseline SQL 5.0, dbt build 10.0; all 25.0" in text


def test_run_stage_reports_exit_code_and_peak_rss_of_the_child(tmp_path: Path) -> None:
    allocate = "data = bytearray(64 * 2**20); data[::4096] = b'x' * len(data[::4096])"
    stage = run_stage(
        "allocate", [sys.executable, "-c", allocate], tmp_path / "a.log", dict(os.environ)
    )
    assert stage.ok and stage.peak_rss_bytes >= 64 * 2**20
    failed = run_stage(
        "fail", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "b.log", dict(os.environ)
    )
    assert failed.returncode == 3 and not failed.ok


def test_the_build_in_two_invocations_is_judged_on_its_headline_path() -> None:
    """The headline path is compared with the baseline; the whole build is the sum of both
    invocations, in the stage table and in the 10m target."""
    log = Path("unused.log")
    run = ScaleRun(
        scale="10m",
        contact_records=13_000_000,
        stages=[
            Stage("baseline SQL", 40.0, 3 * 2**30, 0, log),
            Stage("dbt build: headline", 50.0, 4 * 2**30, 0, log),
            Stage("dbt build: rest", 200.0, 5 * 2**30, 0, log),
        ],
        comparisons=compare(FIGURES, FIGURES),
    )
    whole = run.stage("dbt build")
    assert whole is not None and whole.seconds == 250.0 and whole.peak_rss_bytes == 5 * 2**30
    text = format_run(run)
    assert "dbt build: headline / baseline SQL: 1.2x (within the 1.5x target)" in text
    assert "the whole dbt build 6.2x" in text
    assert re.search(r"^  dbt build +250\.0 s +52,000 +5,120 MiB$", text, re.MULTILINE)
    targets = format_targets([run], {"10m": 1_450_000})
    assert "met     dbt build of 10m under 5 min" in targets and "4.2 min measured" in targets
    assert "10m 1.2x (whole build 6.2x)" in targets
    assert format_slopes([run]) == ""


def test_peak_rss_counts_every_process_of_the_stage(tmp_path: Path) -> None:
    """Two processes holding 96 MiB each at the same time: the peak is their sum, which the
    largest single process (ru_maxrss) would halve."""
    hold = (
        "import sys, time; data = bytearray(96 * 2**20); data[::4096] = b'x' * len(data[::4096]);"
        " time.sleep(1.5)"
    )
    both = (
        "import subprocess, sys; child = subprocess.Popen([sys.executable, '-c', sys.argv[1]]);"
        " exec(sys.argv[1]); child.wait()"
    )
    stage = run_stage(
        "two", [sys.executable, "-c", both, hold], tmp_path / "two.log", dict(os.environ)
    )
    assert stage.ok and stage.peak_rss_bytes >= 2 * 96 * 2**20


def test_targets_are_judged_on_the_stages_they_need_when_a_later_stage_fails() -> None:
    """The 10m run of the issue's benchmark: every stage passed but `dbt tests` (out of memory).
    Its build is still a measurement, never replaced by a projection from smaller scales."""
    names = ("generate", "check + load", "baseline SQL", "dbt build", "dbt tests")

    def run(
        scale: str, records: int, measured: list[tuple[float, int]], *, tests_ok: bool
    ) -> ScaleRun:
        stages = [
            Stage(name, seconds, mib * 2**20, 0 if tests_ok or name != "dbt tests" else 1,
                  Path(f"{name}.log"))
            for name, (seconds, mib) in zip(names, measured, strict=True)
        ]  # fmt: skip
        return ScaleRun(scale, records, stages, error=None if tests_ok else "dbt tests failed")

    small = run("1m", 1_308_954, [(107.1, 187), (98.7, 724), (14.6, 2788), (50.4, 4085),
                                  (46.9, 2054)], tests_ok=True)  # fmt: skip
    large = run("10m", 13_062_670, [(1143.4, 560), (798.1, 1151), (227.1, 4157), (579.5, 4490),
                                    (260.1, 4290)], tests_ok=False)  # fmt: skip
    text = format_targets([small, large], {"1m": 145_000, "10m": 1_450_000})
    build_line = next(line for line in text.splitlines() if "dbt build of 10m" in line)
    assert build_line.startswith("  NOT MET") and build_line.endswith("9.7 min measured")
    assert "projected" not in text
    assert "largest 4,490 MiB (dbt build, 10m); failed, not judged: dbt tests at 10m" in text
    assert "1m 3.5x (whole build 3.5x), 10m 2.6x (whole build 2.6x)" in text
    assert "1m 187 MiB -> 10m 560 MiB (largest step x2.99)" in text
