"""DuckDB memory limits: the loader's connection carries its limit and thread count, a bad
setting is refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from service_outcomes import memory
from service_outcomes.landing.lock import connect_warehouse


def _limit(connection: duckdb.DuckDBPyConnection) -> str:
    row = connection.execute("select current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def test_the_loader_connection_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.LOAD_MEMORY_LIMIT_ENV, "512MiB")
    connection = connect_warehouse(tmp_path / "w.duckdb", wait=False, say=print)
    try:
        assert _limit(connection) == "512.0 MiB"
    finally:
        connection.close()


def test_the_default_limits_apply_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(memory.LOAD_MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(memory.BUILD_MEMORY_LIMIT_ENV, raising=False)
    assert memory.load_memory_limit() == memory.DEFAULT_LOAD_MEMORY_LIMIT
    assert memory.build_memory_limit() == memory.DEFAULT_BUILD_MEMORY_LIMIT
    with duckdb.connect() as connection:
        memory.limit_memory(connection, memory.build_memory_limit())
        assert _limit(connection).endswith("GiB")


@pytest.mark.parametrize("bad", ["lots", "GB", "1; drop table x", ""])
def test_a_limit_that_is_not_a_size_is_refused(bad: str) -> None:
    with duckdb.connect() as connection, pytest.raises(ValueError, match="expected a size"):
        memory.limit_memory(connection, bad)


def test_the_loader_runs_on_a_fixed_number_of_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers keep buffers per thread: the loader's memory must not follow the machine's cores."""
    for setting, expected in ((None, memory.DEFAULT_LOAD_THREADS), ("1", 1)):
        if setting is None:
            monkeypatch.delenv(memory.LOAD_THREADS_ENV, raising=False)
        else:
            monkeypatch.setenv(memory.LOAD_THREADS_ENV, setting)
        connection = connect_warehouse(tmp_path / "w.duckdb", wait=False, say=print)
        try:
            row = connection.execute("select current_setting('threads')").fetchone()
            assert row is not None and int(row[0]) == expected
        finally:
            connection.close()


@pytest.mark.parametrize("bad", ["0", "two", "-1"])
def test_a_thread_count_that_is_not_a_number_is_refused(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(memory.LOAD_THREADS_ENV, bad)
    with pytest.raises(ValueError, match="whole number of threads"):
        memory.load_threads()


def test_a_raised_limit_is_set_back_after_its_block(tmp_path: Path) -> None:
    """The loader raises its cap only while it reads a file with a record over ~32 MB."""
    with duckdb.connect() as connection:
        memory.limit_memory(connection, "256MB")
        with memory.memory_limit_for(connection, "1GB", "256MB"):
            assert _limit(connection) == "953.6 MiB"
        assert _limit(connection) == "244.1 MiB"
        with pytest.raises(RuntimeError), memory.memory_limit_for(connection, "1GB", "256MB"):
            raise RuntimeError("the read failed")
        assert _limit(connection) == "244.1 MiB"
        with memory.memory_limit_for(connection, None, "512MB"):
            assert _limit(connection) == "244.1 MiB"
