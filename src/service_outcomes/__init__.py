"""Customer-service outcome warehouse: everything that is not SQL.

Sub-packages: ``generate`` simulates a service organisation and writes its exports,
``landing`` checks landed files against their contracts and loads them into DuckDB.
"""

__version__ = "0.1.0"
