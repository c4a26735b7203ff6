"""Bring your own export: a declared YAML mapping turns an unfamiliar CSV / TSV / JSON / XLSX
export into canonical landing files that the existing contracts and loader accept.

``spec`` reads and validates the mapping, ``readers`` reads the export, ``timeformats`` and
``transforms`` turn source values into canonical ones, ``writer`` writes the landing file and the
quarantine of rows that could not be placed, ``run`` ties them together.
"""

from .run import MapSummary, map_export
from .spec import Mapping, MappingError, load_mapping

__all__ = ["MapSummary", "Mapping", "MappingError", "load_mapping", "map_export"]
