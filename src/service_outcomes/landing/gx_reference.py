"""The feed contracts as Great Expectations suites: the reference the DuckDB checks are held to.

Each contract's value rules become a GX 1.x expectation suite (not null, match regex, be in set,
be between on the value read as a number). GX runs it on pandas, which costs a few microseconds
per row and rule in Python: right for a reference run on sample files, too slow for every row of
millions (DECISIONLOG, "Landing checks in DuckDB"). The loader runs the same rules compiled to
DuckDB (``sqlchecks``); ``failing_rows`` gives GX's verdict so a test can compare the two.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pandas as pd

from .contract import Contract, anchored

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

_NUMBER = "#number"  # suffix of the numeric copy of a column checked against a range


def _gx() -> Any:
    """Great Expectations, imported on first use (it takes seconds to import)."""
    import great_expectations as gx  # after GX_ANALYTICS_ENABLED above

    return gx


def expectations(contract: Contract, columns: set[str]) -> Iterator[Any]:
    """The suite of one feed: one expectation per value rule of each column present."""
    E = _gx().expectations
    for rule in contract.fields:
        if rule.name not in columns:
            continue
        col = rule.name
        meta = {"field": col}
        if rule.not_null:
            yield E.ExpectColumnValuesToNotBeNull(column=col, meta=meta | {"kind": "not_null"})
        if rule.value_format is not None:
            yield E.ExpectColumnValuesToMatchRegex(
                column=col,
                regex=anchored(rule.value_format.regex),
                meta=meta | {"kind": "format"},
            )
        if rule.regex is not None:
            yield E.ExpectColumnValuesToMatchRegex(
                column=col, regex=anchored(rule.regex), meta=meta | {"kind": "regex"}
            )
        if rule.accepted_values is not None:
            yield E.ExpectColumnValuesToBeInSet(
                column=col,
                value_set=list(rule.accepted_values),
                meta=meta | {"kind": "accepted_values"},
            )
        if rule.has_range:
            yield E.ExpectColumnValuesToBeBetween(
                column=col + _NUMBER,
                min_value=rule.min_value,
                max_value=rule.max_value,
                meta=meta | {"kind": "range"},
            )


def failing_rows(contract: Contract, frame: pd.DataFrame) -> dict[str, list[int]]:
    """GX's verdict on ``frame`` (string columns, None for null, index = data row): the rows
    breaking each rule, by rule id (``<column>:<kind>``), for rules some row breaks."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    rows = frame.index.to_numpy()
    data = frame.reset_index(drop=True).replace("", None)
    for rule in contract.fields:
        if rule.has_range and rule.name in data.columns:
            data[rule.name + _NUMBER] = pd.to_numeric(data[rule.name], errors="coerce")
    asset = context.data_sources.add_pandas("reference").add_dataframe_asset(contract.name)
    batch = asset.add_batch_definition_whole_dataframe("file")
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=contract.name, expectations=list(expectations(contract, set(data.columns)))
        )
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=contract.name, data=batch, suite=suite)
    )
    result = validation.run(
        batch_parameters={"dataframe": data}, result_format={"result_format": "COMPLETE"}
    )
    found: dict[str, list[int]] = {}
    for res in result.results:
        if res.success:
            continue
        meta = res.expectation_config.meta or {}
        index = res.result.get("unexpected_index_list") or []
        found[f"{meta['field']}:{meta['kind']}"] = sorted(int(rows[i]) for i in index)
    return found
