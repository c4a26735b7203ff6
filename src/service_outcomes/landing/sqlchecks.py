"""Value rules of a feed contract, compiled to one DuckDB query per file.

Every value rule of a contract (not null, named format, regex, accepted values, numeric range)
is a condition on one value, so a file's rows are checked by one vectorised scan that counts the
rows breaking each rule; only for a rule some row breaks does a second query fetch its first
rows, for the quarantine message. The scans run over DuckDB's reader of the file itself (or over
a bounded chunk of rows), so they stream: nothing here holds a file. The rules read the same
contract objects the Great Expectations reference suite is built from (``gx_reference``), and a
unit test holds the two to the same verdict row by row (DECISIONLOG, "Landing checks in DuckDB").

Semantics, as the reference suite has them: the empty string is null; every rule but
``not_null`` passes a null; a format or regex must match the whole value; a range applies to
values that read as a number (others are the format's concern).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from .contract import Contract, FieldRule
from .csvsource import sql_ident, sql_string
from .violations import ViolationLog

ROW = "_row"  # the 1-based data row number column of a checked relation
_MAX_SHOWN = 80


@dataclass(frozen=True)
class SqlRule:
    """One value rule of one column: ``fails`` is true for a row that breaks it."""

    rule: FieldRule
    kind: str  # not_null, format, regex, accepted_values, range
    fails: str

    @property
    def rule_id(self) -> str:
        return f"{self.rule.name}:{self.kind}"


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _value(column: str) -> str:
    return f"nullif({sql_ident(column)}, '')"


def compile_rules(contract: Contract, columns: Sequence[str] | None = None) -> list[SqlRule]:
    """The contract's value rules in contract order, for the columns present (``None``: all)."""
    present = None if columns is None else set(columns)
    rules: list[SqlRule] = []
    for rule in contract.fields:
        if present is not None and rule.name not in present:
            continue  # a missing required column is its own rule; optional ones are skipped
        value = _value(rule.name)
        if rule.not_null:
            rules.append(SqlRule(rule, "not_null", f"{value} is null"))
        if rule.value_format is not None:
            pattern = sql_string(rule.value_format.regex)
            rules.append(SqlRule(rule, "format", f"not regexp_full_match({value}, {pattern})"))
        if rule.regex is not None:
            pattern = sql_string(rule.regex)
            rules.append(SqlRule(rule, "regex", f"not regexp_full_match({value}, {pattern})"))
        if rule.accepted_values is not None:
            allowed = ", ".join(sql_string(v) for v in rule.accepted_values)
            rules.append(SqlRule(rule, "accepted_values", f"{value} not in ({allowed})"))
        if rule.has_range:
            number = f"try_cast({value} as double)"
            bounds = []
            if rule.min_value is not None:
                bounds.append(f"{number} < {_number(rule.min_value)}")
            if rule.max_value is not None:
                bounds.append(f"{number} > {_number(rule.max_value)}")
            # NaN reads as a number in DuckDB but not in pandas: no range applies to it.
            rules.append(
                SqlRule(rule, "range", f"(not isnan({number}) and ({' or '.join(bounds)}))")
            )
    return rules


def json_relation(records: str, record_column: str, contract: Contract) -> str:
    """The records of a JSON lines file, plus one text column per contract path.

    ``records`` is a relation with the JSON text in ``record_column`` (kept, for the leniency
    test). One ``json_extract_string`` call with every path parses each record once; a value that
    is not a JSON string comes back as its JSON text, as the reference reader gives it.
    """
    record = sql_ident(record_column)
    paths = ", ".join(
        sql_string("$." + ".".join(_json_key(key) for key in rule.path)) for rule in contract.fields
    )
    picked = ", ".join(
        f"v[{i}] as {sql_ident(rule.name)}" for i, rule in enumerate(contract.fields, start=1)
    )
    return (
        f"(select {record}, {picked} from (select {record}, "
        f"json_extract_string({record}, [{paths}]) as v from {records}))"
    )


def _json_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def numbered(relation: str) -> str:
    """``relation`` with ``_row``, its 1-based position in file order.

    DuckDB runs ``row_number() over ()`` as a streaming window that keeps its input in order
    (the same numbering the load gives ``_source_row``). It makes the scan single-threaded, so
    only the queries that need row numbers (a broken rule's first rows) use it.
    """
    return f"(select row_number() over () as {ROW}, * from {relation})"


@dataclass(frozen=True)
class Scan:
    """What one scan of a file's rows counted."""

    rows: int
    flagged: list[int]  # rows meeting each extra condition asked for, in order
    failures: list[int]  # rows breaking each rule, in rule order


def count_failures(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    rules: Sequence[SqlRule],
    flags: Sequence[str] = (),
) -> Scan:
    """Rows of ``relation``, rows meeting each of ``flags`` and rows breaking each rule, in one
    scan (a DuckDB error from the reader propagates: the caller decides what it means)."""
    counts = ["count(*)"]
    counts += [f"count(*) filter (where {flag})" for flag in flags]
    counts += [f"count(*) filter (where {r.fails})" for r in rules]
    (row,) = con.execute(f"select {', '.join(counts)} from {relation}").fetchall()
    totals = [int(n) for n in row]
    return Scan(totals[0], totals[1 : 1 + len(flags)], totals[1 + len(flags) :])


def log_failures(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    rules: Sequence[SqlRule],
    failures: Sequence[int],
    log: ViolationLog,
) -> None:
    """Log the first rows of each rule some row breaks; ``relation`` has a ``_row`` column."""
    for rule, total in zip(rules, failures, strict=True):
        if total:
            _log_rule(con, relation, rule, total, log)


def check_values(
    con: duckdb.DuckDBPyConnection, relation: str, rules: Sequence[SqlRule], log: ViolationLog
) -> None:
    """Count the rows breaking each rule in one scan; log the first rows of each broken rule.

    ``relation`` has a ``_row`` column (a chunk of rows the line-by-line reader numbered).
    """
    if not rules:
        return
    scan = count_failures(con, relation, rules)
    log_failures(con, relation, rules, scan.failures, log)


def _log_rule(
    con: duckdb.DuckDBPyConnection, relation: str, rule: SqlRule, total: int, log: ViolationLog
) -> None:
    room = max(log.room_for(rule.rule_id), 1)
    examples = con.execute(
        f"select {ROW}, {sql_ident(rule.rule.name)} from {relation} "
        f"where {rule.fails} order by {ROW} limit {int(room)}"
    ).fetchall()
    for number, value in examples:
        text = None if value is None else str(value)
        log.add(rule.rule_id, message(rule.kind, rule.rule, text), row=int(number), value=text)
    log.add_uncounted_rows(rule.rule_id, total - len(examples))


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return repr(text[:_MAX_SHOWN] + ("..." if len(text) > _MAX_SHOWN else ""))


def message(kind: str, rule: FieldRule, value: str | None) -> str:
    """The quarantine message for one row breaking one rule."""
    name = repr(rule.name)
    if kind == "not_null":
        return f"{name} must not be empty"
    if kind == "format" and rule.value_format is not None:
        fmt = rule.value_format
        return f"{name} must be {fmt.description} like {fmt.example}, got {_shown(value)}"
    if kind == "regex":
        what = rule.regex_description or f"a value matching {rule.regex}"
        return f"{name} must be {what}, got {_shown(value)}"
    if kind == "accepted_values":
        allowed = ", ".join(repr(v) for v in rule.accepted_values or ())
        return f"{name} must be one of {allowed}, got {_shown(value)}"
    if rule.min_value is not None and rule.max_value is not None:
        bounds = f"between {_number(rule.min_value)} and {_number(rule.max_value)}"
    elif rule.min_value is not None:
        bounds = f"at least {_number(rule.min_value)}"
    else:
        bounds = f"at most {_number(rule.max_value or 0.0)}"
    return f"{name} must be a number {bounds}, got {_shown(value)}"
