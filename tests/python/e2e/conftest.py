"""One end-to-end build of the CI data set, shared by the end-to-end tests of a session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service_outcomes.generate import SCALES, generate
from service_outcomes.landing import load_landing

from .warehouse import BuiltWarehouse, run_dbt


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    root: Path = tmp_path_factory.mktemp("warehouse")
    warehouse = BuiltWarehouse(
        root=root,
        landing=root / "landing",
        truth=root / "truth",
        quarantine=root / "quarantine",
        database=root / "warehouse.duckdb",
    )
    generate(SCALES["ci"], warehouse.landing, warehouse.truth, progress=False)
    load_landing(warehouse.landing, warehouse.database, warehouse.quarantine, progress=False)
    run_dbt(warehouse, "build")
    yield warehouse
