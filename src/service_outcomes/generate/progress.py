"""Progress display on stderr: in place on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self._last = 0.0
        self.done = 0
        self.contacts = 0

    def _line(self) -> str:
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return (
            f"generate: {self.done:,}/{self.total:,} customers ({pct:5.1f}%), "
            f"{self.contacts:,} contacts, {rate:,.0f} customers/s, "
            f"{self.contacts / elapsed if elapsed > 0 else 0:,.0f} contacts/s, ETA {eta:,.0f}s"
        )

    def update(self, customers: int, contacts: int) -> None:
        self.done += customers
        self.contacts += contacts
        if not self.enabled:
            return
        now = time.perf_counter()
        interval = 0.25 if self.tty else 5.0
        if now - self._last < interval and self.done < self.total:
            return
        self._last = now
        if self.tty:
            self.stream.write("\r" + self._line() + "\x1b[K")
        else:
            self.stream.write(self._line() + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if self.enabled:
            if self.tty:
                self.stream.write("\n")
            self.stream.write(text + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
