"""Lines of the exports on their way to the files, in bounded memory.

A block's formatters add lines to a :class:`SegmentBuffer`, which groups them by feed and
delivery day and, whenever it holds more than its limit (and at the end of the block), hands each
group on as one *run* (feed, day, bytes, line count) to a sink. In a single process the sink is
the :class:`.partitioned.PartitionedWriter` itself. In a worker process it is a
:class:`SpoolWriter`: the runs go to a spool file of the block, and the parent replays them into
the writer (:func:`replay_spool`) once every earlier block is written. Either way a file receives
its lines in the same order, so the bytes are the same; only the memory differs: the buffer's
limit, never a whole block or feed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .partitioned import FEEDS, PartitionedWriter

#: A buffer holds at most this many bytes of lines before it hands them on (or the config's
#: ``flush_bytes`` when smaller). One block of the 10m scale formats about 45 MB of lines.
SEGMENT_BUFFER_BYTES = 16 * 1024 * 1024

Feed = tuple[str, str]
#: (source, table, delivery day, bytes, line count).
Sink = Callable[[str, str, int, bytes, int], None]
_FEED_KEYS: tuple[Feed, ...] = tuple(FEEDS)
_FEED_INDEX = {feed: i for i, feed in enumerate(_FEED_KEYS)}


class SegmentBuffer:
    """Collects lines by (feed, day) and hands them to ``sink`` in runs (module docstring)."""

    def __init__(self, sink: Sink, limit: int = SEGMENT_BUFFER_BYTES) -> None:
        self.sink = sink
        self.limit = limit
        self._runs: dict[tuple[str, str, int], list[bytes]] = {}
        self._buffered = 0
        #: Feeds an :meth:`add_many` call asked for with no lines (handed on as empty runs).
        self._empty: set[Feed] = set()

    def add(self, source: str, table: str, day: int, line: bytes) -> None:
        run = self._runs.get((source, table, day))
        if run is None:
            run = self._runs[(source, table, day)] = []
        run.append(line)
        self._buffered += len(line)
        if self._buffered > self.limit:
            self.flush()

    def add_many(self, source: str, table: str, items: Iterable[tuple[int, bytes]]) -> None:
        runs = self._runs
        mine: dict[int, list[bytes]] = {}  # day -> its run, for this call
        size = 0
        for day, line in items:
            run = mine.get(day)
            if run is None:
                run = runs.get((source, table, day))
                if run is None:
                    run = runs[(source, table, day)] = []
                mine[day] = run
            run.append(line)
            size += len(line)
        if not mine:
            self._empty.add((source, table))
        self._buffered += size
        if self._buffered > self.limit:
            self.flush()

    def flush(self) -> None:
        """Hand every buffered run to the sink (in the order the runs were started)."""
        runs, self._runs = self._runs, {}
        self._buffered = 0
        sink = self.sink
        for source, table in sorted(self._empty):
            sink(source, table, 0, b"", 0)
        self._empty.clear()
        for (source, table, day), lines in runs.items():
            sink(source, table, day, b"".join(lines), len(lines))
            lines.clear()  # frees the lines of a run as soon as it is handed on


class SpoolWriter:
    """A sink that appends runs to a spool file and remembers where each one is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        #: (feed index, day, line count, byte count) of every run, in file order.
        self.index: list[tuple[int, int, int, int]] = []

    def __call__(self, source: str, table: str, day: int, data: bytes, lines: int) -> None:
        self._fh.write(data)
        self.index.append((_FEED_INDEX[(source, table)], day, lines, len(data)))

    def close(self) -> None:
        self._fh.close()


def replay_spool(
    path: Path, index: list[tuple[int, int, int, int]], writer: PartitionedWriter
) -> None:
    """Write the runs of a spool file (:class:`SpoolWriter`) in order, then delete the file.

    One run is read at a time, so memory stays within one buffer's limit."""
    with open(path, "rb") as fh:
        for feed, day, lines, size in index:
            source, table = _FEED_KEYS[feed]
            data = fh.read(size)
            if len(data) != size:
                raise OSError(f"{path}: spool file shorter than its index")
            writer.write(source, table, day, data, lines)
    os.unlink(path)
