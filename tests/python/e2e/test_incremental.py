"""Incremental runs give exactly the full build: the CI world delivered in three steps (a month,
one daily delivery, the rest with an updated version of an early contact record), each step
loaded and built incrementally, then the same raw data built again with ``--full-refresh``; every
mart (and every incremental intermediate model) must hold the same rows.

The steps cross the outcome windows on purpose: records delivered late and updated versions
(after-contact work, late case links) of contacts from an earlier step arrive in a later one,
episodes and repeat contacts span the step boundaries, and FCR maturity, resolution confirmation
and containment maturity move with the data horizon. See DECISIONLOG "Incremental runs".
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest

from service_outcomes import bench_incremental
from service_outcomes.bench import ScaleRun, Stage
from service_outcomes.generate import SCALES, generate
from service_outcomes.landing import load_landing

from .warehouse import PROJECT_ROOT, BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

CONNECT = Path("amazon_connect") / "contact_records"
#: The first step ends here; the next day is the daily delivery; the rest is the third step.
FIRST_STEP_LAST_DAY = dt.date(2026, 3, 31)
DAILY_DELIVERY = FIRST_STEP_LAST_DAY + dt.timedelta(days=1)
INCREMENTAL_MODELS = (
    ("staging", "stg_amazon_connect__contact_records"),
    ("intermediate", "int_contacts__chained"),
    ("intermediate", "int_episodes__sessionised"),
    ("intermediate", "int_episodes__resolved"),
    ("marts_customer", "fct_contact_outcomes"),
    ("marts_customer", "fct_episode_outcomes"),
)


@dataclass(frozen=True)
class IncrementalRun:
    """The incrementally built warehouse, its full-refresh twin and what was injected."""

    incremental: BuiltWarehouse
    full: BuiltWarehouse
    updated_contact_id: str
    new_intent: str


def _delivery_day(folder: Path) -> dt.date:
    return dt.date.fromisoformat(folder.name.removeprefix("delivery_date="))


def _copy_deliveries(source: Path, target: Path, first: dt.date, last: dt.date) -> int:
    """Copy every delivery_date=D folder of every feed with first <= D <= last; return the count."""
    copied = 0
    for folder in sorted(source.glob("*/*/delivery_date=*")):
        if first <= _delivery_day(folder) <= last:
            shutil.copytree(folder, target / folder.relative_to(source))
            copied += 1
    return copied


def _updated_version(landing: Path, last_day: dt.date) -> tuple[dict[str, object], str]:
    """An updated version of an early assisted first-leg contact record (the agent re-coded the
    intent after the call), stamped on the last delivery day so it supersedes every earlier one."""
    records = [
        json.loads(line)
        for path in sorted((landing / CONNECT).glob("delivery_date=2026-03-0*/*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    intents = sorted(
        {str(r["Attributes"]["intent"]) for r in records if r["Attributes"].get("intent")}
    )
    record = next(
        r
        for r in records
        if r.get("Agent") and r["InitialContactId"] is None
        and r["Attributes"].get("sf_contact_id") and r["Attributes"].get("intent")
    )  # fmt: skip
    new_intent = next(intent for intent in intents if intent != record["Attributes"]["intent"])
    record["Attributes"] = {**record["Attributes"], "intent": new_intent}
    record["LastUpdateTimestamp"] = f"{last_day.isoformat()}T12:00:00Z"
    return record, new_intent


def _load(warehouse: BuiltWarehouse) -> None:
    report = load_landing(
        warehouse.landing, warehouse.database, warehouse.quarantine, progress=False
    )
    assert report.files_quarantined == 0, "every delivery of the CI world passes its contract"


def build_in_steps(root: Path, project_dir: Path = PROJECT_ROOT) -> IncrementalRun:
    """Generate the CI world, deliver it in three steps with an incremental build after each, and
    build the same raw data again with --full-refresh. project_dir may be a linked copy of this
    project (as when the look-back is shortened to show that the comparison catches it)."""
    # The CI world in full (a second of work), delivered into the scratch landing step by step.
    world = root / "world"
    generate(SCALES["ci"], world, root / "truth", progress=False)
    warehouse = BuiltWarehouse(
        root=root,
        landing=root / "landing",
        truth=root / "truth",
        quarantine=root / "quarantine",
        database=root / "incremental.duckdb",
    )
    days = sorted({_delivery_day(f) for f in world.glob("*/*/delivery_date=*")})
    first_day, last_day = days[0], days[-1]
    no_tests = ("--exclude-resource-type", "test", "unit_test")

    # Step 1: the first month, built from empty.
    assert _copy_deliveries(world, warehouse.landing, first_day, FIRST_STEP_LAST_DAY)
    _load(warehouse)
    run_dbt(warehouse, "build", *no_tests, project_dir=project_dir)
    # Step 2: one daily delivery.
    assert _copy_deliveries(world, warehouse.landing, DAILY_DELIVERY, DAILY_DELIVERY)
    _load(warehouse)
    run_dbt(warehouse, "build", *no_tests, project_dir=project_dir)
    # Step 3: the rest, with an updated version of an early contact record; every data test runs
    # on the incrementally built warehouse.
    assert _copy_deliveries(
        world, warehouse.landing, DAILY_DELIVERY + dt.timedelta(days=1), last_day
    )
    record, new_intent = _updated_version(warehouse.landing, last_day)
    update = (
        warehouse.landing / CONNECT / f"delivery_date={last_day.isoformat()}"
        / f"contact_records-{last_day.isoformat()}-999.jsonl"
    )  # fmt: skip
    update.write_text(json.dumps(record) + "\n", encoding="utf-8")
    _load(warehouse)
    run_dbt(warehouse, "build", project_dir=project_dir)

    # The same raw data, built again from scratch.
    full = replace(warehouse, root=root / "full", database=root / "full.duckdb")
    full.root.mkdir()
    shutil.copy(warehouse.database, full.database)
    run_dbt(full, "build", "--full-refresh", *no_tests, project_dir=project_dir)
    return IncrementalRun(warehouse, full, str(record["ContactId"]), new_intent)


@pytest.fixture(scope="module")
def incremental_run(tmp_path_factory: pytest.TempPathFactory) -> IncrementalRun:
    return build_in_steps(tmp_path_factory.mktemp("incremental"))


def _tables(connection: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return [
        (str(schema), str(name))
        for schema, name in connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = ? and schema_name like 'marts_%' order by 1, 2",
            [database],
        ).fetchall()
    ]


def _comparable_columns(connection: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The select list of a relation with double-precision values to 9 significant digits: DuckDB
    sums doubles in parallel in no fixed order, so two builds of the same rows (full refresh or not)
    may differ in the last bits, as in the engine parity test."""
    columns = []
    for name, data_type, *_ in connection.execute(f"describe {relation}").fetchall():
        quoted = f'"{name}"'
        if str(data_type) in {"DOUBLE", "FLOAT"}:
            columns.append(f"printf('%.9g', source_rows.{quoted}) as {quoted}")
        else:
            columns.append(f"source_rows.{quoted}")
    return ", ".join(columns)


def _differences(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str
) -> tuple[int, int, int]:
    """(rows, rows only in the incremental build, rows only in the full build), as multisets."""
    incremental = f'incremental."{schema}"."{table}"'
    full = f'full_refresh."{schema}"."{table}"'
    columns = _comparable_columns(connection, incremental)
    if columns != _comparable_columns(connection, full):
        raise AssertionError(f"{schema}.{table}: the two builds have different columns")
    row = connection.execute(
        f"""
        with
        stepwise as (select {columns} from {incremental} as source_rows),
        refreshed as (select {columns} from {full} as source_rows)
        select
            (select count(*) from refreshed),
            (select count(*) from (select * from stepwise except all select * from refreshed)),
            (select count(*) from (select * from refreshed except all select * from stepwise))
        """
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


@pytest.fixture(scope="module")
def both(incremental_run: IncrementalRun) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        f"attach '{incremental_run.incremental.database}' as incremental (read_only)"
    )
    connection.execute(f"attach '{incremental_run.full.database}' as full_refresh (read_only)")
    yield connection
    connection.close()


def test_the_steps_carry_changes_to_earlier_records_across_them(
    incremental_run: IncrementalRun, both: duckdb.DuckDBPyConnection
) -> None:
    """The test means something only if later deliveries change what earlier ones built: contact
    record versions and case updates of earlier deliveries, episodes that span the steps, and the
    injected re-coded contact."""
    [(contacts, cases, episodes)] = both.execute(
        """
        with
        contact_versions as (
            select json_extract_string(record, '$.ContactId') as record_id, _delivery_date
            from incremental.raw_amazon_connect.contact_records
        ),
        case_versions as (
            select Id as record_id, _delivery_date from incremental.raw_salesforce.cases
        ),
        across as (
            select 'contact' as kind, record_id from contact_versions
            group by record_id having min(_delivery_date) <= $1 and max(_delivery_date) > $1
            union all
            select 'case', record_id from case_versions
            group by record_id having min(_delivery_date) <= $1 and max(_delivery_date) > $1
        )
        select
            count(case when kind = 'contact' then 1 end),
            count(case when kind = 'case' then 1 end),
            (select count(*) from incremental.marts_customer.fct_episode_outcomes
             where first_contact_at < $1 and last_contact_at >= $1 + interval 1 day)
        from across
        """,
        [FIRST_STEP_LAST_DAY],
    ).fetchall()
    assert contacts >= 2, "contact records updated or delivered late across the steps"
    assert cases >= 20, "cases updated (closed, reopened) after the step that created them"
    assert episodes >= 20, "episodes with chains on both sides of the first step"
    [(intent,)] = both.execute(
        "select intent from incremental.intermediate.int_contacts__chained "
        "where contact_chain_id = ?",
        [incremental_run.updated_contact_id],
    ).fetchall()
    assert intent == incremental_run.new_intent


def test_every_mart_equals_the_full_refresh_row_for_row(both: duckdb.DuckDBPyConnection) -> None:
    tables = _tables(both, "incremental")
    assert tables == _tables(both, "full_refresh")
    assert ("marts_customer", "fct_episode_outcomes") in tables
    differing = {}
    for schema, table in tables:
        rows, only_incremental, only_full = _differences(both, schema, table)
        if only_incremental or only_full:
            differing[f"{schema}.{table}"] = (rows, only_incremental, only_full)
    assert not differing, f"(rows, only incremental, only full refresh): {differing}"


@pytest.mark.parametrize(("schema", "table"), INCREMENTAL_MODELS)
def test_every_incremental_model_equals_the_full_refresh(
    both: duckdb.DuckDBPyConnection, schema: str, table: str
) -> None:
    rows, only_incremental, only_full = _differences(both, schema, table)
    assert rows > 0
    assert (only_incremental, only_full) == (0, 0)


# --- the benchmark's daily-delivery stage (no build needed) ---


def test_roll_back_removes_the_last_delivery_day_everywhere(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema raw_meta; create schema raw_feed")
        connection.execute(
            "create table raw_meta.load_ledger (source_file varchar, delivery_date date, "
            "status varchar)"
        )
        connection.execute("create table raw_meta.quarantine (source_file varchar)")
        connection.execute("create table raw_feed.rows (_delivery_date date, value integer)")
        connection.execute(
            "insert into raw_meta.load_ledger values ('a', date '2026-03-01', 'loaded'), "
            "('b', date '2026-03-02', 'loaded')"
        )
        connection.execute(
            "insert into raw_feed.rows values (date '2026-03-01', 1), (date '2026-03-02', 2)"
        )
    assert bench_incremental.roll_back_last_delivery(database) == "2026-03-02"
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute("select value from raw_feed.rows").fetchall() == [(1,)]
        assert connection.execute("select source_file from raw_meta.load_ledger").fetchall() == [
            ("a",)
        ]


def test_daily_share_is_printed_against_the_full_build(tmp_path: Path) -> None:
    def stage(name: str, seconds: float) -> Stage:
        return Stage(name, seconds, 0, 0, tmp_path / f"{name}.log")

    run = ScaleRun("100k", 1_000, [stage("dbt build", 40.0)])
    assert bench_incremental.format_daily_share(run) is None
    run.stages += [
        stage(bench_incremental.DAILY_LOAD, 3.0),
        stage(bench_incremental.DAILY_BUILD, 6.0),
    ]
    share = bench_incremental.format_daily_share(run)
    assert share is not None
    assert "dbt build 6.0 s = 15% of the full dbt build (over the 10% target)" in share
    assert "check + load 3.0 s" in share
    run.stages[-1] = stage(bench_incremental.DAILY_BUILD, 4.0)
    assert "10% of the full dbt build (within the 10% target)" in str(
        bench_incremental.format_daily_share(run)
    )


def test_parse_seconds_and_slowest_nodes_are_read_from_the_build(tmp_path: Path) -> None:
    log = tmp_path / "daily_build.log"
    log.write_text(
        "23:59:58  Running with dbt=1.11.16\n23:59:59  Registered adapter: duckdb=1.11.1\n"
        "00:00:02  Found 56 models, 21 seeds\n00:00:03  Found 1 more\n",
        encoding="utf-8",
    )
    assert bench_incremental.parse_seconds(log) == 4.0  # across midnight, first "Found" only
    assert bench_incremental.parse_seconds(tmp_path / "missing.log") is None
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.p.fast", "execution_time": 0.5},
                    {"unique_id": "model.p.slow", "execution_time": 9.0},
                    {"unique_id": "seed.p.middle", "execution_time": 2.0},
                ]
            }
        ),
        encoding="utf-8",
    )
    assert bench_incremental.slowest_nodes(results, 2) == [("slow", 9.0), ("middle", 2.0)]
