"""What a load did: counts, rows per raw table, quarantine messages, throughput; progress lines."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class LoadReport:
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped_already_loaded: int = 0
    files_quarantined: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)  # raw table -> rows this load
    quarantine_messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    rows_checked: int = 0
    check_seconds: float = 0.0
    load_seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"{self.files_seen} file(s) seen: {self.files_loaded} loaded, "
            f"{self.files_skipped_already_loaded} skipped (already loaded), "
            f"{self.files_quarantined} quarantined, in {self.seconds:.1f} s",
        ]
        for table, rows in sorted(self.rows_loaded.items()):
            lines.append(f"  {table}: {rows} row(s) loaded")
        if self.rows_checked and self.check_seconds > 0:
            rate = self.rows_checked / self.check_seconds
            lines.append(f"  checks: {self.rows_checked} row(s) at {rate:,.0f} rows/s")
        loaded = sum(self.rows_loaded.values())
        if loaded and self.load_seconds > 0:
            lines.append(f"  load: {loaded} row(s) at {loaded / self.load_seconds:,.0f} rows/s")
        if self.quarantine_messages:
            lines.append("quarantined:")
            lines.extend(f"  {m}" for m in self.quarantine_messages)
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


class Progress:
    """One line per file on stderr when enabled."""

    def __init__(self, enabled: bool, total: int = 0) -> None:
        self.enabled = enabled
        self.total = total
        self.done = 0

    def say(self, message: str) -> None:
        if self.enabled:
            print(message, file=sys.stderr, flush=True)

    def file(self, relative_path: str, status: str, rows: int | None, seconds: float) -> None:
        self.done += 1
        count = "?" if rows is None else str(rows)
        self.say(
            f"[{self.done}/{self.total}] {relative_path}: {status}, {count} row(s), {seconds:.2f} s"
        )
