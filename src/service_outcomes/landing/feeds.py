"""Discovery of landed files: ``<landing>/<source>/<table>/delivery_date=YYYY-MM-DD/<file>``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .contract import Contract

_DELIVERY_DIR = re.compile(r"delivery_date=(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class LandedFile:
    """One file in the landing folder and the feed (contract) it belongs to."""

    contract: Contract
    delivery_date: dt.date | None  # None when the folder name is not a valid delivery date
    path: Path
    relative_path: str  # POSIX path relative to the landing root, as stored in _source_file
    delivery_folder: str  # the folder between <table> and the file; "" when nested otherwise

    @property
    def source(self) -> str:
        return self.contract.source

    @property
    def table(self) -> str:
        return self.contract.table

    def layout_problem(self) -> str | None:
        """Why this file does not fit the landing layout, or None when it does."""
        folder = self.delivery_folder
        if not _DELIVERY_DIR.fullmatch(folder):
            where = f"found {self.relative_path!r}"
            return f"file must sit in <source>/<table>/delivery_date=YYYY-MM-DD/, {where}"
        if self.delivery_date is None:
            return f"folder {folder!r} does not name a valid date"
        if not self.contract.matches_file_name(self.path.name):
            return (
                f"file name {self.path.name!r} does not match the {self.contract.name} pattern "
                f"{self.contract.file_pattern}"
            )
        return None


@dataclass(frozen=True)
class Discovery:
    files: list[LandedFile]
    ignored: list[str]  # relative paths that belong to no known feed (left in place)


def _delivery_date(folder: str) -> dt.date | None:
    match = _DELIVERY_DIR.fullmatch(folder)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def discover(
    landing_dir: Path,
    contracts: dict[tuple[str, str], Contract],
    exclude: tuple[Path, ...] = (),
) -> Discovery:
    """Every file under a known ``<source>/<table>`` folder, in delivery order.

    Files directly under the landing root (``_generated.json``) and hidden files are not feed
    files. Files under unknown source/table folders are reported as ignored and left alone.
    """
    landing_dir = landing_dir.resolve()
    excluded = tuple(p.resolve() for p in exclude)
    files: list[LandedFile] = []
    ignored: list[str] = []
    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
        if any(path.is_relative_to(ex) for ex in excluded):
            continue
        rel = path.relative_to(landing_dir)
        if len(rel.parts) == 1 or any(part.startswith(".") for part in rel.parts):
            continue
        contract = contracts.get((rel.parts[0], rel.parts[1])) if len(rel.parts) >= 3 else None
        if contract is None:
            ignored.append(rel.as_posix())
            continue
        folder = rel.parts[2] if len(rel.parts) == 4 else ""
        files.append(LandedFile(contract, _delivery_date(folder), path, rel.as_posix(), folder))
    files.sort(key=lambda f: (f.delivery_date or dt.date.min, f.source, f.table, f.relative_path))
    return Discovery(files, ignored)
