"""Build a warehouse end to end in a temporary folder: generate, load, dbt build."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DBT = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class BuiltWarehouse:
    """Paths of one end-to-end build."""

    root: Path
    landing: Path
    truth: Path
    quarantine: Path
    database: Path


def run_dbt(
    warehouse: BuiltWarehouse, *args: str, project_dir: Path = PROJECT_ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a dbt command against the warehouse file; raise with dbt's output when it fails.
    project_dir may be a linked copy of this project (for example with a changed seed)."""
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "SERVICE_OUTCOMES_DB": str(warehouse.database),
    }
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(warehouse.root / "target"),
        "--log-path",
        str(warehouse.root / "logs"),
        "--no-use-colors",
    ]
    completed = subprocess.run(
        command, cwd=project_dir, env=environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stdout[-6000:]}"
            f"\n{completed.stderr[-3000:]}"
        )
    return completed
