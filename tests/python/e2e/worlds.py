"""Build further simulated worlds end to end (for example the same world written through other
vendors), beside the session's CI build, each in its own temporary folder."""

from __future__ import annotations

from pathlib import Path

import duckdb

from service_outcomes.generate import GeneratorConfig, generate
from service_outcomes.landing import load_landing

from .warehouse import BuiltWarehouse, run_dbt


def build_world(root: Path, config: GeneratorConfig, *dbt_args: str) -> BuiltWarehouse:
    """Generate ``config`` under ``root``, load it and run ``dbt build`` (plus ``dbt_args``)."""
    root.mkdir(parents=True, exist_ok=True)
    warehouse = BuiltWarehouse(
        root=root,
        landing=root / "landing",
        truth=root / "truth",
        quarantine=root / "quarantine",
        database=root / "warehouse.duckdb",
    )
    generate(config, warehouse.landing, warehouse.truth, progress=False)
    load_landing(warehouse.landing, warehouse.database, warehouse.quarantine, progress=False)
    run_dbt(warehouse, "build", *dbt_args)
    return warehouse


def query(warehouse: BuiltWarehouse, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` run read-only against the warehouse file."""
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()
