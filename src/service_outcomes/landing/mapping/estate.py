"""Built-in vendor mappings, applied on every load.

A mapping file in ``mappings/`` that declares ``export: {source, table}`` is applied to every file
landed under ``<landing>/<source>/<table>/delivery_date=D/``: each export file becomes one canonical
landing file in the same delivery folder of the mapping's target, named after the source system
(``Case-2026-03-02--servicenow.csv``). The step is idempotent: an export whose canonical file is
newer than the export itself is not mapped again; a re-delivered (changed) export is mapped again
and its canonical file replaced, which the loader then treats as a re-delivered file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .events import History, remember_versions
from .readers import detect_format, read_rows
from .run import MapSummary, map_export
from .spec import Mapping, MappingError, load_mapping

#: The project's built-in mappings (one per vendor export and canonical target).
BUILTIN_MAPPINGS = Path(__file__).resolve().parents[4] / "mappings"
_DELIVERY = re.compile(r"delivery_date=(\d{4}-\d{2}-\d{2})")


@dataclass
class EstateMapping:
    """What one pass over the vendor exports did."""

    #: Vendor export folders handled by a mapping (the loader does not treat them as feeds).
    export_dirs: list[Path] = field(default_factory=list)
    mapped: list[tuple[Path, MapSummary]] = field(default_factory=list)
    up_to_date: int = 0

    @property
    def rows_quarantined(self) -> int:
        return sum(s.rows_quarantined for _, s in self.mapped)

    def lines(self) -> list[str]:
        if not self.mapped and not self.up_to_date:
            return []
        written = sum(s.rows_written for _, s in self.mapped)
        return [
            f"vendor exports: {len(self.mapped)} file(s) mapped ({written:,} row(s) written, "
            f"{self.rows_quarantined:,} quarantined), {self.up_to_date} already mapped"
        ]


def builtin_mappings(directory: Path = BUILTIN_MAPPINGS) -> list[Mapping]:
    """Every mapping in ``directory`` that reads a landed vendor export; raises MappingError
    listing the mistakes of every broken file at once."""
    mappings: list[Mapping] = []
    errors: list[str] = []
    for path in sorted(Path(directory).glob("*.yml")):
        try:
            mapping = load_mapping(path)
        except MappingError as exc:
            errors += exc.errors
            continue
        if mapping.export is not None:
            mappings.append(mapping)
    if errors:
        raise MappingError(errors)
    return mappings


def map_vendor_exports(
    landing: Path,
    quarantine: Path,
    mappings: list[Mapping] | None = None,
    *,
    progress: bool = False,
) -> EstateMapping:
    """Apply every built-in mapping to the vendor exports landed under ``landing``."""
    landing = Path(landing)
    result = EstateMapping()
    for mapping in builtin_mappings() if mappings is None else mappings:
        assert mapping.export is not None
        export_dir = landing / mapping.export[0] / mapping.export[1]
        if export_dir not in result.export_dirs:
            result.export_dirs.append(export_dir)
        if not export_dir.is_dir():
            continue
        # A change log (rows: keep: changes) compares each version with the one before it, which
        # may be in an earlier delivery: the last versions are carried from delivery to delivery,
        # and deliveries already mapped are read (not mapped again) once a later one needs them.
        history = History() if mapping.rows is not None and mapping.rows.keep == "changes" else None
        unread: list[Path] = []
        for folder in sorted(p for p in export_dir.iterdir() if p.is_dir()):
            match = _DELIVERY.fullmatch(folder.name)
            if match is None:
                continue
            delivery = dt.date.fromisoformat(match.group(1))
            exports = sorted(p for p in folder.iterdir() if p.is_file() and not _hidden(p))
            if len(exports) > 1 and mapping.contract.file_format != "jsonl":
                raise MappingError(
                    [
                        f"{mapping.path}: export: {folder} holds {len(exports)} files, but "
                        f"{mapping.contract.source}/{mapping.contract.table} takes one file per "
                        "delivery date and system"
                    ]
                )
            for sequence, export in enumerate(exports, start=1):
                if history is not None:
                    if _is_mapped(mapping, export, landing, delivery, sequence):
                        unread.append(export)
                        result.up_to_date += 1
                        continue
                    for earlier in unread:
                        _remember(mapping, earlier, history)
                    unread.clear()
                summary = _map_one(
                    mapping, export, landing, quarantine, delivery, sequence, history
                )
                if summary is None:
                    result.up_to_date += 1
                else:
                    result.mapped.append((export, summary))
                    if progress:
                        print(f"  {export.relative_to(landing)}: {summary.summary()}", flush=True)
    return result


def _map_one(
    mapping: Mapping,
    export: Path,
    landing: Path,
    quarantine: Path,
    delivery: dt.date,
    sequence: int,
    history: History | None = None,
) -> MapSummary | None:
    from .writer import landing_path

    target = landing_path(mapping.contract, landing, delivery, mapping.system, sequence)
    if target.exists() and target.stat().st_mtime >= export.stat().st_mtime:
        return None
    target.unlink(missing_ok=True)
    return map_export(
        mapping,
        export,
        landing,
        quarantine,
        delivery,
        progress=False,
        sequence=sequence,
        history=history,
    )


def _is_mapped(
    mapping: Mapping, export: Path, landing: Path, delivery: dt.date, sequence: int
) -> bool:
    """Whether ``export`` already has its canonical file, newer than the export itself."""
    from .writer import landing_path

    target = landing_path(mapping.contract, landing, delivery, mapping.system, sequence)
    return target.exists() and target.stat().st_mtime >= export.stat().st_mtime


def _remember(mapping: Mapping, export: Path, history: History) -> None:
    """Read the last version of each record of an export already mapped."""
    assert mapping.rows is not None
    fmt = detect_format(export, mapping.input_format)
    _columns, rows = read_rows(export, fmt, delimiter=mapping.delimiter, sheet=mapping.sheet)
    remember_versions(mapping.rows, rows, mapping.missing, history)


def _hidden(path: Path) -> bool:
    return path.name.startswith((".", "_")) or path.name.endswith(".partial")
