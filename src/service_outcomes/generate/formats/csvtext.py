"""Minimal RFC 4180 CSV lines (quote only values that need it), as the vendors export them."""

from __future__ import annotations

from collections.abc import Iterable


def quote(value: str) -> str:
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def csv_line(values: Iterable[str]) -> bytes:
    vals = values if isinstance(values, list | tuple) else list(values)
    line = ",".join(vals)
    if line.count(",") != len(vals) - 1 or '"' in line or "\n" in line or "\r" in line:
        line = ",".join([quote(v) for v in vals])
    return (line + "\n").encode()


def bool_str(value: bool) -> str:
    return "true" if value else "false"
