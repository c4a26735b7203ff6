"""Messages of the mapping keys the second vendors brought: ``only_rows_with`` (a row that is not
a row of the target is skipped and counted, never quarantined) and a contract field's
``accepted_values_seed`` (a vendor's own values accepted from a vocabulary seed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from service_outcomes.landing.contract import ContractError, load_formats, parse_contract
from service_outcomes.landing.mapping import MappingError, load_mapping, map_export

DAY = dt.date(2026, 3, 9)
RATINGS = """version: 1
target: {source: qualtrics, table: survey_responses}
missing: ["", "-"]
timezone: Europe/London
ONLY_ROWS_WITH
columns:
  ResponseId: {from: call_id, id: {prefix: "R_", length: 15}}
  StartDate: {from: call_end, timestamp: "M/D/YYYY H:mm:ss"}
  EndDate: {same_as: StartDate}
  RecordedDate: {same_as: StartDate}
  Status: {constant: IVR}
  Progress: {constant: "100"}
  Finished: {constant: "True"}
  "Duration (in seconds)": {constant: "0"}
  DistributionChannel: {constant: ivr}
  connect_contact_id: call_id
  Q1: rating
"""
CALLS = """call_id,call_end,rating
1000000000000001,3/9/2026 9:05:00,5
1000000000000002,3/9/2026 9:10:00,-
1000000000000003,3/9/2026 9:15:00,
1000000000000004,3/9/2026 9:20:00,9
"""


def _mapping(tmp_path: Path, only_rows_with: str) -> Path:
    path = tmp_path / "ratings.yml"
    path.write_text(RATINGS.replace("ONLY_ROWS_WITH", only_rows_with), encoding="utf-8")
    return path


def _export(tmp_path: Path, text: str = CALLS) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["[rating, call_id]", '""', "3"])
def test_only_rows_with_must_name_one_column(tmp_path: Path, value: str) -> None:
    with pytest.raises(MappingError) as raised:
        load_mapping(_mapping(tmp_path, f"only_rows_with: {value}"))
    message = str(raised.value)
    assert "ratings.yml" in message
    assert "only_rows_with: must name one source column" in message


def test_rows_without_the_marker_are_skipped_and_counted_not_quarantined(tmp_path: Path) -> None:
    mapping = load_mapping(_mapping(tmp_path, "only_rows_with: rating"))
    summary = map_export(
        mapping,
        _export(tmp_path),
        tmp_path / "landing",
        tmp_path / "quarantine",
        DAY,
        progress=False,
    )
    # Rows 2 and 3 carry a missing marker ("-", empty): not ratings, so skipped; row 4's 9 is
    # off the 1-5 CSAT item and quarantined with its reason.
    assert (summary.rows_read, summary.rows_written) == (4, 1)
    assert (summary.rows_skipped, summary.rows_quarantined) == (2, 1)
    assert "2 skipped (no value in the mapping's only_rows_with column)" in summary.summary()
    rejected = summary.quarantine_file
    assert rejected is not None
    text = rejected.read_text(encoding="utf-8")
    assert "1000000000000004" in text and "1000000000000002" not in text


def test_only_rows_with_naming_a_column_the_export_lacks_is_an_error(tmp_path: Path) -> None:
    mapping = load_mapping(_mapping(tmp_path, "only_rows_with: ivr_csat"))
    with pytest.raises(MappingError) as raised:
        map_export(mapping, _export(tmp_path), tmp_path / "landing", tmp_path / "quarantine", DAY)
    assert "ivr_csat" in str(raised.value)


CONTRACT = {
    "source": "qualtrics",
    "table": "survey_responses",
    "raw_table": "raw_qualtrics.survey_responses",
    "format": "csv",
    "file_pattern": r"survey_responses-\d{4}-\d{2}-\d{2}(--[a-z_]+)?\.csv",
    "required_columns": ["Status"],
}


def test_a_field_takes_every_vendor_value_of_its_seed() -> None:
    seed = "vocabularies/survey_status_vocabulary.csv"
    raw = {**CONTRACT, "fields": {"Status": {"accepted_values_seed": seed}}}
    contract = parse_contract(raw, load_formats(), "survey.toml")
    [status] = contract.fields
    assert status.accepted_values is not None
    # The reference vendor's values and the second vendors' own, passed through unchanged.
    assert {"IP Address", "Survey Preview", "LIVE", "TEST", "IVR"} <= set(status.accepted_values)


@pytest.mark.parametrize(
    "seed", ["vocabularies/no_such_vocabulary.csv", "reference/region_calendars.csv"]
)
def test_a_bad_accepted_values_seed_names_the_contract_and_the_seed(seed: str) -> None:
    raw = {**CONTRACT, "fields": {"Status": {"accepted_values_seed": seed}}}
    with pytest.raises(ContractError) as raised:
        parse_contract(raw, load_formats(), "survey.toml")
    message = str(raised.value)
    assert message.startswith("contracts/survey.toml: accepted_values_seed")
    assert repr(seed) in message and "source_value column" in message
