"""Timestamp and duration formats a mapping may declare.

Timestamp formats are written with tokens (``M/D/YYYY H:mm:ss``); letters outside ``[...]`` must
be tokens, anything else is matched literally. Single-letter tokens accept one or two digits, so
times without a leading zero (``9:05:07``) parse. ``iso8601`` accepts ``2026-03-08T09:05:07``
with an optional fraction and offset.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# token -> (regex group, meaning); longest tokens first so "YYYY" wins over "YY".
TIMESTAMP_TOKENS: dict[str, tuple[str, str]] = {
    "YYYY": (r"(?P<year>\d{4})", "four-digit year"),
    "YY": (r"(?P<year2>\d{2})", "two-digit year (2000-2099)"),
    "MMM": (r"(?P<monthname>[A-Za-z]{3})", "month abbreviation (Jan)"),
    "MM": (r"(?P<month>\d{2})", "month 01-12"),
    "M": (r"(?P<month>\d{1,2})", "month 1-12, leading zero optional"),
    "DD": (r"(?P<day>\d{2})", "day 01-31"),
    "D": (r"(?P<day>\d{1,2})", "day 1-31, leading zero optional"),
    "HH": (r"(?P<hour>\d{2})", "hour 00-23"),
    "H": (r"(?P<hour>\d{1,2})", "hour 0-23, leading zero optional"),
    "hh": (r"(?P<hour12>\d{2})", "hour 01-12 (with A)"),
    "h": (r"(?P<hour12>\d{1,2})", "hour 1-12 (with A), leading zero optional"),
    "mm": (r"(?P<minute>\d{2})", "minute 00-59"),
    "ss": (r"(?P<second>\d{2})", "second 00-59"),
    "SSS": (r"(?P<fraction>\d{1,6})", "fraction of a second"),
    "A": (r"(?P<ampm>[AaPp][Mm])", "AM / PM"),
    "Z": (r"(?P<offset>Z|[+-]\d{2}:?\d{2})", "UTC offset (Z, +01:00, -0500)"),
}
_TOKEN_RE = re.compile("|".join(sorted(TIMESTAMP_TOKENS, key=len, reverse=True)))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
ISO8601 = "iso8601"
_ISO_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)

# Duration formats: name -> (regex, meaning). Hours are never zero-padded in legacy logs.
DURATION_FORMATS: dict[str, tuple[str, str]] = {
    "seconds": (r"(?P<s>\d+(?:\.\d+)?)", "a number of seconds (12 or 12.5)"),
    "milliseconds": (r"(?P<ms>\d+)", "whole milliseconds"),
    "minutes": (r"(?P<m>\d+(?:\.\d+)?)", "a number of minutes (1.5)"),
    "h:mm:ss": (r"(?P<h>\d+):(?P<m>[0-5]?\d):(?P<s>[0-5]?\d)", "hours:minutes:seconds (0:01:05)"),
    "m:ss": (r"(?P<m>\d+):(?P<s>[0-5]?\d)", "minutes:seconds (1:05)"),
}


class FormatError(ValueError):
    """A declared format string is not valid."""


@dataclass(frozen=True)
class TimestampFormat:
    text: str
    regex: re.Pattern[str]

    @property
    def has_offset(self) -> bool:
        return "offset" in self.regex.groupindex

    def parse(self, value: str) -> tuple[dt.datetime, dt.tzinfo | None] | None:
        """The naive local datetime and the offset the value carried (None if it had none);
        None when the value does not match the format or is not a real date."""
        match = self.regex.fullmatch(value.strip())
        if match is None:
            return None
        parts = {k: v for k, v in match.groupdict().items() if v is not None}
        try:
            return _build(parts)
        except ValueError:
            return None


def _build(parts: dict[str, str]) -> tuple[dt.datetime, dt.tzinfo | None]:
    year = int(parts["year"]) if "year" in parts else 2000 + int(parts.get("year2", "0"))
    if "monthname" in parts:
        month = _MONTHS.index(parts["monthname"].lower()) + 1  # ValueError when unknown
    else:
        month = int(parts.get("month", "1"))
    hour = int(parts.get("hour", "0"))
    if "hour12" in parts:
        hour12 = int(parts["hour12"])
        if not 1 <= hour12 <= 12:
            raise ValueError("hour out of range")
        pm = parts.get("ampm", "AM").upper() == "PM"
        hour = hour12 % 12 + (12 if pm else 0)
    fraction = parts.get("fraction", "")
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    stamp = dt.datetime(
        year,
        month,
        int(parts.get("day", "1")),
        hour,
        int(parts.get("minute", "0")),
        int(parts.get("second", "0")),
        micro,
    )
    offset = parts.get("offset")
    if offset is None:
        return stamp, None
    if offset == "Z":
        return stamp, dt.UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return stamp, dt.timezone(sign * delta)


def compile_timestamp(text: str) -> TimestampFormat:
    """Compile a token format; raises FormatError naming each unknown token."""
    if text == ISO8601:
        return TimestampFormat(text, _ISO_RE)
    pattern: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "[":
            end = text.find("]", i)
            if end < 0:
                raise FormatError(f"unclosed '[' in {text!r}")
            pattern.append(re.escape(text[i + 1 : end]))
            i = end + 1
        elif char.isalpha():
            end = i
            while end < len(text) and text[end].isalpha():
                end += 1
            tokens = _tokenise(text[i:end])
            if tokens is None:
                unknown.append(text[i:end])
            else:
                for token in tokens:
                    group = TIMESTAMP_TOKENS[token][0]
                    part = group[4 : group.index(">")]
                    if part in seen:
                        raise FormatError(f"token {token!r} repeats a part already in {text!r}")
                    seen.add(part)
                    pattern.append(group)
            i = end
        else:
            pattern.append(re.escape(char))
            i += 1
    if unknown:
        raise FormatError(
            f"unknown format token(s) {', '.join(repr(u) for u in unknown)} in {text!r} "
            f"(tokens: {', '.join(TIMESTAMP_TOKENS)}; put literal text in [brackets])"
        )
    if "hour12" in seen and "ampm" not in seen:
        raise FormatError(f"12-hour token h/hh needs the AM/PM token A in {text!r}")
    if not ({"year", "year2"} & seen and {"month", "monthname"} & seen and "day" in seen):
        raise FormatError(f"{text!r} must contain a year, a month and a day")
    return TimestampFormat(text, re.compile("".join(pattern)))


def _tokenise(run: str) -> list[str] | None:
    """Split a run of letters into tokens, longest first; None when some letters are no token."""
    tokens: list[str] = []
    i = 0
    while i < len(run):
        match = _TOKEN_RE.match(run, i)
        if not match:
            return None
        tokens.append(match.group())
        i = match.end()
    return tokens


@dataclass(frozen=True)
class DurationFormat:
    name: str
    regex: re.Pattern[str]

    def seconds(self, value: str) -> float | None:
        match = self.regex.fullmatch(value.strip())
        if match is None:
            return None
        parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
        if "ms" in parts:
            return parts["ms"] / 1000
        return parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)


def compile_duration(name: str) -> DurationFormat:
    if name not in DURATION_FORMATS:
        raise FormatError(
            f"unknown duration format {name!r} (one of: {', '.join(DURATION_FORMATS)})"
        )
    return DurationFormat(name, re.compile(DURATION_FORMATS[name][0]))
