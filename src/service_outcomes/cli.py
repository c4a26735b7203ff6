"""Command line: ``service-outcomes generate | load | loaded-sources | map | report | site-data |
bench``.

The commands are thin: each parses its options and calls one function of the package, so the
same work can be driven from tests or another orchestrator.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from service_outcomes.generate.config import VENDORS


def _generate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from service_outcomes.generate import SCALES, generate

    config = SCALES[args.scale]
    if args.seed is not None:
        config = replace(config, seed=args.seed)
    if args.customers is not None:
        config = replace(config, customers=args.customers)
    if args.days is not None:
        config = replace(config, days=args.days)
    config = replace(config, crm=args.crm, telephony=args.telephony, surveys=args.surveys)
    if args.workers is not None and args.workers < 1:
        print("service-outcomes generate: --workers must be at least 1", file=sys.stderr)
        return 2
    summary = generate(
        config, args.landing, args.truth, progress=not args.quiet, workers=args.workers
    )
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


def _loaded_sources(args: argparse.Namespace) -> int:
    from service_outcomes.landing.contract import load_contracts
    from service_outcomes.landing.ledger import loaded_sources

    loaded = loaded_sources(args.database)
    known = sorted({source for source, _ in load_contracts()})
    never = [source for source in known if source not in loaded]
    if never:
        print(
            f"freshness not checked for {', '.join(never)}: never loaded into {args.database}",
            file=sys.stderr,
        )
    print(" ".join(f"source:{source}" for source in loaded))
    return 0


def _report(args: argparse.Namespace) -> int:
    from service_outcomes.report import format_headline, read_headline

    print(format_headline(read_headline(args.database)))
    return 0


def _site_data(args: argparse.Namespace) -> int:
    from service_outcomes.site import export_site_data

    print(export_site_data(args.database, args.output).summary())
    return 0


def _bench(args: argparse.Namespace) -> int:
    from service_outcomes.bench import parse_scales, run_benchmark
    from service_outcomes.generate import SCALES

    try:
        scales = parse_scales(args.scale, list(SCALES))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return run_benchmark(scales, args.root, seed=args.seed)


def _map(args: argparse.Namespace) -> int:
    import datetime as dt

    from service_outcomes.landing.mapping import MappingError, load_mapping, map_export
    from service_outcomes.landing.mapping.readers import InputError
    from service_outcomes.landing.mapping.writer import LandingExistsError

    try:
        delivery = dt.date.fromisoformat(args.delivery_date) if args.delivery_date else None
    except ValueError:
        print(f"error: --delivery-date {args.delivery_date!r} is not YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        mapping = load_mapping(args.mapping)
        if not args.quiet:
            print(f"mapping {args.input} onto {mapping.contract.name} ...", file=sys.stderr)
        summary = map_export(
            mapping,
            args.input,
            args.landing,
            args.quarantine,
            delivery or dt.datetime.now(dt.UTC).date(),
            progress=not args.quiet,
        )
    except MappingError as error:
        for message in error.errors:
            print(f"error: {message}", file=sys.stderr)
        print(f"{len(error.errors)} error(s) in the mapping; nothing written", file=sys.stderr)
        return 2
    except (InputError, LandingExistsError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(summary.summary())
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
        choices=["ci", "100k", "demo", "1m", "10m"],
        help="preset size (default demo)",
    )
    generate.add_argument(
        "--seed", type=int, help="random seed (default: the scale's own: 53 for ci, 42 otherwise)"
    )
    generate.add_argument("--customers", type=int, help="override the preset's customer count")
    generate.add_argument("--days", type=int, help="override the preset's number of days")
    for feed, help_text in (
        ("crm", "which CRM writes the cases and customers"),
        ("telephony", "which telephony system writes the contact records"),
        ("surveys", "which survey platform writes the responses"),
    ):
        choices = VENDORS[feed]
        generate.add_argument(
            f"--{feed}",
            choices=choices,
            default=choices[0],
            help=f"{help_text}: {', '.join(choices[:2])} or mixed (the second vendor serves "
            f"the customers of some regions)"
            + (" or none (no such system: nothing written)" if "none" in choices else "")
            + f"; default {choices[0]}",
        )
    generate.add_argument("--landing", type=Path, default=Path("data/landing"))
    generate.add_argument("--truth", type=Path, default=Path("data/truth"))
    generate.add_argument("--quiet", action="store_true", help="no progress display")
    generate.add_argument(
        "--workers",
        type=int,
        help="processes that simulate blocks of customers (default: the usable CPUs, at most 2, "
        "or $SERVICE_OUTCOMES_GENERATE_WORKERS); the output is the same for any number",
    )
    generate.set_defaults(handler=_generate)

    load = commands.add_parser(
        "load",
        help="check landed files against their contracts and load them into DuckDB",
        description="Check every file under LANDING against its contract (in DuckDB), "
        "quarantine files that break a rule, and load the rest into the raw schemas of DATABASE. "
        "Files already loaded (same checksum) are skipped.",
    )
    load.add_argument("--landing", type=Path, default=Path("data/landing"))
    load.add_argument("--database", type=Path, default=Path("data/warehouse.duckdb"))
    load.add_argument("--quarantine", type=Path, default=Path("data/quarantine"))
    load.add_argument("--wait", action="store_true", help="wait for a running load to finish")
    load.add_argument("--quiet", action="store_true", help="no progress display")
    load.set_defaults(handler=_load)

    map_ = commands.add_parser(
        "map",
        help="map your own CSV / TSV / JSON / XLSX export onto a landing contract",
        description="Read INPUT, map every row with the declared MAPPING (YAML: target feed, "
        "column renames, vocabularies, timestamp / duration formats, missing markers, source "
        "time zone, rating-scale rules) and write one canonical file under LANDING/<source>/"
        "<table>/delivery_date=DATE/, ready for `service-outcomes load`. Rows the mapping cannot "
        "place go to QUARANTINE/mapping/... with their reason. Exit 2 on mapping errors "
        "(all listed), 1 when the export cannot be read.",
    )
    map_.add_argument("--mapping", type=Path, required=True, help="the mapping YAML file")
    map_.add_argument("--input", type=Path, required=True, help="the export to map")
    map_.add_argument("--landing", type=Path, default=Path("data/landing"))
    map_.add_argument("--quarantine", type=Path, default=Path("data/quarantine"))
    map_.add_argument("--delivery-date", help="YYYY-MM-DD delivery folder (default today, UTC)")
    map_.add_argument("--quiet", action="store_true", help="no progress display")
    map_.set_defaults(handler=_map)

    loaded = commands.add_parser(
        "loaded-sources",
        help="print dbt selectors (source:NAME) of the feeds with at least one file loaded",
        description="Print, space-separated, a dbt selector for every source with at least one "
        "file loaded (raw_meta.load_ledger), for `dbt source freshness --select`: a feed this "
        "estate never delivered (a call log with no CRM) is not reported stale. The feeds left "
        "out are named on stderr. Prints nothing when nothing was loaded.",
    )
    loaded.add_argument("--database", type=Path, default=Path("data/warehouse.duckdb"))
    loaded.set_defaults(handler=_loaded_sources)

    report = commands.add_parser(
        "report",
        help="print the headline customer outcomes from the built marts",
    )
    report.add_argument("--database", type=Path, default=Path("data/warehouse.duckdb"))
    report.set_defaults(handler=_report)

    site_data = commands.add_parser(
        "site-data",
        help="export the board figures from the marts for the report site (reports/)",
        description="Write the monthly scorecard (sums of the marts' numerators and "
        "denominators) and the metric catalogue to OUTPUT, a DuckDB file in a storage format the "
        "report site's DuckDB 1.x can open (it cannot open the warehouse file itself).",
    )
    site_data.add_argument("--database", type=Path, default=Path("data/warehouse.duckdb"))
    site_data.add_argument("--output", type=Path, default=Path("reports/data/site.duckdb"))
    site_data.set_defaults(handler=_site_data)

    bench = commands.add_parser(
        "bench",
        help="time generate, check + load and dbt build per scale, against a SQL baseline",
        description="For each SCALE, in its own folder ROOT/SCALE (emptied first): generate, check "
        "and load into its own DuckDB file, run the hand-written baseline SQL and `dbt build`, and "
        "print wall time, contact records per second and peak RSS per stage, the dbt build time "
        "as a multiple of the baseline's, and whether both give the same headline outcomes. "
        "With several scales, also the seconds per million contact records between them. "
        "Exits 1 when a stage fails or a figure differs.",
    )
    bench.add_argument(
        "--scale",
        nargs="+",
        default=["100k"],
        help="one or more scales, e.g. --scale 100k 1m (default 100k)",
    )
    bench.add_argument("--root", type=Path, default=Path("data/bench"))
    bench.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
