"""DuckDB memory limits: the loader's connection carries its limit, a bad size is refused."""

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
