"""The loader's DuckDB value checks give Great Expectations' verdict, rule by rule and row by row.

The loader runs each contract's value rules as DuckDB SQL (``sqlchecks``); the same contract as a
GX suite (``gx_reference``) is the reference. Every feed is checked on values chosen to sit on
the edges of its rules: empty, valid examples, near misses of each format, numbers outside and on
the bounds, numbers written oddly, text where numbers belong.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from service_outcomes.landing.contract import Contract, load_contracts
from service_outcomes.landing.gx_reference import failing_rows
from service_outcomes.landing.sqlchecks import ROW, compile_rules

EDGE_VALUES: list[str | None] = [
    None,
    "",
    " ",
    "x",
    "0",
    "-1",
    "1",
    "5",
    "7",
    "10",
    "11",
    "100",
    "101",
    "1.5",
    "1250.50",
    "1e3",
    " 5",
    "nan",
    "inf",
    "1900",
    "2100",
    "2101",
    "12\n",
    "2026-03-08",
    "2026-13-08",
    "2026-03-08T14:05:09Z",
    "2026-03-08T24:05:09Z",
    "2026-03-08T14:05:09.000Z",
    "2026-03-08 09:05:09",
    "R_abcDEF000000001",
    "R_abcDEF00000001",
    "003Hs00000000001AB",
    "500Hs00000000001AB",
    "001Hs00000000001AB",
    "017Hs00000000001AB",
    "005Hs00000000001A",
    "00000123",
    "KA-1003",
    "KA-12",
    "CUSTOMER_DISCONNECT",
    "customer_disconnect",
]


def _frame(contract: Contract) -> pd.DataFrame:
    """One row per edge value and per accepted value, that value in every column."""
    values = list(EDGE_VALUES)
    for rule in contract.fields:
        values += [v for v in rule.accepted_values or () if v not in values]
        if rule.value_format is not None and rule.value_format.example not in values:
            values.append(rule.value_format.example)
    columns = [rule.name for rule in contract.fields]
    frame = pd.DataFrame({c: pd.Series(values, dtype=object) for c in columns})
    frame.index = pd.RangeIndex(1, len(values) + 1)
    return frame


def _duckdb_failing_rows(contract: Contract, frame: pd.DataFrame) -> dict[str, list[int]]:
    con = duckdb.connect()
    con.register("checked", frame.reset_index(names=ROW))
    found: dict[str, list[int]] = {}
    for rule in compile_rules(contract, list(frame.columns)):
        rows = con.execute(f"select {ROW} from checked where {rule.fails} order by 1").fetchall()
        if rows:
            found[rule.rule_id] = [int(r[0]) for r in rows]
    return found


@pytest.mark.parametrize("feed", sorted(f"{s}.{t}" for s, t in load_contracts()))
def test_duckdb_checks_agree_with_the_gx_suite(feed: str) -> None:
    contract = next(c for c in load_contracts().values() if c.name == feed)
    frame = _frame(contract)
    expected = failing_rows(contract, frame)
    assert expected, "the edge values must break some rule"
    assert _duckdb_failing_rows(contract, frame) == expected
