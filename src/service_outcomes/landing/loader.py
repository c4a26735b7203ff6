"""Orchestration: discover, check, then load or quarantine every landed file."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from service_outcomes.memory import load_memory_limit, memory_limit_for

from . import ledger, quarantine, warehouse
from .checks import CheckResult, check_file
from .contract import load_contracts
from .feeds import LandedFile, discover
from .fileinfo import FileInfo, file_identity, hash_file, scan_file
from .lock import connect_warehouse, load_lock
from .mapping.estate import map_vendor_exports
from .readers import JSONL_CHUNK_BYTES
from .report import LoadReport, Progress
from .rowcount import count_data_rows

GENERATED_MARKER = "_generated.json"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def load_landing(
    landing_dir: Path,
    database: Path,
    quarantine_dir: Path,
    *,
    wait: bool = False,
    progress: bool = True,
    chunk_rows: int = 100_000,
    chunk_bytes: int = JSONL_CHUNK_BYTES,
) -> LoadReport:
    """Check every file in ``landing_dir`` against its contract and land it in ``database``.

    Files already loaded (same sha256) are skipped; files breaking a rule are moved to
    ``quarantine_dir``; each loaded file commits in one transaction with its ledger row.
    Raises LoadLockedError when another load (or another DuckDB writer) holds the warehouse
    and ``wait`` is false. ``chunk_rows`` and ``chunk_bytes`` bound the chunks in which a JSON
    lines file that needs the line-by-line reader is checked.
    """
    started = time.perf_counter()
    landing_dir, database, quarantine_dir = Path(landing_dir), Path(database), Path(quarantine_dir)
    out = Progress(progress)
    report = LoadReport()
    contracts = load_contracts()
    database.parent.mkdir(parents=True, exist_ok=True)
    with load_lock(database, wait=wait, say=out.say):
        con = connect_warehouse(database, wait=wait, say=out.say)
        try:
            # Every file still commits on its own, durably in the WAL; merging the WAL into the
            # database file only every ~1 GB (and at close) spares a checkpoint per few files,
            # each rewriting the last, partly filled row group of every table appended to.
            # Committed rows wait in the buffer pool until then, spilled beyond the memory cap,
            # so the cap, not this threshold, bounds the memory. Measured on the 1m landing: 1 GB
            # 115 s, 2 GB 128 s, 4 GB 140 s (back to back); 256 MB 138 s against 1 GB's 106 s.
            con.execute("set checkpoint_threshold = '1GB'")
            # Each file is streamed from its reader, once for the checks and once for the insert,
            # and connect_warehouse caps DuckDB's memory (service_outcomes.memory): memory stays
            # flat whatever the size of a file or of the estate.
            warehouse.ensure_raw_tables(con, contracts.values())
            ledger.ensure(con)
            quarantine.ensure(con)
            # Exports of other vendors become canonical landing files first (mappings/*.yml).
            vendors = map_vendor_exports(landing_dir, quarantine_dir, progress=progress)
            for line in vendors.lines():
                out.say(line)
            found = discover(landing_dir, contracts, exclude=(quarantine_dir, *vendors.export_dirs))
            report.warnings += [
                f"{p}: not in a known <source>/<table> folder, left in place" for p in found.ignored
            ]
            if not (landing_dir / GENERATED_MARKER).exists():
                report.warnings.append(
                    f"{landing_dir / GENERATED_MARKER} is missing: a generated landing folder "
                    "may be incomplete (expected for real exports)"
                )
            out.total = len(found.files)
            report.files_seen = len(found.files)
            loader = _FileLoader(con, quarantine_dir, (chunk_rows, chunk_bytes), report, out)
            loader.process_all(found.files)
        finally:
            con.close()
    report.seconds = time.perf_counter() - started
    out.say(
        f"done: {report.files_loaded} loaded, {report.files_skipped_already_loaded} skipped, "
        f"{report.files_quarantined} quarantined of {report.files_seen} file(s) "
        f"in {report.seconds:.1f} s"
    )
    return report


class _FileLoader:
    """Checks each file (DuckDB's reader streams it through its value rules), then loads or
    quarantines it on its own, in delivery order."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        quarantine_dir: Path,
        chunking: tuple[int, int],
        report: LoadReport,
        out: Progress,
    ) -> None:
        self.con = con
        self.quarantine_dir = quarantine_dir
        self.chunk_rows, self.chunk_bytes = chunking
        self.report = report
        self.out = out
        self.loaded = ledger.loaded_keys(con)
        self.recorded = ledger.recorded_files(con)  # (sha256, path) with a ledger row
        self.known_columns: dict[str, set[str]] = {}  # raw table -> its columns, lower case

    def process_all(self, files: list[LandedFile]) -> None:
        for landed in files:
            self.process(landed)

    def process(self, landed: LandedFile) -> None:
        began = time.perf_counter()
        identity = file_identity(landed.path)
        sha256 = hash_file(landed.path)
        key = (sha256, landed.source, landed.table)
        if key in self.loaded:
            self.report.files_skipped_already_loaded += 1
            if (sha256, landed.relative_path) in self.recorded:
                self.out.file(landed.relative_path, "skipped (already loaded)", None, 0.0)
            else:
                self._record_duplicate(landed, sha256, began)
            return
        info = scan_file(landed.path, sha256)
        result = check_file(landed, info, self.con, self.chunk_rows, self.chunk_bytes)
        checked = time.perf_counter()
        self.report.check_seconds += checked - began
        self.report.rows_checked += result.row_count or 0
        if result.ok and result.rows is not None:
            rows = self._load(landed, info, result, (result.rows, identity), began)
            spent = time.perf_counter() - checked
            self.report.load_seconds += spent
            self.report.files_loaded += 1
            table = landed.contract.raw_table
            self.report.rows_loaded[table] = self.report.rows_loaded.get(table, 0) + rows
            self.loaded.add(key)
            self.recorded.add((sha256, landed.relative_path))
            self.out.file(landed.relative_path, "loaded", rows, time.perf_counter() - began)
            return
        self._quarantine(landed, info, result, began)

    def _load(
        self,
        landed: LandedFile,
        info: FileInfo,
        result: CheckResult,
        source: tuple[str, tuple[int, int, int]],
        began: float,
    ) -> int:
        """The file's rows and its ledger row in one transaction.

        ``source`` is the reader of the checked file, read again here, and the file's identity
        before it was hashed: a file that changed since, or reads to another row count, rolls
        back whole (the load stops; a rerun checks it afresh).
        """
        reader, identity = source
        rows = result.row_count or 0
        at = _utc_now()
        self.con.execute("begin transaction")
        try:
            with memory_limit_for(self.con, result.memory_limit, load_memory_limit()):
                inserted = warehouse.insert_rows(
                    self.con, landed, reader, result.columns, at, self.known_columns
                )
            if inserted != rows or file_identity(landed.path) != identity:
                raise RuntimeError(
                    f"{landed.relative_path} changed during the load ({rows} rows checked, "
                    f"{inserted} read to load): nothing of it was loaded; load again"
                )
            ledger.record(
                self.con,
                landed,
                info,
                row_count=rows,
                status="loaded",
                at=at,
                duration_seconds=time.perf_counter() - began,
            )
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            self.known_columns.clear()  # an added column may have been rolled back
            raise
        return rows

    def _record_duplicate(self, landed: LandedFile, sha256: str, began: float) -> None:
        """A file whose exact bytes were already loaded from another path: nothing of it loads
        again, but the ledger records that it was received (the data-quality audit counts it)."""
        info = FileInfo(sha256, landed.path.stat().st_size, None, has_bom=False)
        rows = count_data_rows(landed.path, landed.contract)
        ledger.record(
            self.con,
            landed,
            info,
            row_count=rows,
            status="duplicate",
            at=_utc_now(),
            duration_seconds=time.perf_counter() - began,
        )
        self.recorded.add((sha256, landed.relative_path))
        self.out.file(
            landed.relative_path, "skipped (same bytes as a file already loaded)", rows, 0.0
        )

    def _quarantine(
        self, landed: LandedFile, info: FileInfo, result: CheckResult, began: float
    ) -> None:
        at = _utc_now()
        log = result.log
        if not ledger.is_quarantined(self.con, info.sha256, landed.relative_path):
            self.con.execute("begin transaction")
            try:
                quarantine.record(self.con, log, info.sha256, at)
                ledger.record(
                    self.con,
                    landed,
                    info,
                    # every row the file held, also when the checks could not read it
                    row_count=count_data_rows(landed.path, landed.contract),
                    status="quarantined",
                    at=at,
                    duration_seconds=time.perf_counter() - began,
                )
                self.con.execute("commit")
            except BaseException:
                self.con.execute("rollback")
                raise
        target = quarantine.destination(
            self.quarantine_dir, landed.relative_path, info.sha256, landed.path
        )
        quarantine.move(landed.path, target, log.reason_text())
        self.report.files_quarantined += 1
        self.report.quarantine_messages += log.summaries()
        self.out.file(
            landed.relative_path,
            f"QUARANTINED ({len(log.rules)} rule(s) broken) -> {target}",
            result.row_count,
            time.perf_counter() - began,
        )
