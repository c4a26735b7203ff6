"""An exact median of many integers in bounded memory: values spill to an unnamed temporary file.

The truth's resolution time needs the median of one value per confirmed resolution, about four
million at the 10m scale. Held in memory those values grow with the number of customers, so
:class:`SpilledMedian` keeps only a small buffer and appends it to a temporary file (deleted by
the operating system when closed). :meth:`SpilledMedian.median` then reads the file twice: once
for a histogram of coarse buckets, which locates the bucket(s) of the middle rank(s), and once for
the exact counts of the values inside them. Both structures are bounded by the range of the
values divided by the bucket width, or by the bucket width, never by how many values there are.
The result equals :func:`statistics.median` of the same values, type included (an ``int`` for an
odd count, the ``float`` mean of the two middle values for an even one).
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO

#: Values kept in memory before they are appended to the file (8 bytes each).
BUFFER_VALUES = 1 << 16
#: log2 of the width of a histogram bucket (4096 seconds: about 8,000 buckets a year).
BUCKET_BITS = 12


class SpilledMedian:
    """Count, sum and median of the signed 64-bit integers added (see the module docstring)."""

    def __init__(self, directory: Path | None = None, buffer_values: int = BUFFER_VALUES) -> None:
        self._directory = directory
        self._buffer_values = buffer_values
        self._buffer = array("q")
        self._file: IO[bytes] | None = None
        self._closed = False
        self._median: int | float | None = None
        self.count = 0
        self.total = 0

    def append(self, value: int) -> None:
        if self._closed:
            raise ValueError("SpilledMedian is closed")
        self._buffer.append(value)
        self.count += 1
        self.total += value
        if len(self._buffer) >= self._buffer_values:
            self._spill()

    def extend(self, values: array[int]) -> None:
        """Add many values at once (the resolution times of one block)."""
        for start in range(0, len(values), self._buffer_values):
            chunk = values[start : start + self._buffer_values]
            if self._closed:
                raise ValueError("SpilledMedian is closed")
            self._buffer.extend(chunk)
            self.count += len(chunk)
            self.total += sum(chunk)
            if len(self._buffer) >= self._buffer_values:
                self._spill()

    def take(self) -> array[int]:
        """Every value added, in one array (meant for one block's few thousand); the instance
        starts again empty."""
        values = array("q")
        for chunk in self._chunks():
            values.extend(chunk)
        self._reset_values()
        return values

    def _reset_values(self) -> None:
        self._buffer = array("q")
        self.count = 0
        self.total = 0
        if self._file is not None:
            self._file.close()
            self._file = None

    def __len__(self) -> int:
        return self.count

    def _spill(self) -> None:
        if not self._buffer:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(dir=self._directory)  # noqa: SIM115 - see close
        self._buffer.tofile(self._file)
        self._buffer = array("q")

    def _chunks(self) -> Iterator[array[int]]:
        """Every value added, in chunks of at most the buffer size."""
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            while True:
                raw = self._file.read(self._buffer_values * 8)
                if not raw:
                    break
                chunk = array("q")
                chunk.frombytes(raw)
                yield chunk
        yield self._buffer

    def _value_at(self, ranks: tuple[int, ...]) -> list[int]:
        """The values at the given 0-based ranks of the sorted values."""
        buckets: dict[int, int] = {}
        for chunk in self._chunks():
            for value in chunk:
                key = value >> BUCKET_BITS
                buckets[key] = buckets.get(key, 0) + 1
        wanted: dict[int, int] = {}  # bucket -> rank of its first value
        seen = 0
        for key in sorted(buckets):
            size = buckets[key]
            if any(seen <= r < seen + size for r in ranks):
                wanted[key] = seen
            seen += size
        counts: dict[int, int] = {}
        for chunk in self._chunks():
            for value in chunk:
                if value >> BUCKET_BITS in wanted:
                    counts[value] = counts.get(value, 0) + 1
        out = []
        for r in ranks:
            key = next(k for k in sorted(wanted, reverse=True) if wanted[k] <= r)
            rank = wanted[key]
            for value in sorted(v for v in counts if v >> BUCKET_BITS == key):
                rank += counts[value]
                if r < rank:
                    out.append(value)
                    break
        return out

    def median(self) -> int | float | None:
        """The median of the values added (``None`` when there are none)."""
        if self._closed:
            return self._median
        n = self.count
        if not n:
            return None
        if n % 2:
            return self._value_at((n // 2,))[0]
        low, high = self._value_at((n // 2 - 1, n // 2))
        return (low + high) / 2

    def close(self) -> None:
        """Keep the median, drop the values and delete the temporary file."""
        if self._closed:
            return
        self._median = self.median()
        count, total = self.count, self.total
        self._reset_values()
        self.count, self.total = count, total
        self._closed = True
