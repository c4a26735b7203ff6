"""The command line parses as documented and the headline report formats rates from their parts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from service_outcomes.cli import build_parser, main
from service_outcomes.landing import ledger
from service_outcomes.report import Headline, format_headline


def _headline(**overrides: object) -> Headline:
    values: dict[str, object] = {
        "episodes": 10,
        "contact_chains": 14,
        "fcr_numerator": 3,
        "fcr_denominator": 4,
        "repeat_numerator": 1,
        "repeat_denominator": 8,
        "resolved_episodes": 5,
        "resolution_seconds": 5 * 7200,
        "median_resolution_seconds": 3600.0,
        "as_of_at": "2026-04-30 00:00:00",
        "fcr_version": 1,
        "fcr_window_days": 7,
        "repeat_version": 1,
    }
    values.update(overrides)
    return Headline(**values)  # type: ignore[arg-type]


def test_rates_come_from_numerators_and_denominators() -> None:
    headline = _headline()
    assert headline.first_contact_resolution == 0.75
    assert headline.repeat_contact_rate == 0.125
    assert headline.mean_resolution_seconds == 7200
    text = format_headline(headline)
    assert "75.0%" in text and "12.5%" in text and "2.0 h" in text and "7-day window" in text


def test_empty_denominators_print_not_available_rather_than_zero() -> None:
    headline = _headline(
        fcr_numerator=0, fcr_denominator=0, resolved_episodes=0, resolution_seconds=0
    )
    assert headline.first_contact_resolution is None
    assert "n/a" in format_headline(headline)


@pytest.mark.parametrize(
    "command", ["generate", "load", "loaded-sources", "map", "report", "site-data", "bench"]
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: service-outcomes" in capsys.readouterr().out


def test_unknown_scale_is_rejected_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--scale", "huge"])
    assert "invalid choice" in capsys.readouterr().err


def test_an_unavailable_outcome_is_named_with_its_reason_never_a_zero() -> None:
    reason = "not available from these sources: no case was loaded"
    headline = _headline(
        fcr_numerator=0,
        fcr_denominator=0,
        unavailable={"first_contact_resolution": reason, "resolution_time": reason},
    )
    text = format_headline(headline)
    fcr_line = next(line for line in text.splitlines() if "First contact resolution" in line)
    assert fcr_line.strip() == f"First contact resolution  {reason}"
    assert "0.0%" not in text and "Repeat contact rate" in text


def test_freshness_is_selected_only_for_the_feeds_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make build` runs `dbt source freshness --select $(service-outcomes loaded-sources)`: a call
    log with no CRM is not reported stale for the CRM it never had."""
    database = tmp_path / "warehouse.duckdb"
    assert main(["loaded-sources", "--database", str(database)]) == 0
    assert capsys.readouterr().out.strip() == ""  # no warehouse yet: nothing to check
    with duckdb.connect(str(database)) as con:
        ledger.ensure(con)
        at = dt.datetime(2026, 3, 2, 6, 0)
        rows = [
            ("amazon_connect/x.jsonl", "amazon_connect", "loaded"),
            ("amazon_connect/y.jsonl", "amazon_connect", "loaded"),
            ("salesforce/Case.csv", "salesforce", "quarantined"),
        ]
        for source_file, source, status in rows:
            con.execute(
                "insert into raw_meta.load_ledger values (?, ?, 't', ?, 'h', 1, 1, ?, ?, 0.1)",
                [source_file, source, dt.date(2026, 3, 2), status, at],
            )
    assert ledger.loaded_sources(database) == ["amazon_connect"]
    assert main(["loaded-sources", "--database", str(database)]) == 0
    printed = capsys.readouterr()
    assert printed.out.strip() == "source:amazon_connect"
    assert "freshness not checked for qualtrics, salesforce: never loaded" in printed.err
