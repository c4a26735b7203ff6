"""Feed contracts: the TOML files in ``contracts/`` read into typed, immutable objects."""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

FileFormat = Literal["csv", "qualtrics_csv", "jsonl"]
_FORMATS: tuple[str, ...] = ("csv", "qualtrics_csv", "jsonl")
_FORMATS_FILE = "formats.toml"


class ContractError(ValueError):
    """A contract file is malformed (a bug in the package, not in a landed file)."""


@dataclass(frozen=True)
class ValueFormat:
    """A named value format such as ``salesforce_datetime``."""

    name: str
    regex: str
    description: str
    example: str


@dataclass(frozen=True)
class FieldRule:
    """The rules one column (CSV) or JSON path (JSON lines) must satisfy."""

    name: str
    not_null: bool = False
    regex: str | None = None
    regex_description: str | None = None
    value_format: ValueFormat | None = None
    accepted_values: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None

    @property
    def has_range(self) -> bool:
        return self.min_value is not None or self.max_value is not None

    @property
    def path(self) -> tuple[str, ...]:
        """The JSON path of a JSON lines field (``Agent.Username`` -> ``("Agent", "Username")``)."""
        return tuple(self.name.split("."))


@dataclass(frozen=True)
class Contract:
    """Everything the loader knows about one feed."""

    source: str
    table: str
    raw_table: str
    file_format: FileFormat
    file_pattern: str
    required_columns: tuple[str, ...]
    fields: tuple[FieldRule, ...]

    @property
    def name(self) -> str:
        return f"{self.source}.{self.table}"

    @property
    def raw_schema(self) -> str:
        return self.raw_table.split(".", 1)[0]

    @property
    def raw_name(self) -> str:
        return self.raw_table.split(".", 1)[1]

    def matches_file_name(self, file_name: str) -> bool:
        return re.fullmatch(self.file_pattern, file_name) is not None


def anchored(regex: str) -> str:
    """Anchor a contract regex to the whole value (``$`` alone would allow a final newline)."""
    return f"^(?:{regex})\\Z"


def _read_toml(name: str) -> dict[str, object]:
    text = resources.files(__package__).joinpath("contracts", name).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContractError(f"contracts/{name}: {exc}") from exc


def load_formats() -> dict[str, ValueFormat]:
    raw = _read_toml(_FORMATS_FILE)
    formats: dict[str, ValueFormat] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise ContractError(f"contracts/{_FORMATS_FILE}: [{name}] must be a table")
        formats[name] = ValueFormat(
            name=name,
            regex=_compile_check(str(spec["regex"]), f"{_FORMATS_FILE} [{name}]"),
            description=str(spec["description"]),
            example=str(spec["example"]),
        )
    return formats


def _compile_check(regex: str, where: str) -> str:
    try:
        re.compile(regex)
    except re.error as exc:
        raise ContractError(f"contracts/{where}: bad regex {regex!r}: {exc}") from exc
    return regex


def _optional_float(spec: dict[str, object], key: str, where: str) -> float | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ContractError(f"contracts/{where}: {key} must be a number")
    return float(value)


_FIELD_KEYS = frozenset(
    {
        "not_null",
        "regex",
        "regex_description",
        "format",
        "accepted_values",
        "accepted_values_seed",
        "min",
        "max",
    }
)
#: The dbt project's seeds: a field may take its accepted values from a vocabulary seed.
_SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def _seed_values(seed: str, where: str) -> list[str]:
    """The ``source_value`` column of a vocabulary seed (every system's own values)."""
    path = _SEEDS / seed
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return sorted({row["source_value"] for row in csv.DictReader(fh)})
    except (OSError, KeyError) as exc:
        raise ContractError(
            f"contracts/{where}: accepted_values_seed {seed!r} is not a seed with a "
            f"source_value column under {_SEEDS}: {exc}"
        ) from exc


def _field_rule(name: str, spec: dict[str, object], formats: dict[str, ValueFormat], where: str):
    unknown = set(spec) - _FIELD_KEYS
    if unknown:
        raise ContractError(f"contracts/{where}: field {name!r} has unknown keys {sorted(unknown)}")
    format_name = spec.get("format")
    if format_name is not None and format_name not in formats:
        raise ContractError(f"contracts/{where}: field {name!r} names unknown format {format_name}")
    accepted = spec.get("accepted_values")
    if "accepted_values_seed" in spec:
        seeded = _seed_values(str(spec["accepted_values_seed"]), where)
        accepted = [*(accepted if isinstance(accepted, list) else []), *seeded]
    regex = spec.get("regex")
    return FieldRule(
        name=name,
        not_null=bool(spec.get("not_null", False)),
        regex=_compile_check(str(regex), where) if regex is not None else None,
        regex_description=str(spec["regex_description"]) if "regex_description" in spec else None,
        value_format=formats[str(format_name)] if format_name is not None else None,
        accepted_values=tuple(str(v) for v in accepted) if isinstance(accepted, list) else None,
        min_value=_optional_float(spec, "min", where),
        max_value=_optional_float(spec, "max", where),
    )


def parse_contract(raw: dict[str, object], formats: dict[str, ValueFormat], where: str) -> Contract:
    try:
        file_format = str(raw["format"])
        if file_format not in _FORMATS:
            raise ContractError(f"contracts/{where}: format must be one of {_FORMATS}")
        fields_spec = raw.get("fields", {})
        if not isinstance(fields_spec, dict):
            raise ContractError(f"contracts/{where}: [fields] must be a table")
        required = raw.get("required_columns", [])
        if not isinstance(required, list):
            raise ContractError(f"contracts/{where}: required_columns must be a list")
        return Contract(
            source=str(raw["source"]),
            table=str(raw["table"]),
            raw_table=str(raw["raw_table"]),
            file_format=file_format,  # type: ignore[arg-type]
            file_pattern=_compile_check(str(raw["file_pattern"]), where),
            required_columns=tuple(str(c) for c in required),
            fields=tuple(
                _field_rule(str(name), spec, formats, where)
                for name, spec in fields_spec.items()
                if isinstance(spec, dict)
            ),
        )
    except KeyError as exc:
        raise ContractError(f"contracts/{where}: missing key {exc}") from exc


def load_contracts() -> dict[tuple[str, str], Contract]:
    """All feed contracts shipped with the package, keyed by ``(source, table)``."""
    formats = load_formats()
    contracts: dict[tuple[str, str], Contract] = {}
    folder = resources.files(__package__).joinpath("contracts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml") or entry.name == _FORMATS_FILE:
            continue
        contract = parse_contract(_read_toml(entry.name), formats, entry.name)
        contracts[(contract.source, contract.table)] = contract
    return contracts
