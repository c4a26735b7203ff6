"""One load at a time: an exclusive ``flock`` on ``<database>.lock`` and DuckDB's own file lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from service_outcomes.memory import limit_memory, limit_threads, load_memory_limit, load_threads

_POLL_SECONDS = 0.5


class LoadLockedError(RuntimeError):
    """Another process holds the warehouse and the caller did not ask to wait."""


def lock_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
    pid = fields.get("pid", "unknown")
    started = fields.get("started", "unknown time")
    return f"pid {pid}, started {started}"


@contextlib.contextmanager
def load_lock(database: Path, *, wait: bool, say: Callable[[str], None]) -> Iterator[Path]:
    """Hold the load lock for the block; raise LoadLockedError or wait when it is taken."""
    lock_path = lock_path_for(database)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(lock_path)
            if not wait:
                raise LoadLockedError(
                    f"another load holds the lock {lock_path} ({holder}); "
                    "wait for it to finish or pass --wait"
                ) from None
            say(f"waiting for the lock {lock_path} held by another load ({holder})")
            fcntl.flock(fh, fcntl.LOCK_EX)
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid={os.getpid()} started={started}\n")
        fh.flush()
        try:
            yield lock_path
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def connect_warehouse(
    database: Path, *, wait: bool, say: Callable[[str], None]
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file for writing, turning DuckDB's lock conflict into LoadLockedError; the
    connection carries the loader's memory cap and thread count (``service_outcomes.memory``)."""
    told = False
    while True:
        try:
            connection = duckdb.connect(str(database))
            limit_memory(connection, load_memory_limit())
            limit_threads(connection, load_threads())
            return connection
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise
            match = re.search(r"PID (\d+)", text)
            pid = match.group(1) if match else "unknown"
            holder = f"DuckDB file lock held by pid {pid}, e.g. dbt or another client"
            if not wait:
                raise LoadLockedError(
                    f"the warehouse {database} is open in another process ({holder}); "
                    "wait for it to finish or pass --wait"
                ) from exc
            if not told:
                say(f"waiting for the warehouse {database} ({holder})")
                told = True
            time.sleep(_POLL_SECONDS)
