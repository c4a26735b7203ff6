"""The mapping file: YAML read into typed objects, with every mistake reported at once.

Each error names the file, the key path and what is wrong, e.g.
``calls.yml: columns.Queue.Duration.duration: unknown duration format 'hh:mm'``.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..contract import Contract, FieldRule, load_contracts
from .events import CHANGE_COLUMNS, RowsSpec, check_change_columns, parse_rows
from .timeformats import (
    DurationFormat,
    FormatError,
    TimestampFormat,
    compile_duration,
    compile_timestamp,
)

INPUT_FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
SCALE_RULES = ("identity", "linear", "table")
# Canonical timestamp forms by contract value format: (strftime pattern, zone or None for UTC).
TIMESTAMP_OUTPUTS: dict[str, tuple[str, str | None]] = {
    "connect_timestamp": ("%Y-%m-%dT%H:%M:%SZ", None),
    "salesforce_datetime": ("%Y-%m-%dT%H:%M:%S.{ms}Z", None),
    # The survey account's zone (dbt var qualtrics_account_timezone, docs/landing_formats.md).
    "qualtrics_timestamp": ("%Y-%m-%d %H:%M:%S", "America/New_York"),
    "salesforce_date": ("%Y-%m-%d", "date"),
}
# Documented Connect record paths that the contract does not check but staging reads.
CONNECT_EXTRA_PATHS = (
    "InitialContactId",
    "PreviousContactId",
    "NextContactId",
    "CustomerEndpoint.Address",
    "CustomerEndpoint.Type",
    "SystemEndpoint.Address",
    "SystemEndpoint.Type",
    "Queue.ARN",
    "Queue.Name",
    "Agent.ARN",
    "Agent.Username",
    "Agent.RoutingProfile.Name",
)
_TOP_KEYS = {
    "version",
    "target",
    "source_system",
    "export",
    "only_rows_with",
    "rows",
    "input",
    "missing",
    "timezone",
    "columns",
    "description",
}
#: A source system's name: it becomes part of landing file names and of every figure's lineage.
_SYSTEM_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")
_COLUMN_KEYS = {
    "from",
    "constant",
    "same_as",
    "extract",
    "values",
    "unmapped",
    "missing",
    "timestamp",
    "duration",
    "zero_means_missing",
    "id",
    "scale",
    "nps_group_of",
    "only_with",
    "required",
}
_SOURCES = ("from", "constant", "same_as", "nps_group_of")


class MappingError(ValueError):
    """A mapping file is invalid; ``errors`` holds every message."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ScaleRule:
    """How a source rating scale becomes the canonical one."""

    source_low: int
    source_high: int
    canonical_low: int
    canonical_high: int
    rule: str
    name: str
    reversed: bool = False
    table: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnMap:
    """How one canonical column (or JSON path) gets its value."""

    target: str
    sources: tuple[str, ...] = ()
    constant: str | None = None
    same_as: str | None = None
    nps_group_of: str | None = None
    #: A regular expression with one group: the value is the text it captures.
    extract: re.Pattern[str] | None = None
    values: dict[str, str] | None = None
    unmapped: str = "quarantine"  # or "missing"
    missing: frozenset[str] = frozenset()
    timestamp: TimestampFormat | None = None
    timestamp_output: str | None = None  # contract value-format name
    duration: DurationFormat | None = None
    zero_means_missing: bool = False
    id_prefix: str | None = None
    id_length: int = 0
    scale: ScaleRule | None = None
    only_with: str | None = None
    required: bool = False
    rule: FieldRule | None = None


@dataclass(frozen=True)
class TimeZoneSpec:
    """One zone for the whole export, or a zone per value of a site column."""

    zone: zoneinfo.ZoneInfo | None = None
    column: str | None = None
    by_value: dict[str, zoneinfo.ZoneInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    path: Path
    contract: Contract
    input_format: str | None
    sheet: str | None
    delimiter: str | None
    missing: frozenset[str]
    timezone: TimeZoneSpec
    columns: tuple[ColumnMap, ...]
    #: The system the export comes from; the target's own source when not declared.
    source_system: str = ""
    #: ``(source, table)`` of a landed vendor export this mapping is applied to on every load.
    export: tuple[str, str] | None = None
    #: A source column: rows where it is missing are not rows of the target and are skipped
    #: (counted, not quarantined), e.g. the calls without a post-call rating.
    only_rows_with: str | None = None
    #: A versioned export (one row per version of a record): which rows become target rows.
    rows: RowsSpec | None = None

    @property
    def system(self) -> str:
        return self.source_system or self.contract.source

    @property
    def source_columns(self) -> list[str]:
        names: list[str] = []
        for column in self.columns:
            names += [s for s in column.sources if s not in names and s not in CHANGE_COLUMNS]
        if self.rows is not None:
            names += [s for s in self.rows.source_columns if s not in names]
        if self.timezone.column and self.timezone.column not in names:
            names.append(self.timezone.column)
        if self.only_rows_with and self.only_rows_with not in names:
            names.append(self.only_rows_with)
        return names

    def canonical_columns(self) -> list[str]:
        return canonical_columns(self.contract)


def canonical_columns(contract: Contract) -> list[str]:
    names = list(contract.required_columns)
    names += [f.name for f in contract.fields if f.name not in names]
    if contract.file_format == "jsonl":
        names += [p for p in CONNECT_EXTRA_PATHS if p not in names]
    return names


def _is_canonical(contract: Contract, name: str) -> bool:
    if name in canonical_columns(contract):
        return True
    # Connect's Attributes map is open: the contact flow may set any key.
    return contract.file_format == "jsonl" and name.startswith("Attributes.") and len(name) > 11


class _Collector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append(f"{self.path}: {where}: {message}")


def load_mapping(path: Path) -> Mapping:
    """Read and validate ``path``; raises MappingError listing every mistake."""
    path = Path(path)
    errors = _Collector(path)
    try:
        raw, duplicates = _parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError([f"{path}: cannot read the mapping file: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise MappingError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise MappingError([f"{path}: (top level): must be a mapping of keys, got {_kind(raw)}"])
    for duplicate in duplicates:
        errors.add("(yaml)", duplicate)
    for key in sorted(set(raw) - _TOP_KEYS, key=str):
        errors.add(str(key), f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
    if raw.get("version", 1) != 1:
        errors.add("version", f"must be 1, got {raw.get('version')!r}")
    contract = _target(raw.get("target"), errors)
    source_system = _source_system(raw.get("source_system"), errors)
    export = _export(raw.get("export"), errors)
    only_rows_with = raw.get("only_rows_with")
    if only_rows_with is not None and (not isinstance(only_rows_with, str) or not only_rows_with):
        errors.add("only_rows_with", f"must name one source column, got {only_rows_with!r}")
        only_rows_with = None
    rows = parse_rows(raw.get("rows"), errors.add)
    input_format, sheet, delimiter = _input(raw.get("input"), errors)
    missing = _markers(raw.get("missing", [""]), "missing", errors)
    timezone = _timezone(raw.get("timezone"), errors)
    columns: tuple[ColumnMap, ...] = ()
    if contract is not None:
        columns = _columns(raw.get("columns"), contract, errors)
        check_change_columns(rows, ((c.target, s) for c in columns for s in c.sources), errors.add)
        if timezone.zone is None and timezone.column is None and _needs_zone(columns):
            errors.add("timezone", "required: a timestamp without an offset needs a source zone")
    if errors.errors or contract is None:
        raise MappingError(errors.errors or [f"{path}: target: required"])
    return Mapping(
        path,
        contract,
        input_format,
        sheet,
        delimiter,
        missing,
        timezone,
        columns,
        source_system=source_system,
        export=export,
        only_rows_with=only_rows_with,
        rows=rows,
    )


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _target(raw: object, errors: _Collector) -> Contract | None:
    if not isinstance(raw, dict):
        errors.add("target", f"required: a mapping with source and table, got {_kind(raw)}")
        return None
    contracts = load_contracts()
    key = (str(raw.get("source")), str(raw.get("table")))
    for extra in sorted(set(raw) - {"source", "table"}, key=str):
        errors.add(f"target.{extra}", "unknown key (allowed: source, table)")
    if key not in contracts:
        known = ", ".join(f"{s}/{t}" for s, t in sorted(contracts))
        errors.add("target", f"unknown target table {key[0]}/{key[1]} (known: {known})")
        return None
    return contracts[key]


def _source_system(raw: object, errors: _Collector) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not _SYSTEM_NAME.fullmatch(raw):
        errors.add(
            "source_system",
            "must be a lower-case name of 2-40 letters, digits or _ (like servicenow), "
            f"got {raw!r}",
        )
        return ""
    return raw


def _export(raw: object, errors: _Collector) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.add("export", f"must be a mapping with source and table, got {_kind(raw)}")
        return None
    for extra in sorted(set(raw) - {"source", "table"}, key=str):
        errors.add(f"export.{extra}", "unknown key (allowed: source, table)")
    source, table = raw.get("source"), raw.get("table")
    if not isinstance(source, str) or not _SYSTEM_NAME.fullmatch(source):
        errors.add(
            "export.source", f"must be the export's folder name (like servicenow), got {source!r}"
        )
        return None
    if not isinstance(table, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", table):
        errors.add("export.table", f"must be the export's table folder name, got {table!r}")
        return None
    return source, table


def _input(raw: object, errors: _Collector) -> tuple[str | None, str | None, str | None]:
    if raw is None:
        return None, None, None
    if not isinstance(raw, dict):
        errors.add("input", f"must be a mapping, got {_kind(raw)}")
        return None, None, None
    for extra in sorted(set(raw) - {"format", "sheet", "delimiter"}, key=str):
        errors.add(f"input.{extra}", "unknown key (allowed: format, sheet, delimiter)")
    fmt = raw.get("format")
    if fmt is not None and fmt not in INPUT_FORMATS:
        errors.add("input.format", f"unknown format {fmt!r} (one of: {', '.join(INPUT_FORMATS)})")
        fmt = None
    delimiter = raw.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        errors.add("input.delimiter", f"must be one character, got {delimiter!r}")
        delimiter = None
    sheet = raw.get("sheet")
    return fmt, str(sheet) if sheet is not None else None, delimiter


def _markers(raw: object, where: str, errors: _Collector) -> frozenset[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(m, str | int | float) for m in raw):
        errors.add(where, f"must be a list of marker strings, got {_kind(raw)}")
        return frozenset()
    return frozenset(str(m) for m in raw)


def _zone(name: object, where: str, errors: _Collector) -> zoneinfo.ZoneInfo | None:
    if not isinstance(name, str):
        errors.add(where, f"must be an IANA time zone name like Europe/London, got {_kind(name)}")
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.add(where, f"unknown time zone {name!r} (use an IANA name like Europe/London)")
        return None


def _timezone(raw: object, errors: _Collector) -> TimeZoneSpec:
    if raw is None:
        return TimeZoneSpec()
    if isinstance(raw, str):
        return TimeZoneSpec(zone=_zone(raw, "timezone", errors))
    if not isinstance(raw, dict):
        errors.add("timezone", f"must be a zone name or a mapping, got {_kind(raw)}")
        return TimeZoneSpec()
    for extra in sorted(set(raw) - {"column", "zones"}, key=str):
        errors.add(f"timezone.{extra}", "unknown key (allowed: column, zones)")
    column = raw.get("column")
    zones = raw.get("zones")
    if not isinstance(column, str):
        errors.add("timezone.column", "required: the source column naming each row's site")
        column = None
    if not isinstance(zones, dict) or not zones:
        errors.add("timezone.zones", "required: a mapping from site value to zone name")
        zones = {}
    by_value = {}
    for value, name in zones.items():
        zone = _zone(name, f"timezone.zones.{value}", errors)
        if zone is not None:
            by_value[str(value)] = zone
    return TimeZoneSpec(column=column, by_value=by_value)


def _needs_zone(columns: tuple[ColumnMap, ...]) -> bool:
    return any(
        c.timestamp is not None
        and not c.timestamp.has_offset
        and TIMESTAMP_OUTPUTS[c.timestamp_output or ""][1] != "date"
        for c in columns
    )


def _columns(raw: object, contract: Contract, errors: _Collector) -> tuple[ColumnMap, ...]:
    if not isinstance(raw, dict) or not raw:
        errors.add("columns", "required: a mapping from canonical column to its source")
        return ()
    rules = {f.name: f for f in contract.fields}
    result: list[ColumnMap] = []
    for target, spec in raw.items():
        where = f"columns.{target}"
        target = str(target)
        if not _is_canonical(contract, target):
            errors.add(
                where,
                f"{target!r} is not a column of {contract.source}/{contract.table} "
                f"(columns: {', '.join(canonical_columns(contract))})",
            )
            continue
        column = _column(target, spec, rules.get(target), where, errors)
        if column is not None:
            result.append(column)
    mapped = {c.target for c in result}
    mapped |= {str(t) for t in raw}
    for rule in contract.fields:
        if rule.not_null and rule.name not in mapped:
            errors.add("columns", f"required canonical column {rule.name!r} is not mapped")
    for column in result:
        for ref, key in ((column.same_as, "same_as"), (column.nps_group_of, "nps_group_of")):
            if ref is not None and ref not in mapped:
                errors.add(f"columns.{column.target}.{key}", f"{ref!r} is not a mapped column")
        if column.only_with is not None and column.only_with not in mapped:
            errors.add(f"columns.{column.target}.only_with", f"{column.only_with!r} is not mapped")
    _check_cycles(result, errors)
    return tuple(result)


def _check_cycles(columns: list[ColumnMap], errors: _Collector) -> None:
    refs = {c.target: (c.same_as or c.nps_group_of) for c in columns}
    for start in refs:
        seen, node = {start}, refs[start]
        while node is not None and node in refs:
            if node in seen:
                errors.add(f"columns.{start}", "same_as / nps_group_of refers back to itself")
                break
            seen.add(node)
            node = refs[node]


def _column(
    target: str, spec: object, rule: FieldRule | None, where: str, errors: _Collector
) -> ColumnMap | None:
    if isinstance(spec, str):  # shorthand: `Target: source_column`
        spec = {"from": spec}
    if not isinstance(spec, dict):
        errors.add(where, f"must be a source column name or a mapping, got {_kind(spec)}")
        return None
    count = len(errors.errors)
    for extra in sorted(set(spec) - _COLUMN_KEYS, key=str):
        errors.add(f"{where}.{extra}", f"unknown key (allowed: {', '.join(sorted(_COLUMN_KEYS))})")
    given = [k for k in _SOURCES if k in spec]
    if len(given) != 1:
        errors.add(where, f"needs exactly one of {', '.join(_SOURCES)}, got {given or 'none'}")
    sources: tuple[str, ...] = ()
    if "from" in spec:
        value = spec["from"]
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            errors.add(f"{where}.from", "must be a source column name or a list of them")
        else:
            sources = tuple(value)
    values = spec.get("values")
    if values is not None and not isinstance(values, dict):
        errors.add(
            f"{where}.values", f"must map source values to canonical ones, got {_kind(values)}"
        )
        values = None
    if values and any(isinstance(x, bool) for pair in values.items() for x in pair):
        errors.add(
            f"{where}.values",
            "a key or value was read as true/false: YAML reads unquoted yes/no/on/off/true/false "
            "as booleans; quote it ('yes')",
        )
    vocabulary = {str(k): str(v) for k, v in values.items()} if values else None
    if vocabulary and rule is not None and rule.accepted_values is not None:
        bad = sorted({v for v in vocabulary.values() if v not in rule.accepted_values})
        if bad:
            errors.add(
                f"{where}.values",
                f"maps to {', '.join(map(repr, bad))}, not canonical values of {target} "
                f"(accepted: {', '.join(rule.accepted_values)})",
            )
    extract = _extract(spec.get("extract"), where, errors)
    unmapped = spec.get("unmapped", "quarantine")
    if unmapped not in ("quarantine", "missing"):
        errors.add(f"{where}.unmapped", f"must be quarantine or missing, got {unmapped!r}")
    timestamp, output = _timestamp(spec.get("timestamp"), rule, where, errors)
    duration = None
    if "duration" in spec:
        if (
            rule is None
            or rule.value_format is None
            or rule.value_format.name
            not in (
                "integer",
                "decimal",
            )
        ):
            errors.add(f"{where}.duration", f"{target} is not a number of seconds in the contract")
        try:
            duration = compile_duration(str(spec["duration"]))
        except FormatError as exc:
            errors.add(f"{where}.duration", str(exc))
    id_prefix, id_length = _id(spec.get("id"), where, errors)
    scale = _scale(spec.get("scale"), rule, target, where, errors) if "scale" in spec else None
    for flag in ("zero_means_missing", "required"):
        if flag in spec and not isinstance(spec[flag], bool):
            errors.add(f"{where}.{flag}", f"must be true or false, got {spec[flag]!r}")
    only_with = spec.get("only_with")
    if only_with is not None and not isinstance(only_with, str):
        errors.add(f"{where}.only_with", "must name another canonical column")
        only_with = None
    if len(errors.errors) != count:
        return None
    return ColumnMap(
        target=target,
        sources=sources,
        constant=str(spec["constant"]) if "constant" in spec else None,
        same_as=str(spec["same_as"]) if "same_as" in spec else None,
        nps_group_of=str(spec["nps_group_of"]) if "nps_group_of" in spec else None,
        extract=extract,
        values=vocabulary,
        unmapped=str(unmapped),
        missing=_markers(spec.get("missing", []), f"{where}.missing", errors),
        timestamp=timestamp,
        timestamp_output=output,
        duration=duration,
        zero_means_missing=bool(spec.get("zero_means_missing", False)),
        id_prefix=id_prefix,
        id_length=id_length,
        scale=scale,
        only_with=only_with,
        required=bool(spec.get("required", False)),
        rule=rule,
    )


def _extract(raw: object, where: str, errors: _Collector) -> re.Pattern[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors.add(f"{where}.extract", f"must be a regular expression, got {_kind(raw)}")
        return None
    try:
        pattern = re.compile(raw)
    except re.error as exc:
        errors.add(f"{where}.extract", f"not a valid regular expression ({exc}): {raw!r}")
        return None
    if pattern.groups != 1:
        errors.add(
            f"{where}.extract",
            f"must capture exactly one group, the part to keep (like 'INC(\\d+)'), "
            f"got {pattern.groups} in {raw!r}",
        )
        return None
    return pattern


def _timestamp(
    raw: object, rule: FieldRule | None, where: str, errors: _Collector
) -> tuple[TimestampFormat | None, str | None]:
    if raw is None:
        return None, None
    output = rule.value_format.name if rule and rule.value_format else None
    if output not in TIMESTAMP_OUTPUTS:
        errors.add(f"{where}.timestamp", f"{where[8:]} is not a timestamp in the contract")
        output = None
    try:
        return compile_timestamp(str(raw)), output
    except FormatError as exc:
        errors.add(f"{where}.timestamp", str(exc))
        return None, output


def _id(raw: object, where: str, errors: _Collector) -> tuple[str | None, int]:
    if raw is None:
        return None, 0
    if not isinstance(raw, dict) or not isinstance(raw.get("prefix", ""), str):
        errors.add(f"{where}.id", "must be a mapping with prefix (text) and length (number)")
        return None, 0
    length = raw.get("length")
    if not isinstance(length, int) or isinstance(length, bool) or not 4 <= length <= 40:
        errors.add(f"{where}.id.length", f"must be a whole number from 4 to 40, got {length!r}")
        return None, 0
    return str(raw.get("prefix", "")), length


def _has_scale(rule: FieldRule) -> bool:
    return rule.min_value is not None and rule.max_value is not None


def _scale(
    raw: object, rule: FieldRule | None, target: str, where: str, errors: _Collector
) -> ScaleRule | None:
    where = f"{where}.scale"
    if rule is None or not _has_scale(rule):
        errors.add(where, f"{target} is not a rating on a fixed scale in the contract")
        return None
    assert rule.min_value is not None and rule.max_value is not None
    low, high = int(rule.min_value), int(rule.max_value)
    if not isinstance(raw, dict):
        errors.add(where, f"must be a mapping with from: [low, high] and rule, got {_kind(raw)}")
        return None
    for extra in sorted(set(raw) - {"from", "rule", "name", "reversed", "table"}, key=str):
        errors.add(f"{where}.{extra}", "unknown key (allowed: from, rule, name, reversed, table)")
    bounds = raw.get("from")
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
        or bounds[0] >= bounds[1]
    ):
        errors.add(f"{where}.from", f"must be [low, high] whole numbers, got {bounds!r}")
        return None
    s_low, s_high = bounds
    rule_name = raw.get("rule")
    canonical = (s_low, s_high) == (low, high)
    if rule_name is None:
        if not canonical:
            errors.add(
                f"{where}.rule",
                f"required: {s_low}-{s_high} is not the canonical {low}-{high} scale of {target}; "
                f"declare how it maps (one of: {', '.join(SCALE_RULES)})",
            )
            return None
        rule_name = "identity"
    if rule_name not in SCALE_RULES:
        errors.add(
            f"{where}.rule", f"unknown rule {rule_name!r} (one of: {', '.join(SCALE_RULES)})"
        )
        return None
    table: dict[int, int] = {}
    if rule_name == "identity" and (s_low < low or s_high > high):
        errors.add(
            f"{where}.rule",
            f"identity cannot place {s_low}-{s_high} on the {low}-{high} scale "
            "(use linear or table)",
        )
    if rule_name == "table":
        table = _scale_table(raw.get("table"), (s_low, s_high), (low, high), where, errors)
    elif "table" in raw:
        errors.add(f"{where}.table", "only used with rule: table")
    reversed_ = raw.get("reversed", False)
    if not isinstance(reversed_, bool):
        errors.add(f"{where}.reversed", f"must be true or false, got {reversed_!r}")
    name = raw.get("name")
    if name is None:
        flip = " reversed" if reversed_ else ""
        name = f"{rule_name}{flip} {s_low}-{s_high} to {low}-{high}"
    return ScaleRule(s_low, s_high, low, high, str(rule_name), str(name), bool(reversed_), table)


def _scale_table(
    raw: object, source: tuple[int, int], canonical: tuple[int, int], where: str, errors: _Collector
) -> dict[int, int]:
    if not isinstance(raw, dict):
        errors.add(f"{where}.table", "required with rule: table: a mapping source point -> score")
        return {}
    table: dict[int, int] = {}
    for key, value in raw.items():
        if not isinstance(key, int) or not isinstance(value, int):
            errors.add(f"{where}.table.{key}", "source and canonical points must be whole numbers")
            continue
        if not canonical[0] <= value <= canonical[1]:
            errors.add(f"{where}.table.{key}", f"{value} is outside {canonical[0]}-{canonical[1]}")
        table[key] = value
    missing = [p for p in range(source[0], source[1] + 1) if p not in table]
    if missing:
        errors.add(f"{where}.table", f"does not place source point(s) {missing}")
    extra = [p for p in table if not source[0] <= p <= source[1]]
    if extra:
        errors.add(f"{where}.table", f"point(s) {extra} are outside the source scale {source}")
    return table


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that records duplicate keys (plain YAML keeps the last one silently)."""

    duplicates: list[str]

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                self.duplicates.append(
                    f"duplicate key {key!r} (line {key_node.start_mark.line + 1}): "
                    "each key, and each canonical target column, may appear once"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str) -> tuple[Any, list[str]]:
    loader = _StrictLoader(text)
    loader.duplicates = []
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()
