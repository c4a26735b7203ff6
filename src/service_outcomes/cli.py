"""Command line: ``service-outcomes generate | load | report``.

The commands are thin: each parses its options and calls one function of the package, so the
same work can be driven from tests or another orchestrator.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from service_outcomes.generate import SCALES, generate

    config = replace(SCALES[args.scale], seed=args.seed)
    if args.customers is not None:
        config = replace(config, customers=args.customers)
    if args.days is not None:
        config = replace(config, days=args.days)
    summary = generate(config, args.landing, args.truth, progress=not args.quiet)
    print(summary.summary())
    return 0


def _load(args: argparse.Namespace) -> int:
    from service_outcomes.landing import LoadLockedError, load_landing

    try:
        report = load_landing(
            args.landing,
            args.database,
            args.quarantine,
            wait=args.wait,
            progress=not args.quiet,
        )
    except LoadLockedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    print(report.summary())
    return 0


def _report(args: argparse.Namespace) -> int:
    from service_outcomes.report import format_headline, read_headline

    print(format_headline(read_headline(args.database)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="service-outcomes",
        description="Generate, check, load and report the customer-service outcome warehouse.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser(
        "generate",
        help="simulate a service organisation and write its exports to a landing folder",
        description="Write Salesforce, Amazon Connect and Qualtrics exports of one simulated "
        "world into LANDING (partitioned by delivery date) and its ground truth into TRUTH.",
    )
    generate.add_argument(
        "--scale",
        default="demo",
        choices=["ci", "demo", "1m", "10m"],
        help="preset size (default demo)",
    )
    generate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    generate.add_argument("--customers", type=int, help="override the preset's customer count")
    generate.add_argument("--days", type=int, help="override the preset's number of days")
    generate.add_argument("--landing", type=Path, default=Path("data/landing"))
    generate.add_argument("--truth", type=Path, default=Path("data/truth"))
    generate.add_argument("--quiet", action="store_true", help="no progress display")
    generate.set_defaults(handler=_generate)

    load = commands.add_parser(
        "load",
        help="check landed files against their contracts and load them into DuckDB",
        description="Check every file under LANDING against its contract (Great Expectations), "
        "quarantine files that break a rule, and load the rest into the raw schemas of DATABASE. "
        "Files already loaded (same checksum) are skipped.",
    )
    load.add_argument("--landing", type=Path, default=Path("data/landing"))
    load.add_argument("--database", type=Path, default=Path("data/warehouse.duckdb"))
    load.add_argument("--quarantine", type=Path, default=Path("data/quarantine"))
    load.add_argument("--wait", action="store_true", help="wait for a running load to finish")
    load.add_argument("--quiet", action="store_true", help="no progress display")
    load.set_defaults(handler=_load)

    report = commands.add_parser(
        "report",
        help="print the headline customer outcomes from the built marts",
    )
    report.add_argument("--database", type=Path, default=Path("data/warehouse.duckdb"))
    report.set_defaults(handler=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
