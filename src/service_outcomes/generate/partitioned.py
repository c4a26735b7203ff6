"""Buffered writer of ``<landing>/<source>/<table>/delivery_date=D/<file>``.

Records are routed to per-file buffers; buffers are appended to their files whenever the
total buffered size exceeds a threshold and at :meth:`PartitionedWriter.close`, so memory stays
bounded whatever the size of a feed. CSV headers are written once, when a file is created.
Connect deliveries are split into numbered files of at most ``max_records`` records each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
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


class PartitionedWriter:
    def __init__(
        self,
        root: Path,
        clock: Clock,
        headers: dict[tuple[str, str], bytes],
        *,
        flush_bytes: int,
        max_records: int,
    ) -> None:
        self.root = root
        self.clock = clock
        self.headers = headers
        self.flush_bytes = flush_bytes
        self.max_records = max_records
        self._buffers: dict[str, list[bytes]] = defaultdict(list)
        self._buffered = 0
        self._created: set[str] = set()
        self._dirs: set[Path] = set()
        self._jsonl_state: dict[int, list[int]] = {}  # day -> [seq, records in current file]
        self.rows: dict[tuple[str, str], int] = defaultdict(int)
        self.files: dict[tuple[str, str], set[str]] = defaultdict(set)

    def _path(self, source: str, table: str, day: int) -> str:
        date = self.clock.date_str(day)
        stem = FEEDS[(source, table)]
        if source == "amazon_connect":
            state = self._jsonl_state.setdefault(day, [1, 0])
            if state[1] >= self.max_records:
                state[0] += 1
                state[1] = 0
            state[1] += 1
            name = f"{stem}-{date}-{state[0]:03d}.jsonl"
        else:
            name = f"{stem}-{date}.csv"
        return f"{source}/{table}/delivery_date={date}/{name}"

    def add(self, source: str, table: str, day: int, line: bytes) -> None:
        path = self._path(source, table, day)
        buf = self._buffers[path]
        if path not in self._created:
            self._created.add(path)
            self.files[(source, table)].add(path)
            header = self.headers.get((source, table))
            if header:
                buf.append(header)
                self._buffered += len(header)
        buf.append(line)
        self._buffered += len(line)
        self.rows[(source, table)] += 1
        if self._buffered > self.flush_bytes:
            self.flush()

    def add_many(self, source: str, table: str, items: Iterable[tuple[int, bytes]]) -> None:
        if source == "amazon_connect":
            self._add_jsonl(source, table, items)
            return
        # CSV feeds: one file per delivery day, so the path depends on the day only.
        key = (source, table)
        paths: dict[int, list[bytes]] = {}
        n = size = 0
        for day, line in items:
            buf = paths.get(day)
            if buf is None:
                path = self._path(source, table, day)
                buf = paths[day] = self._buffers[path]
                if path not in self._created:
                    self._created.add(path)
                    self.files[key].add(path)
                    header = self.headers.get(key, b"")
                    buf.append(header)
                    size += len(header)
            buf.append(line)
            size += len(line)
            n += 1
        self._account(key, n, size)

    def _add_jsonl(self, source: str, table: str, items: Iterable[tuple[int, bytes]]) -> None:
        key = (source, table)
        limit = self.max_records
        current: dict[int, list[bytes]] = {}  # day -> buffer of its current file
        n = size = 0
        for day, line in items:
            state = self._jsonl_state.get(day)
            buf = current.get(day)
            if buf is None or state is None or state[1] >= limit:
                path = self._path(source, table, day)  # advances the day's file counter
                buf = current[day] = self._buffers[path]
                if path not in self._created:
                    self._created.add(path)
                    self.files[key].add(path)
            else:
                state[1] += 1
            buf.append(line)
            size += len(line)
            n += 1
        self._account(key, n, size)

    def _account(self, key: tuple[str, str], rows: int, size: int) -> None:
        self.rows[key] += rows
        self._buffered += size
        if self._buffered > self.flush_bytes:
            self.flush()

    def flush(self) -> None:
        for path in sorted(self._buffers):
            chunks = self._buffers[path]
            full = self.root / path
            if full.parent not in self._dirs:
                full.parent.mkdir(parents=True, exist_ok=True)
                self._dirs.add(full.parent)
            with open(full, "ab") as fh:
                fh.write(b"".join(chunks))
        self._buffers.clear()
        self._buffered = 0

    def close(self) -> None:
        self.flush()

    def all_files(self) -> list[str]:
        return sorted(p for paths in self.files.values() for p in paths)
