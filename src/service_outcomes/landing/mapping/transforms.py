"""Turn one export row into canonical values, or say why it cannot be placed.

Rules worth knowing (documented in the README section):
- a value equal to a missing marker (global or per column) is missing;
- ``zero_means_missing`` turns a zero duration (``0:00:00``) into missing: "did not happen";
- local times are converted from the source zone to the contract's form; a local time that falls
  in a daylight-saving gap (clocks forward) does not exist and the row is quarantined; one that
  occurs twice (clocks back) is read as the first occurrence (before the change);
- rating scales: ``identity`` keeps the number, ``linear`` maps the source end points onto the
  canonical ones and rounds half up, ``table`` looks each point up; ``reversed`` flips the source
  scale first (for items where 1 is the best answer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from .readers import Row
from .spec import TIMESTAMP_OUTPUTS, ColumnMap, Mapping, ScaleRule, TimeZoneSpec

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class RowError(ValueError):
    """The row cannot be placed; the message is the quarantine reason."""


def scale_label_column(target: str) -> str:
    """Where a scale rule's name lands: a column beside the score (``Q3_scale_rule``)."""
    return f"{target}_scale_rule"


def map_row(mapping: Mapping, row: Row) -> dict[str, str | None]:
    """Canonical values of one row, keyed by canonical column; raises RowError."""
    if "__error__" in row:
        raise RowError(f"the input row {row['__error__']}")
    out: dict[str, str | None] = {}
    zone = _row_zone(mapping.timezone, row, mapping.missing)
    pending = list(mapping.columns)
    # same_as / nps_group_of read other targets: resolve in dependency order (no cycles: spec).
    while pending:
        waiting = []
        for column in pending:
            ref = column.same_as or column.nps_group_of
            if ref is not None and ref not in out:
                waiting.append(column)
                continue
            out[column.target] = _value(column, row, mapping.missing, zone, out)
            if column.scale is not None:  # the rule's name travels with every score made by it
                label = column.scale.name if out[column.target] is not None else None
                out[scale_label_column(column.target)] = label
        if len(waiting) == len(pending):
            raise RowError("internal: unresolved same_as chain")
        pending = waiting
    for column in mapping.columns:
        if column.only_with is not None and out.get(column.only_with) is None:
            out[column.target] = None
    for column in mapping.columns:
        if column.required and out[column.target] is None:
            raise RowError(f"{column.target} is required by the mapping but missing")
    return out


def _row_zone(spec: TimeZoneSpec, row: Row, missing: frozenset[str]) -> zoneinfo.ZoneInfo | None:
    if spec.column is None:
        return spec.zone
    site = row.get(spec.column)
    if site is None or site.strip() in missing:
        raise RowError(f"time zone column {spec.column!r} is empty")
    zone = spec.by_value.get(site.strip())
    if zone is None:
        raise RowError(
            f"{spec.column} = {site!r} names no time zone in the mapping "
            f"(known: {', '.join(sorted(spec.by_value))})"
        )
    return zone


def _value(
    column: ColumnMap,
    row: Row,
    missing: frozenset[str],
    zone: zoneinfo.ZoneInfo | None,
    done: dict[str, str | None],
) -> str | None:
    if column.constant is not None:
        return column.constant
    if column.same_as is not None:
        return done[column.same_as]
    if column.nps_group_of is not None:
        return nps_group(done[column.nps_group_of])
    parts = [row.get(name) for name in column.sources]
    markers = missing | column.missing
    texts = [p.strip() for p in parts if p is not None and p.strip() not in markers]
    if len(texts) < len(parts):
        return None
    text = " ".join(texts)
    if column.extract is not None:
        match = column.extract.fullmatch(text)
        if match is None:
            raise RowError(
                f"{_from(column)} = {text!r} does not match the extract pattern "
                f"{column.extract.pattern!r}"
            )
        text = match.group(1)
    if column.values is not None:
        if text in column.values:
            text = column.values[text]
        elif column.unmapped == "missing":
            return None
        else:
            raise RowError(
                f"{_from(column)} = {text!r} is not in the vocabulary for {column.target} "
                f"(known: {', '.join(column.values)})"
            )
    if column.timestamp is not None:
        return convert_timestamp(column, text, zone)
    if column.duration is not None:
        seconds = column.duration.seconds(text)
        if seconds is None:
            raise RowError(
                f"{_from(column)} = {text!r} is not a duration in {column.duration.name} form"
            )
        if seconds == 0 and column.zero_means_missing:
            return None
        return str(int(Decimal(str(seconds)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    if column.id_prefix is not None:
        return stable_id(column.id_prefix, column.id_length, text)
    if column.scale is not None:
        return str(rescale(column.scale, text, _from(column)))
    return text


def _from(column: ColumnMap) -> str:
    return "+".join(column.sources) or column.target


def convert_timestamp(column: ColumnMap, text: str, zone: zoneinfo.ZoneInfo | None) -> str:
    assert column.timestamp is not None and column.timestamp_output is not None
    parsed = column.timestamp.parse(text)
    if parsed is None:
        raise RowError(
            f"{_from(column)} = {text!r} does not match the timestamp format "
            f"{column.timestamp.text!r}"
        )
    local, offset = parsed
    pattern, out_zone = TIMESTAMP_OUTPUTS[column.timestamp_output]
    if out_zone == "date":
        return local.strftime(pattern)
    if offset is not None:
        aware = local.replace(tzinfo=offset)
    else:
        assert zone is not None  # validated: a zone is declared when a format has no offset
        aware = localize(local, zone, _from(column))
    target = dt.UTC if out_zone is None else zoneinfo.ZoneInfo(out_zone)
    result = aware.astimezone(target)
    return result.strftime(pattern.replace("{ms}", f"{result.microsecond // 1000:03d}"))


def localize(local: dt.datetime, zone: zoneinfo.ZoneInfo, name: str) -> dt.datetime:
    """Attach ``zone``: a time in a spring-forward gap raises; a repeated time is the first."""
    aware = local.replace(tzinfo=zone, fold=0)
    round_trip = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        raise RowError(
            f"{name} = {local:%Y-%m-%d %H:%M:%S} does not exist in {zone.key} "
            "(clocks went forward over it)"
        )
    return aware


def stable_id(prefix: str, length: int, text: str) -> str:
    """A deterministic id of ``length`` letters and digits after ``prefix``, from the source id
    (the same source id always gives the same canonical id, so re-deliveries deduplicate)."""
    number = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHANUMERIC))
        chars.append(_ALPHANUMERIC[index])
    return prefix + "".join(chars)


def rescale(scale: ScaleRule, text: str, name: str) -> int:
    try:
        number = Decimal(text)
    except ArithmeticError as exc:
        raise RowError(f"{name} = {text!r} is not a number") from exc
    if number != number.to_integral_value() or not (
        scale.source_low <= number <= scale.source_high
    ):
        raise RowError(
            f"{name} = {text!r} is not a whole point on the declared {scale.source_low}-"
            f"{scale.source_high} scale"
        )
    point = int(number)
    if scale.reversed:
        point = scale.source_low + scale.source_high - point
    if scale.rule == "table":
        return scale.table[point]
    if scale.rule == "identity":
        return point
    span = Decimal(scale.canonical_high - scale.canonical_low)
    fraction = Decimal(point - scale.source_low) / Decimal(scale.source_high - scale.source_low)
    value = Decimal(scale.canonical_low) + fraction * span
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nps_group(score: str | None) -> str | None:
    """Qualtrics' NPS group of a 0-10 recommend score."""
    if score is None:
        return None
    value = int(score)
    if value >= 9:
        return "Promoter"
    return "Passive" if value >= 7 else "Detractor"


def is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
