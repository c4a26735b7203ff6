"""Landing: check exported files against their contracts and load them into DuckDB.

``load_landing`` is the entry point; see ``docs/landing_formats.md`` for the contract.
"""

from .loader import load_landing
from .lock import LoadLockedError
from .report import LoadReport

__all__ = ["LoadLockedError", "LoadReport", "load_landing"]
