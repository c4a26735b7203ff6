"""Benchmark stage "daily delivery (incremental)": the cost of one more day of data.

After the benchmark's full build of a scale (and its tests and figure check), the same warehouse
file is rolled back to the day before the last delivery (the last delivery day's raw rows and
ledger rows removed) and rebuilt with ``--full-refresh``; this preparation is not timed. It works
in place rather than on a copy: at 10m a copy would need another 25 GB of disk. Then two stages
are timed like every other:

* **daily load** -- ``service-outcomes load`` of the whole landing folder, which checks and loads
  only the files of the last delivery day (every other file is in the ledger already);
* **daily build** -- ``dbt build`` of seeds, snapshots and models (no tests), the same command as
  the full ``dbt build`` stage, now incremental: the Connect staging model parses only the lines
  loaded since the previous run, and the contact- and episode-level models rebuild only the
  customers with new or changed data or with an outcome still inside its window.

The daily build uses the target folder of the preparation, so dbt parses the project partially
(only the files changed since; none, on the next morning), as a scheduled daily run does. An
untimed ``dbt parse`` between the daily load and build refreshes that state, so that edits made
to the project tree while the preparation ran (a shared development machine) are not timed as
part of the daily run. The daily build is printed as a share of the full build's time (issue 7
target: at most 10%), with the seconds each build spent starting and parsing (from its log,
"Running with dbt" to "Found ...") and the daily build's slowest nodes (its run_results.json).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from service_outcomes.bench import ScaleRun, Stage

#: The daily build may take at most this share of the full dbt build (issue 7).
TARGET_SHARE = 0.10
#: How many of the daily build's slowest nodes the report names.
SLOWEST_NODES = 8
_LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d)\s+(Running with dbt=|Found \d)")
DAILY_LOAD = "daily load"
DAILY_BUILD = "daily build"
DAILY_PARSE = "daily parse"

RunStage = Callable[[str, Sequence[str], Path, dict[str, str]], "Stage"]


def roll_back_last_delivery(database: Path) -> str:
    """Remove the last delivery day's rows from every raw table and the load ledger; return the
    day (ISO). The loader then sees that day's files as new, exactly as on the next morning."""
    with duckdb.connect(str(database)) as connection:
        row = connection.execute(
            "select max(delivery_date) from raw_meta.load_ledger where status = 'loaded'"
        ).fetchone()
        if row is None or row[0] is None:
            raise RuntimeError(f"{database}: nothing loaded")
        last_day = row[0]
        raw_tables = connection.execute(
            """
            select table_schema, table_name
            from information_schema.columns
            where table_schema like 'raw\\_%' escape '\\' and column_name = '_delivery_date'
            """
        ).fetchall()
        for schema, table in raw_tables:
            connection.execute(
                f'delete from "{schema}"."{table}" where _delivery_date = ?', [last_day]
            )
        connection.execute("delete from raw_meta.load_ledger where delivery_date = ?", [last_day])
        connection.execute("delete from raw_meta.quarantine where true")
    return str(last_day)


def run_daily_delivery(
    run: ScaleRun,
    folder: Path,
    env: dict[str, str],
    run_stage: RunStage,
    cli: str,
    dbt: str,
    dbt_paths: Sequence[str],
) -> None:
    """Prepare the day-before warehouse in ``folder/daily`` and time the daily load and build,
    appending both stages to ``run`` (``run.error`` set when one fails)."""
    daily = folder / "daily"
    if daily.exists():
        shutil.rmtree(daily)
    daily.mkdir()
    database = folder / "warehouse.duckdb"
    roll_back_last_delivery(database)
    daily_env = {**env, "SERVICE_OUTCOMES_DB": str(database.resolve())}
    paths = [*_replace_paths(dbt_paths, daily)]
    build = [dbt, "build", "--exclude-resource-type", "test", "unit_test", *paths]
    prepare = run_stage(
        "daily prepare", [*build, "--full-refresh"], daily / "prepare.log", daily_env
    )
    if not prepare.ok:
        run.error = f"daily prepare failed (exit {prepare.returncode}); see {prepare.log}"
        return
    load = [cli, "load", "--quiet", "--landing", str(folder / "landing"),
            "--quarantine", str(daily / "quarantine"), "--database", str(database)]  # fmt: skip
    # Untimed, between the load and the build: bring the partial-parse state up to date with the
    # project tree as it is now (see the module docstring).
    parse = [dbt, "parse", *paths]
    for name, command in (
        (DAILY_LOAD, load), (DAILY_PARSE, parse), (DAILY_BUILD, build)
    ):  # fmt: skip
        stage = run_stage(name, command, daily / f"{name.replace(' ', '_')}.log", daily_env)
        if name != DAILY_PARSE:
            run.stages.append(stage)
        if stage.returncode != 0:
            run.error = f"{name} failed (exit {stage.returncode}); see {stage.log}"
            return


def _replace_paths(dbt_paths: Sequence[str], daily: Path) -> list[str]:
    """The benchmark's dbt arguments with the target and log paths moved into ``daily``."""
    replaced = list(dbt_paths)
    for flag, sub in (("--target-path", "target"), ("--log-path", "logs")):
        if flag in replaced:
            replaced[replaced.index(flag) + 1] = str((daily / sub).resolve())
    return replaced


def parse_seconds(log: Path) -> float | None:
    """Seconds from dbt's "Running with dbt=" line to its "Found ..." line in a build log (start-up
    after the interpreter, profile and adapter, reading and parsing the project), to the second
    dbt's log shows; None when either line is missing."""
    if not log.exists():
        return None
    stamps: dict[str, dt.datetime] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LOG_LINE.match(line)
        if match and match.group(2)[:5] not in stamps:
            stamps[match.group(2)[:5]] = dt.datetime.strptime(match.group(1), "%H:%M:%S")
    if "Runni" not in stamps or "Found" not in stamps:
        return None
    return (stamps["Found"] - stamps["Runni"]).total_seconds() % 86_400


def slowest_nodes(run_results: Path, count: int = SLOWEST_NODES) -> list[tuple[str, float]]:
    """The ``count`` slowest nodes of a dbt run_results.json (name, seconds), slowest first."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    timed = [
        (str(result["unique_id"]).split(".")[-1], float(result.get("execution_time") or 0.0))
        for result in results
    ]
    return sorted(timed, key=lambda item: item[1], reverse=True)[:count]


def format_daily_share(run: ScaleRun) -> str | None:
    """The daily build as a share of the full build, or None when either is missing."""
    full, daily, load = run.stage("dbt build"), run.stage(DAILY_BUILD), run.stage(DAILY_LOAD)
    if full is None or daily is None or not full.seconds:
        return None
    share = daily.seconds / full.seconds
    verdict = "within" if share <= TARGET_SHARE else "over"
    loaded = f"; its check + load {load.seconds:.1f} s" if load is not None else ""
    lines = [
        f"  daily delivery (incremental): dbt build {daily.seconds:.1f} s = {share:.0%} of the "
        f"full dbt build ({verdict} the {TARGET_SHARE:.0%} target){loaded}"
    ]
    full_parse, daily_parse = parse_seconds(full.log), parse_seconds(daily.log)
    if full_parse is not None and daily_parse is not None:
        lines.append(
            f"    start-up and parse: full build {full_parse:.0f} s (full parse), "
            f"daily build {daily_parse:.0f} s (partial parse)"
        )
    slowest = slowest_nodes(daily.log.parent / "target" / "run_results.json")
    if slowest:
        lines.append(
            "    daily build's slowest nodes: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
        )
    return "\n".join(lines)


def enabled() -> bool:
    """The stage runs unless ``SERVICE_OUTCOMES_BENCH_DAILY=0``."""
    return os.environ.get("SERVICE_OUTCOMES_BENCH_DAILY", "1").lower() not in {"0", "false", "no"}
