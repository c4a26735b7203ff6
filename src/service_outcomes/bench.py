"""Benchmark: generate, check + load and build the warehouse at named scales, against a baseline.

For each scale the benchmark works in its own folder ``<root>/<scale>/`` (landing, truth,
quarantine, ``warehouse.duckdb``, dbt ``target`` and ``logs``), which it empties first so every
stage does its full work. Each stage runs as a child process:

* **generate** -- ``service-outcomes generate --scale <scale>``;
* **check + load** -- ``service-outcomes load`` (contract checks and load, both in DuckDB);
* **baseline** -- :data:`BASELINE_SQL`, a hand-written DuckDB query computing the four headline
  outcomes straight from the raw tables, run by ``python -m service_outcomes.bench``;
* **dbt build** -- ``dbt build`` of seeds, snapshots and models (no tests) with its own
  ``--target-path`` and ``--log-path``, in two invocations timed apart: first the *headline
  path* (:data:`HEADLINE_SELECTION`: the models the four headline outcomes are read from and
  everything upstream of them, which is what the baseline computes), then the rest of the
  project. The full build's time is the sum of the two;
* **dbt tests** -- ``dbt test``: every data test and unit test, timed on its own.

Measured per stage: wall time (``time.perf_counter`` around the child, interpreter start-up
included), rows per second and peak RSS. *Rows* are the Amazon Connect contact-record versions
delivered (``raw_amazon_connect.contact_records`` after the load, duplicates and updated versions
included), the same count for every stage so stages and scales compare. *Peak RSS* is the
larger of the ``ru_maxrss`` that ``os.wait4`` returns for the stage's child (the largest single
process of its tree) and the largest sum of the resident sets of the whole tree, sampled every
tenth of a second (:mod:`service_outcomes.process_memory`), so work spread over several
processes at once is counted in full.

The baseline and the marts must give the same numerators and denominators of first contact
resolution, repeat contact rate, mean resolution time and CSAT; a mismatch is printed with both
values and makes the run exit non-zero.

After the scales, the issue's targets are judged (``format_targets``): ``dbt build`` of the 10m
scale under five minutes (measured when 10m ran, otherwise projected from the cost slope between
the two largest scales and marked as projected), every stage under 6 GiB peak RSS, the headline
path of ``dbt build`` within 1.5x the baseline at every scale (the whole build's multiple is
printed beside it: it also builds every other lens, the audit and the board), and the
generator's and the loader's peak RSS flat with scale (at most 1.5x while the data grows about
tenfold). The machine's load average is printed
beside the timings: on a shared machine they are taken under whatever else runs.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from service_outcomes import bench_incremental
from service_outcomes.memory import build_memory_limit, limit_memory
from service_outcomes.process_memory import TreeMemorySampler

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_ROOT / "seeds"
BASELINE_SQL = Path(__file__).with_name("bench_baseline.sql")
BIN = Path(sys.executable).parent
#: The dbt build may take at most this multiple of the baseline's time (issue 7).
TARGET_RATIO = 1.5
#: The dbt build of the 10m scale must finish within this many seconds (issue 7).
TARGET_BUILD_SECONDS_10M = 300.0
#: No stage may use more resident memory than this (issue 7).
TARGET_PEAK_RSS_BYTES = 6 * 2**30
#: "Flat" memory: peak RSS may grow at most by this factor from one scale to the next.
FLAT_RSS_GROWTH = 1.5
#: Stages that must stream (issue 7, "streaming-sized memory").
STREAMING_STAGES = ("generate", "check + load")
#: The models the four headline outcomes are read from (``service-outcomes report`` and
#: :data:`MART_CSAT_SQL`); with their ancestors, the part of the build the baseline computes.
HEADLINE_SELECTION = ("+fct_episode_outcomes", "+fct_contact_outcomes", "+fct_survey_responses")
BUILD = "dbt build"
BUILD_HEADLINE = "dbt build: headline"
BUILD_REST = "dbt build: rest"

MART_CSAT_SQL = """
select
    cast(coalesce(sum(csat_top_two_box), 0) as bigint) as csat_top_two_box,
    cast(coalesce(sum(csat_answered), 0) as bigint) as csat_answered
from marts_customer.fct_survey_responses
"""


@dataclass(frozen=True)
class Figures:
    """The parts of the four headline customer outcomes."""

    fcr_numerator: int
    fcr_denominator: int
    repeat_numerator: int
    repeat_denominator: int
    resolved_episodes: int
    resolution_seconds: int
    csat_top_two_box: int
    csat_answered: int

    def headline(self) -> dict[str, tuple[int, int]]:
        """Each headline figure as (numerator, denominator)."""
        return {
            "first contact resolution": (self.fcr_numerator, self.fcr_denominator),
            "repeat contact rate": (self.repeat_numerator, self.repeat_denominator),
            "resolution time (mean)": (self.resolution_seconds, self.resolved_episodes),
            "CSAT (top-two-box)": (self.csat_top_two_box, self.csat_answered),
        }


@dataclass(frozen=True)
class Comparison:
    """One headline figure from the baseline and from the marts."""

    name: str
    baseline: tuple[int, int]
    marts: tuple[int, int]

    @property
    def matches(self) -> bool:
        return self.baseline == self.marts


@dataclass(frozen=True)
class Stage:
    """One measured stage."""

    name: str
    seconds: float
    peak_rss_bytes: int
    returncode: int
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class ScaleRun:
    """Everything measured at one scale."""

    scale: str
    contact_records: int = 0
    stages: list[Stage] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    error: str | None = None
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at start and end

    def stage(self, name: str) -> Stage | None:
        """The stage called ``name``; "dbt build" is the sum of its two parts once both ran."""
        found = next((stage for stage in self.stages if stage.name == name), None)
        if found is not None or name != BUILD:
            return found
        headline, rest = self.stage(BUILD_HEADLINE), self.stage(BUILD_REST)
        if headline is None or rest is None:
            return None
        return Stage(
            BUILD,
            headline.seconds + rest.seconds,
            max(headline.peak_rss_bytes, rest.peak_rss_bytes),
            headline.returncode or rest.returncode,
            headline.log,  # the first invocation: it parses the project in full
        )

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and all(stage.ok for stage in self.stages)
            and bool(self.comparisons)
            and all(comparison.matches for comparison in self.comparisons)
        )


def parse_scales(values: Sequence[str], known: Sequence[str]) -> list[str]:
    """Scales from arguments that may each hold several names (spaces or commas), in order,
    without repeats; raise ValueError for an unknown name."""
    scales: list[str] = []
    for value in values:
        for name in value.replace(",", " ").split():
            if name not in known:
                raise ValueError(f"unknown scale {name!r}; choose from {', '.join(known)}")
            if name not in scales:
                scales.append(name)
    if not scales:
        raise ValueError("no scale given")
    return scales


def baseline_sql(seeds: Path = SEEDS) -> str:
    """The baseline query with the reference CSV folder filled in."""
    return BASELINE_SQL.read_text(encoding="utf-8").replace("$SEEDS", seeds.as_posix())


def _figures(cursor: duckdb.DuckDBPyConnection) -> Figures:
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the query returned no row")
    names = [column[0] for column in cursor.description]
    values = {name: int(value or 0) for name, value in zip(names, row, strict=True)}
    return Figures(**{name: values[name] for name in Figures.__dataclass_fields__})


def baseline_figures(database: Path, seeds: Path = SEEDS) -> Figures:
    """Run the baseline over the raw tables of a loaded warehouse file."""
    with duckdb.connect(str(database), read_only=True) as connection:
        limit_memory(connection, build_memory_limit())
        return _figures(connection.execute(baseline_sql(seeds)))


def mart_figures(database: Path) -> Figures:
    """The same parts read from the built marts (the headline of ``service-outcomes report``)."""
    from service_outcomes.report import read_headline

    headline = read_headline(database)
    with duckdb.connect(str(database), read_only=True) as connection:
        row = connection.execute(MART_CSAT_SQL).fetchone()
    top_two_box, answered = (int(row[0]), int(row[1])) if row else (0, 0)
    return Figures(
        fcr_numerator=headline.fcr_numerator,
        fcr_denominator=headline.fcr_denominator,
        repeat_numerator=headline.repeat_numerator,
        repeat_denominator=headline.repeat_denominator,
        resolved_episodes=headline.resolved_episodes,
        resolution_seconds=headline.resolution_seconds,
        csat_top_two_box=top_two_box,
        csat_answered=answered,
    )


def compare(baseline: Figures, marts: Figures) -> list[Comparison]:
    """Pair the four headline figures of the baseline and the marts."""
    marts_headline = marts.headline()
    return [
        Comparison(name, parts, marts_headline[name]) for name, parts in baseline.headline().items()
    ]


def run_stage(name: str, command: Sequence[str], log: Path, env: dict[str, str]) -> Stage:
    """Run one stage as a child process, its output to ``log``; time it and read its peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT
        )
        with TreeMemorySampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in kilobytes.
    peak = max(int(usage.ru_maxrss) * 1024, sampler.peak_bytes)
    return Stage(name, seconds, peak, process.returncode, log)


def _count_contact_records(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as connection:
        row = connection.execute(
            "select count(*) from raw_amazon_connect.contact_records"
        ).fetchone()
    return int(row[0]) if row else 0


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run_scale(scale: str, root: Path, seed: int = 42) -> ScaleRun:
    """Generate, check + load, run the baseline and build at one scale in ``root/scale``."""
    folder = root / scale
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database = folder / "warehouse.duckdb"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "SERVICE_OUTCOMES_DB": str(database.resolve()),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
    cli = str(BIN / "service-outcomes")
    baseline_out = folder / "baseline.json"
    dbt_paths = ["--no-use-colors", "--project-dir", str(PROJECT_ROOT),
                 "--target-path", str((folder / "target").resolve()),
                 "--log-path", str((folder / "logs").resolve())]  # fmt: skip
    stages: list[tuple[str, list[str]]] = [
        (
            "generate",
            [cli, "generate", "--scale", scale, "--seed", str(seed), "--quiet",
             "--landing", str(folder / "landing"), "--truth", str(folder / "truth")],
        ),
        (
            "check + load",
            [cli, "load", "--quiet", "--landing", str(folder / "landing"),
             "--quarantine", str(folder / "quarantine"), "--database", str(database)],
        ),
        (
            "baseline SQL",
            [sys.executable, "-m", "service_outcomes.bench", str(database), str(baseline_out)],
        ),
        (
            BUILD_HEADLINE,
            [str(BIN / "dbt"), "build", "--exclude-resource-type", "test", "unit_test",
             "--select", *HEADLINE_SELECTION, *dbt_paths],
        ),
        (
            BUILD_REST,
            [str(BIN / "dbt"), "build", "--exclude-resource-type", "test", "unit_test",
             "--exclude", *HEADLINE_SELECTION, *dbt_paths],
        ),
        ("dbt tests", [str(BIN / "dbt"), "test", *dbt_paths]),
    ]  # fmt: skip
    run = ScaleRun(scale)
    started_load = os.getloadavg()[0]
    for name, command in stages:
        _progress(f"{scale}: {name} ...")
        stage = run_stage(
            name, command, folder / f"{name.replace(' + ', '_').replace(' ', '_')}.log", env
        )
        run.stages.append(stage)
        _progress(f"{scale}: {name} {stage.seconds:.1f} s, exit {stage.returncode}")
        if not stage.ok:
            run.error = f"{name} failed (exit {stage.returncode}); see {stage.log}"
            return run
        if name == "check + load":
            run.contact_records = _count_contact_records(database)
    baseline = Figures(**json.loads(baseline_out.read_text(encoding="utf-8")))
    run.comparisons = compare(baseline, mart_figures(database))
    run.load_average = (started_load, os.getloadavg()[0])
    if bench_incremental.enabled():
        _progress(f"{scale}: daily delivery (incremental) ...")
        bench_incremental.run_daily_delivery(
            run, folder, env, run_stage, cli, str(BIN / "dbt"), dbt_paths
        )
    return run


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def _ratio_text(parts: tuple[int, int], seconds: bool) -> str:
    numerator, denominator = parts
    if not denominator:
        return f"n/a ({numerator:,} / 0)"
    value = numerator / denominator
    shown = f"{value / 3600:.2f} h" if seconds else f"{value:.2%}"
    return f"{shown} ({numerator:,} / {denominator:,})"


def format_run(run: ScaleRun) -> str:
    """The stage table of one scale, the build-to-baseline ratio and the figure check."""
    lines = [
        f"Scale {run.scale}: {run.contact_records:,} contact records "
        "(delivered Connect contact-record versions; rows/s below count these)",
        f"  {'stage':<20}{'wall time':>12}{'rows/s':>14}{'peak RSS':>14}",
    ]
    shown = list(run.stages)
    total = run.stage(BUILD)
    if total is not None and total not in shown:  # the sum of the two build invocations
        shown.insert(shown.index(run.stage(BUILD_REST)) + 1, total)  # type: ignore[arg-type]
    for stage in shown:
        rate = run.contact_records / stage.seconds if stage.seconds and run.contact_records else 0.0
        lines.append(
            f"  {stage.name:<20}{stage.seconds:>10.1f} s{rate:>14,.0f}"
            f"{_mib(stage.peak_rss_bytes):>14}"
            + ("" if stage.ok else f"   FAILED (exit {stage.returncode})")
        )
    daily_share = bench_incremental.format_daily_share(run)
    if daily_share:
        lines.append(daily_share)
    headline, build, baseline = _headline_build(run), run.stage(BUILD), run.stage("baseline SQL")
    if headline and build and baseline and baseline.seconds:
        ratio = headline.seconds / baseline.seconds
        verdict = "within" if ratio <= TARGET_RATIO else "over"
        lines.append(
            f"  {headline.name} / baseline SQL: {ratio:.1f}x ({verdict} the {TARGET_RATIO}x "
            f"target); the whole dbt build {build.seconds / baseline.seconds:.1f}x"
        )
    for comparison in run.comparisons:
        seconds = comparison.name.startswith("resolution time")
        status = "match   " if comparison.matches else "MISMATCH"
        lines.append(
            f"  {status} {comparison.name:<26} baseline {_ratio_text(comparison.baseline, seconds)}"
            f"   marts {_ratio_text(comparison.marts, seconds)}"
        )
    if run.error:
        lines.append(f"  error: {run.error}")
    if any(run.load_average):
        start, end = run.load_average
        lines.append(
            f"  machine load average (1 min) {start:.1f} at the start, {end:.1f} at the end "
            f"({os.cpu_count()} cores): timings include whatever else ran"
        )
    return "\n".join(lines)


def format_slopes(runs: Sequence[ScaleRun]) -> str:
    """Seconds per million contact records between consecutive scales, per stage and in total."""
    complete = [run for run in runs if run.error is None and run.contact_records]
    if len(complete) < 2:
        return ""
    names = [stage.name for stage in complete[0].stages]
    lines = ["Slope of cost against size (seconds per million contact records between scales)"]
    for smaller, larger in itertools.pairwise(complete):
        millions = (larger.contact_records - smaller.contact_records) / 1e6
        if millions <= 0:
            continue
        parts = []
        total = 0.0
        for name in names:
            small_stage, large_stage = smaller.stage(name), larger.stage(name)
            if small_stage is None or large_stage is None:
                continue
            delta = large_stage.seconds - small_stage.seconds
            total += delta
            parts.append(f"{name} {delta / millions:,.1f}")
        lines.append(
            f"  {smaller.scale} -> {larger.scale}: "
            + ", ".join(parts)
            + f"; all {total / millions:,.1f}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """One target of issue 7, judged on the runs."""

    target: str
    measured: str
    met: bool | None  # None: not enough runs to judge

    def line(self) -> str:
        status = "n/a    " if self.met is None else ("met    " if self.met else "NOT MET")
        return f"  {status} {self.target:<44} {self.measured}"


def _passed(runs: Sequence[ScaleRun], name: str) -> list[tuple[ScaleRun, Stage]]:
    """Each loaded scale's stage ``name`` where it ran and passed, smallest scale first: a target
    is judged on the stages it needs, so a later stage failing (a test) leaves it judged."""
    found = []
    for run in sorted(runs, key=lambda run: run.contact_records):
        stage = run.stage(name)
        if run.contact_records and stage is not None and stage.ok:
            found.append((run, stage))
    return found


def _headline_build(run: ScaleRun) -> Stage | None:
    """The build of the headline path, the like-for-like counterpart of the baseline; a run
    built in one invocation (no split) has only the whole build to offer."""
    return run.stage(BUILD_HEADLINE) or run.stage(BUILD)


def _build_10m(runs: Sequence[ScaleRun], customers: dict[str, int]) -> Verdict:
    target = f"dbt build of 10m under {TARGET_BUILD_SECONDS_10M / 60:.0f} min"
    complete = [run for run, _ in _passed(runs, "dbt build")]
    measured = next((run for run in complete if run.scale == "10m"), None)
    if measured is not None:
        seconds = measured.stage("dbt build").seconds  # type: ignore[union-attr]
        return Verdict(
            target, f"{seconds / 60:.1f} min measured", seconds < TARGET_BUILD_SECONDS_10M
        )
    if len(complete) < 2 or "10m" not in customers:
        return Verdict(target, "not measured; needs 10m or two smaller scales", None)
    smaller, larger = sorted(complete, key=lambda run: run.contact_records)[-2:]
    small_s = smaller.stage("dbt build").seconds  # type: ignore[union-attr]
    large_s = larger.stage("dbt build").seconds  # type: ignore[union-attr]
    per_record = (large_s - small_s) / (larger.contact_records - smaller.contact_records)
    records = larger.contact_records * customers["10m"] / customers[larger.scale]
    seconds = large_s + per_record * (records - larger.contact_records)
    return Verdict(
        target,
        f"{seconds / 60:.1f} min projected for ~{records / 1e6:.1f}M records "
        f"(slope {smaller.scale} -> {larger.scale}; not measured)",
        seconds < TARGET_BUILD_SECONDS_10M,
    )


def format_targets(runs: Sequence[ScaleRun], customers: dict[str, int]) -> str:
    """The issue's targets, each met, not met, or not judged, with what was measured."""
    verdicts = [_build_10m(runs, customers)]
    names = list(dict.fromkeys(stage.name for run in runs for stage in run.stages))
    stages = [pair for name in names for pair in _passed(runs, name)]
    failed = [
        f"{stage.name} at {run.scale}" for run in runs for stage in run.stages if not stage.ok
    ]
    if stages:
        run, stage = max(stages, key=lambda pair: pair[1].peak_rss_bytes)
        verdicts.append(
            Verdict(
                f"peak RSS under {TARGET_PEAK_RSS_BYTES / 2**30:.0f} GiB in every stage",
                f"largest {_mib(stage.peak_rss_bytes)} ({stage.name}, {run.scale})"
                + (f"; failed, not judged: {', '.join(failed)}" if failed else ""),
                stage.peak_rss_bytes < TARGET_PEAK_RSS_BYTES,
            )
        )
    baselines = {run.scale: stage for run, stage in _passed(runs, "baseline SQL")}
    ratios = [
        (run.scale, headline.seconds / baselines[run.scale].seconds, build.seconds)
        for run, build in _passed(runs, BUILD)
        if run.scale in baselines
        and baselines[run.scale].seconds
        and (headline := _headline_build(run)) is not None
    ]
    if ratios:
        verdicts.append(
            Verdict(
                f"headline path of dbt build within {TARGET_RATIO}x the baseline",
                ", ".join(
                    f"{scale} {ratio:.1f}x (whole build {seconds / baselines[scale].seconds:.1f}x)"
                    for scale, ratio, seconds in ratios
                ),
                all(ratio <= TARGET_RATIO for _, ratio, _ in ratios),
            )
        )
    for name in STREAMING_STAGES:
        peaks = [(run.scale, stage) for run, stage in _passed(runs, name)]
        target = f"{name} peak RSS flat with scale (<= {FLAT_RSS_GROWTH}x a step)"
        if len(peaks) < 2:
            verdicts.append(Verdict(target, "needs two scales", None))
            continue
        sizes = [stage.peak_rss_bytes for _, stage in peaks]
        growth = max(b / a for a, b in itertools.pairwise(sizes) if a)
        verdicts.append(
            Verdict(
                target,
                " -> ".join(
                    f"{scale} {_mib(size)}" for (scale, _), size in zip(peaks, sizes, strict=True)
                )
                + f" (largest step x{growth:.2f})",
                growth <= FLAT_RSS_GROWTH,
            )
        )
    return "\n".join(["Targets (issue 7)", *(verdict.line() for verdict in verdicts)])


def run_benchmark(scales: Sequence[str], root: Path, seed: int = 42) -> int:
    """Run every scale, print the tables (stdout) and return the exit status."""
    runs: list[ScaleRun] = []
    for scale in scales:
        run = run_scale(scale, root, seed)
        runs.append(run)
        print(format_run(run), flush=True)
        print(flush=True)
    slopes = format_slopes(runs)
    if slopes:
        print(slopes)
        print()
    from service_outcomes.generate import SCALES

    print(format_targets(runs, {name: config.customers for name, config in SCALES.items()}))
    return 0 if all(run.ok for run in runs) else 1


def _baseline_child(argv: Sequence[str]) -> int:
    """``python -m service_outcomes.bench DATABASE OUT.json``: the baseline stage's process."""
    database, out = Path(argv[0]), Path(argv[1])
    out.write_text(json.dumps(asdict(baseline_figures(database))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(_baseline_child(sys.argv[1:]))
