"""Crash safety (kill -9 mid-load) and the one-load-at-a-time locks of load_landing."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from service_outcomes.landing import LoadLockedError, load_landing
from service_outcomes.landing.lock import load_lock, lock_path_for

from .warehouse_query import query_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CHILD_LOAD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from service_outcomes.landing import load_landing\n"
    "load_landing(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), progress=True)\n"
)
HEADER = ["Id", "CaseId", "Field", "OldValue", "NewValue", "CreatedDate", "CreatedById"]


def _many_files(landing: Path, files: int, rows: int) -> None:
    for f in range(files):
        day = f"2026-04-{f + 1:02d}"
        folder = landing / "salesforce/CaseHistory" / f"delivery_date={day}"
        folder.mkdir(parents=True)
        with (folder / f"CaseHistory-{day}.csv").open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow([*HEADER, "IsDeleted"])
            for i in range(rows):
                rid = f"017Hs{f:04d}{i:09d}"
                change = ("Status", "New", "Closed", "2026-04-01T10:00:00.000Z")
                out.writerow([rid, "500Hs0000000000001", *change, "005Hs0000000000001", "false"])


def _per_file(db: Path) -> list[tuple]:
    return query_rows(
        db,
        "select _source_file, count(*), count(distinct _source_row), max(_source_row) "
        "from raw_salesforce.case_history group by all order by 1",
    )


def test_kill_9_mid_load_then_rerun_matches_a_clean_load(tmp_path: Path) -> None:
    landing, db = tmp_path / "landing", tmp_path / "wh.duckdb"
    _many_files(landing, files=10, rows=400)
    clean_landing = tmp_path / "clean_landing"
    shutil.copytree(landing, clean_landing)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_LOAD, str(landing), str(db), str(tmp_path / "q")],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    loaded = 0
    for line in child.stderr:
        if ": loaded," in line:
            loaded += 1
            if loaded == 3:
                os.kill(child.pid, signal.SIGKILL)  # now busy with the 4th file
                break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    # Nothing partial: every file in the ledger is complete, no rows without a ledger row.
    ledger = dict(
        query_rows(
            db, "select source_file, row_count from raw_meta.load_ledger where status='loaded'"
        )
    )
    assert 3 <= len(ledger) < 10
    assert {f: n for f, n, _, _ in _per_file(db)} == ledger

    report = load_landing(landing, db, tmp_path / "q", progress=False)
    assert report.files_skipped_already_loaded == len(ledger)
    assert report.files_loaded == 10 - len(ledger)

    clean_db = tmp_path / "clean.duckdb"
    load_landing(clean_landing, clean_db, tmp_path / "q2", progress=False)
    assert _per_file(db) == _per_file(clean_db)
    assert _per_file(db) == [
        (
            f"salesforce/CaseHistory/delivery_date=2026-04-{f + 1:02d}"
            f"/CaseHistory-2026-04-{f + 1:02d}.csv",
            400,
            400,
            400,
        )
        for f in range(10)
    ]
    assert query_rows(db, "select count(*), count(distinct sha256) from raw_meta.load_ledger") == [
        (10, 10)
    ]


@pytest.fixture
def small_landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    rel = "salesforce/Account/delivery_date=2026-03-02/Account-2026-03-02.csv"
    (landing / rel).parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "good" / rel, landing / rel)
    return landing


def test_second_load_is_refused_while_the_lock_is_held(small_landing: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    with load_lock(db, wait=False, say=print), pytest.raises(LoadLockedError) as caught:
        load_landing(small_landing, db, tmp_path / "q", progress=False)
    message = str(caught.value)
    assert str(lock_path_for(db)) in message
    assert f"pid {os.getpid()}" in message and "started 20" in message
    assert "--wait" in message
    assert not db.exists() or query_rows(db, "select count(*) from raw_meta.load_ledger") == [(0,)]


def test_second_load_waits_for_the_lock(
    small_landing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wh.duckdb"
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with load_lock(db, wait=False, say=print):
            held.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(timeout=10)
    timer = threading.Timer(1.0, release.set)
    timer.start()
    try:
        report = load_landing(small_landing, db, tmp_path / "q", wait=True, progress=True)
    finally:
        release.set()
        thread.join()
    assert report.files_loaded == 1
    assert "waiting for the lock" in capsys.readouterr().err


def _duckdb_holder(db: Path, seconds: float) -> subprocess.Popen[str]:
    code = (
        "import sys, time, duckdb\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_duckdb_writer_elsewhere_gives_the_same_clear_error(
    small_landing: Path, tmp_path: Path
) -> None:
    db = tmp_path / "wh.duckdb"
    proc = _duckdb_holder(db, 30)
    try:
        with pytest.raises(LoadLockedError) as caught:
            load_landing(small_landing, db, tmp_path / "q", progress=False)
    finally:
        proc.kill()
        proc.wait()
    message = str(caught.value)
    assert f"pid {proc.pid}" in message and "--wait" in message and str(db) in message


def test_duckdb_writer_elsewhere_is_waited_for(
    small_landing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wh.duckdb"
    proc = _duckdb_holder(db, 1.5)
    try:
        report = load_landing(small_landing, db, tmp_path / "q", wait=True, progress=True)
    finally:
        proc.wait()
    assert report.files_loaded == 1
    assert "waiting for the warehouse" in capsys.readouterr().err
