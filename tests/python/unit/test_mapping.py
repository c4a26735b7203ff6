"""Bring your own export: mapping validation, value transforms, quarantine and end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from service_outcomes.cli import main
from service_outcomes.landing import load_landing
from service_outcomes.landing.mapping import MappingError, load_mapping, map_export
from service_outcomes.landing.mapping.spec import ScaleRule
from service_outcomes.landing.mapping.timeformats import (
    FormatError,
    compile_duration,
    compile_timestamp,
)
from service_outcomes.landing.mapping.transforms import RowError, map_row, nps_group, rescale

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "mappings"
BUILT_IN = Path(__file__).resolve().parents[3] / "mappings"
DAY = __import__("datetime").date(2026, 3, 9)

CALLS_HEAD = """version: 1
target: {source: amazon_connect, table: contact_records}
missing: ["", "NULL", "-"]
"""
CALLS_COLUMNS = """columns:
  ContactId: id
  Channel: {constant: VOICE}
  InitiationMethod: {constant: INBOUND}
  InitiationTimestamp: {from: start, timestamp: "M/D/YYYY H:mm:ss"}
  LastUpdateTimestamp: {same_as: InitiationTimestamp}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(MappingError) as info:
        load_mapping(write(tmp_path, "m.yml", text))
    return info.value.errors


def calls_mapping(tmp_path: Path, extra: str = "", zone: str = "timezone: America/New_York\n"):
    return load_mapping(write(tmp_path, "m.yml", CALLS_HEAD + zone + CALLS_COLUMNS + extra))


# --- validation: every mistake named with file and key path, all at once -------------------


def test_unknown_target_table(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, "target: {source: genesys, table: calls}\ncolumns: {a: b}\n")
    assert any("m.yml: target: unknown target table genesys/calls" in e for e in errors)


def test_non_canonical_column_unmapped_required_and_bad_zone_together(tmp_path: Path) -> None:
    text = """target: {source: amazon_connect, table: contact_records}
timezone: Mars/Olympus
columns:
  ContactId: id
  CallerMood: mood
  InitiationTimestamp: {from: start, timestamp: "YYYY-MM-DD HH:mm:ss"}
"""
    errors = errors_of(tmp_path, text)
    joined = "\n".join(errors)
    assert (
        "columns.CallerMood: 'CallerMood' is not a column of amazon_connect/contact_records"
        in joined
    )
    assert "timezone: unknown time zone 'Mars/Olympus'" in joined
    for required in ("Channel", "InitiationMethod", "LastUpdateTimestamp"):
        assert f"required canonical column {required!r} is not mapped" in joined
    assert all(e.startswith(f"{tmp_path / 'm.yml'}: ") for e in errors)


def test_unknown_format_tokens_and_duration_format(tmp_path: Path) -> None:
    extra = '  Queue.Duration: {from: wait, duration: "hh:mm"}\n'
    text = (
        CALLS_HEAD
        + "timezone: UTC\n"
        + CALLS_COLUMNS.replace("M/D/YYYY H:mm:ss", "YYYY-MM-DDTHH:mm:ss")
        + extra
    )
    errors = "\n".join(errors_of(tmp_path, text))
    assert "columns.InitiationTimestamp.timestamp: unknown format token(s) 'DDTHH'" in errors
    assert "columns.Queue.Duration.duration: unknown duration format 'hh:mm'" in errors


def test_duplicate_targets(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, CALLS_HEAD + "timezone: UTC\n" + CALLS_COLUMNS + "  Channel: c\n")
    assert any("duplicate key 'Channel'" in e for e in errors)


def test_scale_rule_required_for_non_canonical_scale(tmp_path: Path) -> None:
    text = """target: {source: qualtrics, table: survey_responses}
timezone: UTC
columns:
  ResponseId: {from: r, id: {prefix: R_, length: 15}}
  StartDate: {from: s, timestamp: "YYYY-MM-DD HH:mm"}
  EndDate: {same_as: StartDate}
  RecordedDate: {same_as: StartDate}
  Status: {constant: IP Address}
  Progress: {constant: "100"}
  Finished: {constant: "True"}
  "Duration (in seconds)": {constant: "0"}
  Q3: {from: rec, scale: {from: [1, 10]}}
  Q2: {from: eff, scale: {from: [1, 5], rule: cubic}}
  Q1: {from: sat, scale: {from: [1, 10], rule: identity}}
  Q4: {from: c, scale: {from: [1, 5]}}
"""
    errors = "\n".join(errors_of(tmp_path, text))
    assert "columns.Q3.scale.rule: required: 1-10 is not the canonical 0-10 scale of Q3" in errors
    assert "columns.Q2.scale.rule: unknown rule 'cubic'" in errors
    assert "columns.Q1.scale.rule: identity cannot place 1-10 on the 1-5 scale" in errors
    assert "columns.Q4.scale: Q4 is not a rating on a fixed scale" in errors


def test_vocabulary_must_map_to_canonical_values_and_unknown_keys(tmp_path: Path) -> None:
    extra = "  DisconnectReason: {from: o, colour: red}\n"
    extra += "  Attributes.bot_outcome: {from: o, values: {Y: 'yes'}}\n"
    extra += "  Attributes.survey_opt_in: {from: o, values: {Y: yes}}\n"
    errors = "\n".join(errors_of(tmp_path, CALLS_HEAD + "timezone: UTC\n" + CALLS_COLUMNS + extra))
    assert "columns.DisconnectReason.colour: unknown key" in errors
    assert "columns.Attributes.bot_outcome.values: maps to 'yes', not canonical values" in errors
    assert (
        "columns.Attributes.survey_opt_in.values: a key or value was read as true/false" in errors
    )


def test_missing_time_zone_and_export_column(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, CALLS_HEAD + CALLS_COLUMNS)
    assert any(
        e.endswith("timezone: required: a timestamp without an offset needs a source zone")
        for e in errors
    )
    mapping = calls_mapping(tmp_path)
    export = write(tmp_path, "x.csv", "id,begin\n1,3/8/2026 9:00:00\n")
    with pytest.raises(MappingError, match="has no column 'start'"):
        map_export(mapping, export, tmp_path / "l", tmp_path / "q", DAY, progress=False)


def test_cli_exit_code_2_lists_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.yml", "target: {source: x, table: y}\nbogus: 1\n")
    code = main(["map", "--mapping", str(bad), "--input", str(bad), "--landing", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.yml: bogus: unknown key" in err and "bad.yml: target: unknown target table" in err
    assert "2 error(s) in the mapping" in err


# --- transforms --------------------------------------------------------------------------


def test_timestamps_without_leading_zeros_and_offsets() -> None:
    fmt = compile_timestamp("M/D/YYYY H:mm:ss")
    assert fmt.parse("3/8/2026 9:05:07")[0].isoformat() == "2026-03-08T09:05:07"
    assert fmt.parse("12/31/2026 23:59:59")[0].isoformat() == "2026-12-31T23:59:59"
    assert fmt.parse("13/1/2026 9:05:07") is None  # no month 13
    pm = compile_timestamp("DD.MM.YY h:mm A").parse("08.03.26 9:05 pm")
    assert pm[0].isoformat() == "2026-03-08T21:05:00"
    stamp, offset = compile_timestamp("YYYY-MM-DD[T]HH:mm:ssZ").parse("2026-03-08T09:05:07+01:00")
    assert offset is not None and stamp.hour == 9
    with pytest.raises(FormatError, match="'Q'"):
        compile_timestamp("YYYY-MM-DD Q")


def test_durations_and_zero_means_did_not_happen(tmp_path: Path) -> None:
    assert compile_duration("h:mm:ss").seconds("0:01:05") == 65
    assert compile_duration("h:mm:ss").seconds("12:00:00") == 43200
    assert compile_duration("m:ss").seconds("1:05") == 65
    assert compile_duration("h:mm:ss").seconds("1:05") is None
    extra = "  Queue.Duration: {from: wait, duration: 'h:mm:ss', zero_means_missing: true}\n"
    extra += "  Agent.AgentInteractionDuration: {from: talk, duration: 'h:mm:ss'}\n"
    mapping = calls_mapping(tmp_path, extra)
    row = {"id": "1", "start": "3/8/2026 9:00:00", "wait": "0:00:00", "talk": "0:00:00"}
    out = map_row(mapping, row)
    assert out["Queue.Duration"] is None  # did not happen
    assert out["Agent.AgentInteractionDuration"] == "0"  # zero, not declared as "did not happen"
    with pytest.raises(RowError, match="not a duration in h:mm:ss form"):
        map_row(mapping, {**row, "wait": "65s"})


def test_vocabularies_and_missing_markers(tmp_path: Path) -> None:
    extra = """  Attributes.survey_opt_in: {from: optin, values: {Y: "true", N: "false"}}
  Attributes.intent: {from: menu, values: {"1": billing}, unmapped: missing, missing: ["0"]}
"""
    mapping = calls_mapping(tmp_path, extra)
    row = {"id": "1", "start": "3/8/2026 9:00:00", "optin": "Y", "menu": "1"}
    assert map_row(mapping, row)["Attributes.survey_opt_in"] == "true"
    assert map_row(mapping, {**row, "optin": "NULL"})["Attributes.survey_opt_in"] is None
    assert map_row(mapping, {**row, "menu": "7"})["Attributes.intent"] is None  # unmapped: missing
    assert map_row(mapping, {**row, "menu": "0"})["Attributes.intent"] is None  # column marker
    with pytest.raises(RowError, match="'maybe' is not in the vocabulary"):
        map_row(mapping, {**row, "optin": "maybe"})


def test_time_zone_conversion_across_dst(tmp_path: Path) -> None:
    mapping = calls_mapping(tmp_path)
    start = lambda text: map_row(mapping, {"id": "1", "start": text})["InitiationTimestamp"]  # noqa: E731
    assert start("3/7/2026 9:00:00") == "2026-03-07T14:00:00Z"  # EST, UTC-5
    assert start("3/8/2026 9:00:00") == "2026-03-08T13:00:00Z"  # EDT, UTC-4
    assert start("11/1/2026 1:30:00") == "2026-11-01T05:30:00Z"  # repeated hour: first (EDT)
    with pytest.raises(RowError, match="does not exist in America/New_York"):
        start("3/8/2026 2:30:00")
    london = calls_mapping(tmp_path, zone="timezone: Europe/London\n")
    row = {"id": "1", "start": "3/29/2026 9:00:00"}
    assert map_row(london, row)["InitiationTimestamp"] == "2026-03-29T08:00:00Z"  # BST


def test_time_zone_per_site_column(tmp_path: Path) -> None:
    zone = "timezone: {column: site, zones: {LDN: Europe/London, NYC: America/New_York}}\n"
    mapping = calls_mapping(tmp_path, zone=zone)
    row = {"id": "1", "start": "3/8/2026 9:00:00", "site": "LDN"}
    assert map_row(mapping, row)["InitiationTimestamp"] == "2026-03-08T09:00:00Z"
    assert map_row(mapping, {**row, "site": "NYC"})["InitiationTimestamp"] == "2026-03-08T13:00:00Z"
    with pytest.raises(RowError, match="'PAR' names no time zone"):
        map_row(mapping, {**row, "site": "PAR"})


@pytest.mark.parametrize(
    ("rule", "points", "expected"),
    [
        (ScaleRule(1, 10, 0, 10, "linear", "l"), [1, 2, 5, 6, 10], [0, 1, 4, 6, 10]),
        (ScaleRule(1, 5, 1, 7, "linear", "l"), [1, 2, 3, 4, 5], [1, 3, 4, 6, 7]),
        (ScaleRule(1, 10, 0, 10, "identity", "i"), [1, 10], [1, 10]),
        (ScaleRule(1, 5, 1, 5, "identity", "i", reversed=True), [1, 5], [5, 1]),
        (
            ScaleRule(1, 5, 0, 10, "table", "t", table={1: 0, 2: 3, 3: 6, 4: 8, 5: 10}),
            [2, 4],
            [3, 8],
        ),
    ],
)
def test_scale_rules(rule: ScaleRule, points: list[int], expected: list[int]) -> None:
    assert [rescale(rule, str(p), "x") for p in points] == expected


def test_scale_rejects_off_scale_and_labels_output(tmp_path: Path) -> None:
    with pytest.raises(RowError, match="not a whole point on the declared 1-10 scale"):
        rescale(ScaleRule(1, 10, 0, 10, "linear", "l"), "11", "rec")
    with pytest.raises(RowError):
        rescale(ScaleRule(1, 10, 0, 10, "linear", "l"), "2.5", "rec")
    assert [nps_group(s) for s in ("10", "9", "8", "7", "6", "0", None)] == [
        "Promoter",
        "Promoter",
        "Passive",
        "Passive",
        "Detractor",
        "Detractor",
        None,
    ]
    mapping = load_mapping(BUILT_IN / "flat_survey__responses__survey_responses.yml")
    row = {
        "response_no": "1",
        "started": "08/03/2026 09:29",
        "recorded": "08/03/2026 09:30",
        "response_type": "LIVE",
        "complete": "Y",
        "time_taken": "1:00",
        "distribution": "SMS",
        "lang": "en",
        "call_ref": "",
        "customer_ref": "",
        "case_ref": "",
        "channel": "voice",
        "topic": "billing",
        "satisfied": "4",
        "ease": "",
        "recommend": "10",
        "comment": "",
    }
    out = map_row(mapping, row)
    assert out["Q3"] == "10" and out["Q3_scale_rule"] == "linear 1-10 to 0-10"
    assert out["Q2"] is None and out["Q2_scale_rule"] is None  # no score, no label
    # A canonical-scale item mapped with no rule passes through without a label.
    assert out["Q1"] == "4" and "Q1_scale_rule" not in out


# --- quarantine and end to end ------------------------------------------------------------


def test_unplaceable_rows_quarantined_with_reason(tmp_path: Path) -> None:
    mapping = calls_mapping(tmp_path)
    export = write(
        tmp_path, "calls.csv", "id,start\n1,3/8/2026 9:00:00\n,3/8/2026 9:00:00\n3,yesterday\n"
    )
    summary = map_export(mapping, export, tmp_path / "l", tmp_path / "q", DAY, progress=False)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (3, 1, 2)
    assert summary.quarantine_file is not None
    with summary.quarantine_file.open(encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [r["_input_row"] for r in rejected] == ["2", "3"]
    assert "ContactId is empty but the contract requires a value" in rejected[0]["_reason"]
    assert "'yesterday' does not match the timestamp format" in rejected[1]["_reason"]
    assert rejected[1]["start"] == "yesterday"  # the row as read
    reason = summary.quarantine_file.with_name(summary.quarantine_file.name + ".reason.txt")
    assert "2 row(s)" in reason.read_text(encoding="utf-8")


def test_readers_tsv_json_jsonl_xlsx(tmp_path: Path) -> None:
    mapping = calls_mapping(tmp_path)
    rows = [{"id": "1", "start": "3/8/2026 9:00:00"}, {"id": "2", "start": "3/8/2026 10:00:00"}]
    write(tmp_path, "a.tsv", "id\tstart\n1\t3/8/2026 9:00:00\n2\t3/8/2026 10:00:00\n")
    write(tmp_path, "a.json", json.dumps(rows))
    write(tmp_path, "a.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n{bad\n")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "start"])
    sheet.append([1, "3/8/2026 9:00:00"])
    sheet.append([2, "3/8/2026 10:00:00"])
    book.save(tmp_path / "a.xlsx")
    for name, quarantined in (("a.tsv", 0), ("a.json", 0), ("a.jsonl", 1), ("a.xlsx", 0)):
        summary = map_export(
            mapping,
            tmp_path / name,
            tmp_path / name.replace(".", "_"),
            tmp_path / "q",
            DAY,
            progress=False,
        )
        assert (summary.rows_written, summary.rows_quarantined) == (2, quarantined), name
        assert summary.landing_file is not None
        first = json.loads(summary.landing_file.read_text(encoding="utf-8").splitlines()[0])
        assert first["ContactId"] == "1" and first["InitiationTimestamp"] == "2026-03-08T13:00:00Z"


def test_example_export_maps_loads_and_lands_in_raw_tables(tmp_path: Path) -> None:
    """The bring-your-own example of README "Mapping your own export", as its walk-through runs."""
    landing, quarantine = tmp_path / "landing", tmp_path / "quarantine"
    code = main(
        [
            "map",
            "--mapping",
            str(EXAMPLES / "legacy_call_log.yml"),
            "--input",
            str(EXAMPLES / "legacy_call_log.csv"),
            "--landing",
            str(landing),
            "--quarantine",
            str(quarantine),
            "--delivery-date",
            "2026-03-09",
            "--quiet",
        ]
    )
    assert code == 0
    database = tmp_path / "w.duckdb"
    report = load_landing(landing, database, tmp_path / "loader_quarantine", progress=False)
    assert report.files_quarantined == 0 and report.files_loaded == 1
    con = duckdb.connect(str(database), read_only=True)
    try:
        records = [
            json.loads(r[0])
            for r in con.execute(
                "select record from raw_amazon_connect.contact_records order by _source_row"
            ).fetchall()
        ]
    finally:
        con.close()
    assert [r["ContactId"] for r in records] == [
        "ACD-0001",
        "ACD-0002",
        "ACD-0005",
        "ACD-0006",
        "ACD-0007",
    ]
    assert records[1]["Agent"] is None and records[1]["Queue"]["Duration"] == "65"  # abandoned
    assert records[0]["InitiationTimestamp"] == "2026-03-07T14:02:11Z"  # NYC, EST
    assert records[3]["InitiationTimestamp"] == "2026-03-08T09:05:07Z"  # LDN, GMT
    [rejected] = list((quarantine / "mapping").rglob("*.rejected.csv"))
    with rejected.open(encoding="utf-8") as fh:
        reasons = {row["call_id"]: row["_reason"] for row in csv.DictReader(fh)}
    # The README walk-through shows these four reasons as they print.
    assert reasons == {
        "ACD-0003": "call_date+queue_start = 2026-03-08 02:00:05 does not exist in "
        "America/New_York (clocks went forward over it)",
        "ACD-0004": "call_date+ivr_start = 2026-03-08 02:30:00 does not exist in "
        "America/New_York (clocks went forward over it)",
        "ACD-0008": "outcome = 'XFER' is not in the vocabulary for Attributes.acd_outcome "
        "(known: AGENT, HANG, PHAN)",
        "ACD-0009": "site = 'PAR' names no time zone in the mapping (known: LDN, NYC)",
    }
