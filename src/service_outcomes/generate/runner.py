"""``generate()``: simulate block by block, format, route to the landing folder, write truth.

Memory is bounded by one block, never by the customer count: lines reach the files through a
buffer of at most :data:`.segments.SEGMENT_BUFFER_BYTES` (:mod:`.segments`), the truth keeps
counters and per-block state only (:mod:`.truth.writer`), and no formatter caches per customer.
With several workers, each renders whole blocks (:mod:`.workers`) and the parent writes them in
block order, so the bytes are the same as with one.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .blocks import BlockRenderer, BlockResult
from .clock import Clock
from .config import GENERATOR_VERSION, GeneratorConfig
from .formats.csvtext import csv_line
from .formats.flat_survey import HEADER as FLAT_SURVEY_HEADER
from .formats.legacy_acd import HEADER as LEGACY_ACD_HEADER
from .formats.qualtrics import HEADER as QUALTRICS_HEADER
from .formats.salesforce import (
    ACCOUNT_COLUMNS,
    CASE_COLUMNS,
    CASE_HISTORY_COLUMNS,
    CONTACT_COLUMNS,
)
from .formats.servicenow import HEADERS as SERVICENOW_HEADERS
from .partitioned import SOURCES, PartitionedWriter
from .progress import Progress
from .segments import SEGMENT_BUFFER_BYTES, SegmentBuffer, replay_spool
from .truth import TRUTH_FILES, TruthWriter
from .workers import SPOOL_PREFIX, default_workers, rendered_blocks

MANIFEST = "_generated.json"
HEADERS: dict[tuple[str, str], bytes] = {
    ("salesforce", "Account"): csv_line(ACCOUNT_COLUMNS),
    ("salesforce", "Contact"): csv_line(CONTACT_COLUMNS),
    ("salesforce", "Case"): csv_line(CASE_COLUMNS),
    ("salesforce", "CaseHistory"): csv_line(CASE_HISTORY_COLUMNS),
    **{("servicenow", table): header for table, header in SERVICENOW_HEADERS.items()},
    ("qualtrics", "survey_responses"): QUALTRICS_HEADER,
    ("legacy_acd", "call_detail"): LEGACY_ACD_HEADER,
    ("flat_survey", "responses"): FLAT_SURVEY_HEADER,
}


@dataclass
class GenerationSummary:
    config: GeneratorConfig
    landing_dir: Path
    truth_dir: Path
    #: "source/table" -> number of files / data rows (CSV header rows not counted).
    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    needs: int = 0
    assisted_chains: int = 0
    #: Distinct Connect contacts (ContactIds), monitoring calls included.
    contact_records: int = 0
    headline: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: True when an identical earlier generation was found and nothing was written.
    skipped: bool = False

    def summary(self) -> str:
        """A few lines for people: what was written where, and how long it took."""
        verb = "already up to date" if self.skipped else f"written in {self.seconds:.1f} s"
        lines = [
            f"{self.landing_dir}: {sum(self.files.values()):,} file(s) {verb}; "
            f"{self.customers:,} customers, {self.needs:,} needs, "
            f"{self.contact_records:,} Connect contacts, {self.assisted_chains:,} assisted chains",
        ]
        lines += [
            f"  {feed}: {self.files[feed]:,} file(s), {self.rows.get(feed, 0):,} row(s)"
            for feed in sorted(self.files)
        ]
        lines.append(f"  ground truth: {self.truth_dir} (never read by the warehouse)")
        return "\n".join(lines)

    def counts(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "customers": self.customers,
            "needs": self.needs,
            "assisted_chains": self.assisted_chains,
            "contact_records": self.contact_records,
        }


def _existing(cfg: GeneratorConfig, landing: Path, truth: Path) -> dict[str, Any] | None:
    manifest = landing / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    if data.get("digest") != cfg.digest():
        return None
    for rel, size in data.get("files", {}).items():
        path = landing / rel
        if not path.is_file() or path.stat().st_size != size:
            return None
    if not all((truth / name).is_file() for name in TRUTH_FILES):
        return None
    return data


def _clear(landing: Path, truth: Path) -> None:
    (landing / MANIFEST).unlink(missing_ok=True)
    if landing.is_dir():  # the spool folder of a run that was killed
        for leftover in landing.glob(f"{SPOOL_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    for source in SOURCES:
        shutil.rmtree(landing / source, ignore_errors=True)
    for name in TRUTH_FILES:
        (truth / name).unlink(missing_ok=True)


def generate(
    config: GeneratorConfig,
    landing_dir: Path,
    truth_dir: Path,
    *,
    progress: bool = True,
    workers: int | None = None,
) -> GenerationSummary:
    """Simulate the organisation of ``config``; write its exports and the ground truth.

    ``workers``: processes that render blocks (default :func:`.workers.default_workers`: the
    usable CPUs, at most two). The output does not depend on it: blocks are independent and are
    written in block order whichever process rendered them.
    """
    started = time.perf_counter()
    landing_dir = Path(landing_dir)
    truth_dir = Path(truth_dir)
    summary = GenerationSummary(config=config, landing_dir=landing_dir, truth_dir=truth_dir)
    bar = Progress(config.customers, enabled=progress)
    previous = _existing(config, landing_dir, truth_dir)
    if previous is not None:
        counts = previous["counts"]
        summary.files = counts["files"]
        summary.rows = counts["rows"]
        summary.customers = counts["customers"]
        summary.needs = counts["needs"]
        summary.assisted_chains = counts["assisted_chains"]
        summary.contact_records = counts["contact_records"]
        summary.headline = json.loads((truth_dir / "headline.json").read_text())
        summary.skipped = True
        summary.seconds = time.perf_counter() - started
        bar.message(f"generate: {landing_dir} is up to date (digest {config.digest()[:12]})")
        return summary

    _clear(landing_dir, truth_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)
    clock = Clock(config.start, config.days)
    writer = PartitionedWriter(
        landing_dir, clock, HEADERS, max_records=config.connect_file_max_records
    )
    truth = TruthWriter(truth_dir, clock)
    limit = min(config.flush_bytes, SEGMENT_BUFFER_BYTES)
    # The parent renders the records no customer causes, then the blocks in order: itself with
    # one worker, else in worker processes whose spooled lines it replays (module docstring).
    renderer = BlockRenderer(config, clock, truth_dir)
    direct = SegmentBuffer(writer.write, limit)
    contacts_total, deliveries = renderer.render_system(direct)
    blocks = range((config.customers + config.block_size - 1) // config.block_size)
    workers = min(workers or default_workers(), len(blocks)) or 1
    results: Iterator[BlockResult]
    if workers == 1:
        results = (renderer.render(block, direct) for block in blocks)
    else:
        results = rendered_blocks(config, landing_dir, truth_dir, blocks, workers, limit)
    for result in results:
        if result.spool is not None and result.spool_index is not None:
            replay_spool(result.spool, result.spool_index, writer)
        truth.absorb(result.truth)
        deliveries.merge(result.deliveries)
        contacts_total += result.contacts
        summary.customers += result.customers
        bar.update(result.customers, result.contacts)
    writer.close()
    summary.headline = truth.close()
    renderer.connect.connect = deliveries
    renderer.connect.close()
    bar.finish()

    summary.files = {f"{s}/{t}": len(paths) for (s, t), paths in sorted(writer.files.items())}
    summary.rows = {f"{s}/{t}": n for (s, t), n in sorted(writer.rows.items())}
    summary.needs = truth.needs
    summary.assisted_chains = truth.chains
    summary.contact_records = contacts_total
    files = {rel: (landing_dir / rel).stat().st_size for rel in writer.all_files()}
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "digest": config.digest(),
        "config": config.to_json_dict(),
        "counts": summary.counts(),
        "files": files,
    }
    (landing_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    summary.seconds = time.perf_counter() - started
    bar.message(
        f"generate: {contacts_total:,} contacts, {summary.needs:,} needs, "
        f"{sum(summary.files.values()):,} files in {summary.seconds:,.1f}s"
    )
    return summary
