"""Versioned exports: an export with one row per *version* of a record (an audit-style event log
such as ServiceNow's incident updates) mapped onto a target with one row per record, or one row
per change of a field.

A mapping declares it under ``rows:``::

    rows:
      key: number              # the source column(s) naming one record
      order_by: sys_mod_count  # the source column(s) ordering its versions (latest last)
      order_as: number         # number or text (default: text; ISO-like timestamps sort as text)
      keep: latest             # latest: one row per record, its latest version in the file
                               # changes: one row per change of a tracked column

    # keep: changes also takes
      track: {state: Status, close_code: Resolution_Code__c}  # source column -> field name
      first: created           # optional: a row for the first version of a record seen

With ``keep: changes`` each emitted row is the source row of the version in which the change was
made, plus three columns that the mapping's ``columns:`` read like any other source column:
``_change.field`` (the tracked field's name), ``_change.old`` and ``_change.new`` (its value before
and after; missing markers read as missing). The previous version of a record may have come in an
earlier delivery: the caller passes the last known version of every record (:class:`History`) from
delivery to delivery, in delivery order (``estate.map_vendor_exports`` does).

Rows are grouped and ordered within one export file, so memory grows with the rows of one file
(one delivery), not with the history; :class:`History` holds one small record per key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .readers import Row

CHANGE_FIELD = "_change.field"
CHANGE_OLD = "_change.old"
CHANGE_NEW = "_change.new"
CHANGE_COLUMNS = (CHANGE_FIELD, CHANGE_OLD, CHANGE_NEW)
KEEP_MODES = ("latest", "changes")
ORDER_TYPES = ("text", "number")
_ROWS_KEYS = ("key", "order_by", "order_as", "keep", "track", "first")


@dataclass(frozen=True)
class RowsSpec:
    """How the versions in a versioned export become target rows."""

    key: tuple[str, ...]
    order_by: tuple[str, ...]
    order_as: str = "text"
    keep: str = "latest"
    #: keep: changes: source column -> the field name written to ``_change.field``.
    track: dict[str, str] = field(default_factory=dict)
    first: str | None = None

    @property
    def source_columns(self) -> list[str]:
        names: list[str] = []
        for name in (*self.key, *self.order_by, *self.track):
            if name not in names:
                names.append(name)
        return names


def parse_rows(raw: object, add_error: Any) -> RowsSpec | None:
    """Validate the ``rows:`` block; ``add_error(where, message)`` records each mistake."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        add_error("rows", f"must be a mapping with key, order_by and keep, got {_kind(raw)}")
        return None
    for extra in sorted(set(raw) - set(_ROWS_KEYS), key=str):
        add_error(f"rows.{extra}", f"unknown key (allowed: {', '.join(_ROWS_KEYS)})")
    key = _names(raw.get("key"), "rows.key", "the source column(s) naming one record", add_error)
    order_by = _names(
        raw.get("order_by"),
        "rows.order_by",
        "the source column(s) ordering a record's versions, latest last",
        add_error,
    )
    order_as = raw.get("order_as", "text")
    if order_as not in ORDER_TYPES:
        add_error("rows.order_as", f"must be one of {', '.join(ORDER_TYPES)}, got {order_as!r}")
    keep = raw.get("keep")
    if keep not in KEEP_MODES:
        add_error(
            "rows.keep",
            f"required: latest (one row per record) or changes (one row per change of a tracked "
            f"column), got {keep!r}",
        )
    track: dict[str, str] = {}
    raw_track = raw.get("track")
    if keep == "changes":
        if not isinstance(raw_track, dict) or not raw_track:
            add_error(
                "rows.track",
                "required with keep: changes: a mapping from each tracked source column to the "
                "field name written for its changes (like state: Status)",
            )
        else:
            for column, name in raw_track.items():
                if not isinstance(column, str) or not isinstance(name, str) or not name:
                    add_error(f"rows.track.{column}", f"must name a field, got {name!r}")
                    continue
                track[column] = name
            names = list(track.values())
            for name in sorted({n for n in names if names.count(n) > 1}):
                add_error("rows.track", f"field name {name!r} is given to more than one column")
    elif raw_track is not None:
        add_error("rows.track", "only used with keep: changes")
    first = raw.get("first")
    if first is not None:
        if keep != "changes":
            add_error("rows.first", "only used with keep: changes")
        elif not isinstance(first, str) or not first:
            add_error("rows.first", f"must be the field name of a first-version row, got {first!r}")
    if key is None or order_by is None or keep not in KEEP_MODES or order_as not in ORDER_TYPES:
        return None
    return RowsSpec(key, order_by, str(order_as), str(keep), track, first)


def check_change_columns(
    spec: RowsSpec | None, sources: Iterable[tuple[str, str]], add_error: Any
) -> None:
    """``_change.*`` columns are read only with keep: changes, and ``_change.field`` must be."""
    used = False
    for target, source in sources:
        if source in CHANGE_COLUMNS:
            used = used or source == CHANGE_FIELD
            if spec is None or spec.keep != "changes":
                add_error(
                    f"columns.{target}.from",
                    f"{source} exists only with rows: {{keep: changes}}",
                )
        elif source.startswith("_change."):
            add_error(
                f"columns.{target}.from",
                f"unknown change column {source!r} (one of: {', '.join(CHANGE_COLUMNS)})",
            )
    if spec is not None and spec.keep == "changes" and not used:
        add_error(
            "columns",
            f"keep: changes writes one row per change: map {CHANGE_FIELD} (and {CHANGE_OLD}, "
            f"{CHANGE_NEW}) to the target's field-name (old value, new value) columns",
        )


@dataclass
class History:
    """The last version seen of every record (its tracked values), carried across deliveries."""

    last: dict[tuple[str, ...], dict[str, str | None]] = field(default_factory=dict)


def select_versions(
    spec: RowsSpec,
    rows: Iterable[tuple[int, Row]],
    missing: frozenset[str],
    history: History | None = None,
) -> Iterator[tuple[int, Row]]:
    """The rows of one export file that ``spec`` keeps, in record and version order. A row
    without a key or with an unreadable order value comes back with an ``__error__`` (its reason),
    so that it is quarantined with the row, never dropped."""
    history = History() if history is None else history
    versions: list[tuple[tuple[str, ...], tuple[Any, ...], int, Row]] = []
    for number, row in rows:
        if "__error__" in row:
            yield number, row
            continue
        problem, key, order = _identify(spec, row, missing)
        if problem:
            yield number, {**row, "__error__": problem}
            continue
        versions.append((key, order, number, row))
    versions.sort(key=lambda v: (v[0], v[1], v[2]))
    if spec.keep == "latest":
        latest: dict[tuple[str, ...], tuple[int, Row]] = {}
        for key, _order, number, row in versions:
            latest[key] = (number, row)
        yield from sorted(latest.values(), key=lambda item: item[0])
        return
    for key, _order, number, row in versions:
        current = {c: _value(row.get(c), missing) for c in spec.track}
        previous = history.last.get(key)
        if previous is None and spec.first is not None:
            yield number, {**row, CHANGE_FIELD: spec.first, CHANGE_OLD: None, CHANGE_NEW: None}
        if previous is not None:
            for column, name in spec.track.items():
                if current[column] != previous.get(column):
                    yield (
                        number,
                        {
                            **row,
                            CHANGE_FIELD: name,
                            CHANGE_OLD: previous.get(column),
                            CHANGE_NEW: current[column],
                        },
                    )
        history.last[key] = current


def remember_versions(
    spec: RowsSpec, rows: Iterable[tuple[int, Row]], missing: frozenset[str], history: History
) -> None:
    """Read an export already mapped, only to know the last version of each of its records."""
    for _ in select_versions(spec, rows, missing, history):
        pass


def _identify(
    spec: RowsSpec, row: Row, missing: frozenset[str]
) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
    key = tuple(_value(row.get(c), missing) or "" for c in spec.key)
    for column, part in zip(spec.key, key, strict=True):
        if not part:
            return f"has no {column} (rows.key): the record it belongs to is unknown", (), ()
    order: list[Any] = []
    for column in spec.order_by:
        text = _value(row.get(column), missing)
        if text is None:
            return f"has no {column} (rows.order_by): its version is unknown", (), ()
        if spec.order_as == "number":
            try:
                order.append(Decimal(text))
            except InvalidOperation:
                return f"has {column} = {text!r}, not a number (rows.order_as: number)", (), ()
        else:
            order.append(text)
    return "", key, tuple(order)


def _value(text: str | None, missing: frozenset[str]) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return None if text in missing else text


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _names(raw: object, where: str, what: str, add_error: Any) -> tuple[str, ...] | None:
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        add_error(where, f"required: {what}, as a column name or a list of them, got {raw!r}")
        return None
    return tuple(names)


def counted(rows: Iterable[tuple[int, Row]], tally: list[int]) -> Iterator[tuple[int, Row]]:
    """Pass ``rows`` through, counting them into ``tally[0]`` (the export rows read, where the
    rows mapped are versions kept or changes)."""
    for item in rows:
        tally[0] += 1
        yield item
