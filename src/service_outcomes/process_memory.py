"""Resident memory of a process tree, sampled while it runs (Linux ``/proc``).

``ru_maxrss`` from ``wait4`` is the largest resident set of any *single* process of a child's
tree. A stage that works in several processes at once (a generator with worker processes, a
PySpark driver beside its JVM) holds the *sum* of their resident sets, so the benchmark samples
that sum every tenth of a second and reports the larger of the two figures. Shared pages (a
forked worker's copy-on-write memory) count once per process, so the sum can only overstate.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _parents() -> dict[int, list[int]]:
    """Every live process's children, by parent pid (read from each ``/proc/<pid>/stat``)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _resident_bytes(pid: int) -> int:
    """The resident set of one process (0 once it has gone)."""
    try:
        fields = (PROC / str(pid) / "statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * _PAGE_SIZE if len(fields) > 1 else 0


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all of its descendants right now."""
    children = _parents()
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.append(current)
        pending += children.get(current, [])
    return found


def tree_resident_bytes(pid: int) -> int:
    """The summed resident sets of ``pid`` and all of its descendants right now."""
    return sum(_resident_bytes(member) for member in tree_pids(pid))


class TreeMemorySampler:
    """Samples the summed resident set of one process tree in a background thread and keeps the
    peak. Use as a context manager around the wait for the process. Reading every process's
    ``stat`` to find the tree costs about ten milliseconds, so the tree is found again only every
    ``rescan_every`` samples; in between, only its known members' ``statm`` are read."""

    def __init__(self, pid: int, interval_seconds: float = 0.1, rescan_every: int = 10) -> None:
        self.pid = pid
        self.interval_seconds = interval_seconds
        self.rescan_every = rescan_every
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def _run(self) -> None:
        members = [self.pid]
        samples = 0
        while not self._stop.is_set():
            if samples % self.rescan_every == 0:
                members = tree_pids(self.pid)
            samples += 1
            total = sum(_resident_bytes(member) for member in members)
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval_seconds)

    def __enter__(self) -> TreeMemorySampler:
        if PROC.is_dir():
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
