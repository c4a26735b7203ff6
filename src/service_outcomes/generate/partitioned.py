"""Writer of ``<landing>/<source>/<table>/delivery_date=D/<file>``.

The writer receives *runs*: whole lines of one feed and one delivery day, in order
(:class:`.segments.SegmentBuffer` collects them). It appends each run to its file, so it keeps no
lines in memory: only the bookkeeping of which files exist and how many records each Connect file
holds. CSV headers are written once, when a file is created. Connect deliveries are split into
numbered files of at most ``max_records`` records each, a run being cut at a line boundary when a
file fills up. A file's content depends only on the order of its own lines, so how the lines
were grouped into runs (and when the runs came) never changes the output.

Files are appended through raw descriptors kept open between runs (at most
:data:`MAX_OPEN_FILES`, the least recently used closed first): one run per file and block is the
usual pattern, and reopening thousands of files for every block would cost more than writing.
"""

from __future__ import annotations

import os
import resource
from collections import OrderedDict, defaultdict
from pathlib import Path

from .clock import Clock

#: (source, table) -> file name stem; Connect files get ``-<seq>`` appended.
FEEDS: dict[tuple[str, str], str] = {
    ("salesforce", "Account"): "Account",
    ("salesforce", "Contact"): "Contact",
    ("salesforce", "Case"): "Case",
    ("salesforce", "CaseHistory"): "CaseHistory",
    ("amazon_connect", "contact_records"): "contact_records",
    ("qualtrics", "survey_responses"): "survey_responses",
    # Second vendors (issue 6), in their own export shapes.
    ("legacy_acd", "call_detail"): "call_detail",
    ("flat_survey", "responses"): "responses",
    ("servicenow", "incident"): "incident",
    ("servicenow", "customer_account"): "customer_account",
    ("servicenow", "customer_contact"): "customer_contact",
}
SOURCES: tuple[str, ...] = (
    "salesforce",
    "amazon_connect",
    "qualtrics",
    "legacy_acd",
    "flat_survey",
    "servicenow",
)
#: The feed whose files are JSON lines split by record count (no line holds a raw newline).
JSONL_FEED = ("amazon_connect", "contact_records")


def _max_open_files() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = 4096 if soft == resource.RLIM_INFINITY else soft // 4
    return max(16, min(4096, limit))


#: Descriptors the writer keeps open (a quarter of the process's limit, at most 4096).
MAX_OPEN_FILES = _max_open_files()


class PartitionedWriter:
    def __init__(
        self,
        root: Path,
        clock: Clock,
        headers: dict[tuple[str, str], bytes],
        *,
        max_records: int,
        max_open_files: int = MAX_OPEN_FILES,
    ) -> None:
        self.root = root
        self.clock = clock
        self.headers = headers
        self.max_records = max_records
        self.max_open_files = max_open_files
        self._open: OrderedDict[str, int] = OrderedDict()  # path -> descriptor, LRU order
        self._dirs: set[Path] = set()
        self._jsonl_state: dict[int, list[int]] = {}  # day -> [seq, records in current file]
        self.rows: dict[tuple[str, str], int] = defaultdict(int)
        self.files: dict[tuple[str, str], set[str]] = defaultdict(set)

    def _stem_path(self, source: str, table: str, day: int, seq: int | None) -> str:
        date = self.clock.date_str(day)
        stem = FEEDS[(source, table)]
        name = f"{stem}-{date}-{seq:03d}.jsonl" if seq is not None else f"{stem}-{date}.csv"
        return f"{source}/{table}/delivery_date={date}/{name}"

    def write(self, source: str, table: str, day: int, data: bytes, lines: int) -> None:
        """Append ``lines`` whole lines (``data``) of one feed's delivery ``day``.

        An empty run (no lines) only enters the feed in :attr:`rows`, with nothing written: the
        feed was asked for and had no records (Connect with every call on the legacy ACD)."""
        key = (source, table)
        self.rows[key] += lines
        if not lines:
            return
        if key != JSONL_FEED:
            self._append(key, self._stem_path(source, table, day, None), data)
            return
        state = self._jsonl_state.setdefault(day, [1, 0])
        view = memoryview(data)
        start = 0
        while lines:
            if state[1] >= self.max_records:
                state[0] += 1
                state[1] = 0
            take = min(lines, self.max_records - state[1])
            end = len(data) if take == lines else _after_nth_newline(data, start, take)
            self._append(key, self._stem_path(source, table, day, state[0]), view[start:end])
            state[1] += take
            lines -= take
            start = end

    def _append(self, key: tuple[str, str], path: str, data: bytes | memoryview) -> None:
        fd = self._open.get(path)
        if fd is not None:
            self._open.move_to_end(path)
        else:
            paths = self.files[key]
            full = self.root / path
            if full.parent not in self._dirs:
                full.parent.mkdir(parents=True, exist_ok=True)
                self._dirs.add(full.parent)
            if len(self._open) >= self.max_open_files:
                _, oldest = self._open.popitem(last=False)
                os.close(oldest)
            fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._open[path] = fd
            if path not in paths:
                paths.add(path)
                header = self.headers.get(key)
                if header:
                    _write_all(fd, header)
        _write_all(fd, data)

    def close(self) -> None:
        while self._open:
            _, fd = self._open.popitem()
            os.close(fd)

    def all_files(self) -> list[str]:
        return sorted(p for paths in self.files.values() for p in paths)


def _after_nth_newline(data: bytes, start: int, n: int) -> int:
    """The offset just after the ``n``-th newline at or after ``start``."""
    at = start - 1
    for _ in range(n):
        at = data.index(b"\n", at + 1)
    return at + 1


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
