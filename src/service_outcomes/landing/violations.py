"""Broken rules found in a landed file: collected per rule, examples capped, every row counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_EXAMPLES_PER_RULE = 20


@dataclass(frozen=True)
class Violation:
    """One row (or the whole file, ``row is None``) breaking one rule."""

    rule: str
    message: str
    row: int | None = None
    line: int | None = None
    value: str | None = None


@dataclass
class RuleViolations:
    rule: str
    count: int = 0
    examples: list[Violation] = field(default_factory=list)


class ViolationLog:
    """Keeps at most ``max_examples`` examples per rule but counts them all."""

    def __init__(self, source_file: str, max_examples: int = MAX_EXAMPLES_PER_RULE) -> None:
        self.source_file = source_file
        self.max_examples = max_examples
        self._rules: dict[str, RuleViolations] = {}

    def add(
        self,
        rule: str,
        message: str,
        *,
        row: int | None = None,
        line: int | None = None,
        value: str | None = None,
        count: int = 1,
    ) -> None:
        """Record one example; ``count`` adds further rows breaking the rule without examples."""
        entry = self._rules.setdefault(rule, RuleViolations(rule))
        if row is None and entry.examples and entry.examples[0].row is None:
            return  # a file-level rule is reported once
        entry.count += count
        if len(entry.examples) < self.max_examples:
            entry.examples.append(Violation(rule, message, row, line, value))

    def room_for(self, rule: str) -> int:
        entry = self._rules.get(rule)
        return self.max_examples - (len(entry.examples) if entry else 0)

    def add_uncounted_rows(self, rule: str, count: int) -> None:
        if count > 0:
            self._rules.setdefault(rule, RuleViolations(rule)).count += count

    def extend(self, other: ViolationLog, order: Sequence[str] = ()) -> None:
        """Append ``other``'s rules after this log's own, with their examples and counts: in the
        order of ``order`` (rule ids; others after them, as they came)."""
        rank = {rule: i for i, rule in enumerate(order)}
        for entry in sorted(other.rules, key=lambda e: rank.get(e.rule, len(rank))):
            for v in entry.examples:
                self.add(entry.rule, v.message, row=v.row, line=v.line, value=v.value)
            self.add_uncounted_rows(entry.rule, entry.count - len(entry.examples))

    def __bool__(self) -> bool:
        return bool(self._rules)

    @property
    def rules(self) -> list[RuleViolations]:
        return list(self._rules.values())

    def set_lines(self, row_to_line: dict[int, int]) -> None:
        """Fill in physical line numbers for examples that only know their data row."""
        for entry in self._rules.values():
            entry.examples = [
                Violation(v.rule, v.message, v.row, row_to_line.get(v.row), v.value)
                if v.row is not None and v.line is None and v.row in row_to_line
                else v
                for v in entry.examples
            ]

    def set_rows(self, line_to_row: dict[int, int]) -> None:
        """Fill in data rows for examples that only know their physical line."""
        for entry in self._rules.values():
            entry.examples = [
                Violation(v.rule, v.message, line_to_row.get(v.line), v.line, v.value)
                if v.row is None and v.line is not None and v.line in line_to_row
                else v
                for v in entry.examples
            ]

    def example_text(self, violation: Violation) -> str:
        where = self.source_file
        if violation.row is not None:
            where += f" row {violation.row}"
            if violation.line is not None:
                where += f" (line {violation.line})"
        elif violation.line is not None:
            where += f" line {violation.line}"
        return f"{where}: {violation.message}"

    def summaries(self) -> list[str]:
        """One message per broken rule: the first example plus how many rows break it."""
        out = []
        for entry in self._rules.values():
            text = f"[{entry.rule}] {self.example_text(entry.examples[0])}"
            if entry.count > 1:
                rows = [str(v.row) for v in entry.examples if v.row is not None]
                text += f" ({entry.count} rows break this rule"
                text += f"; first rows {', '.join(rows)})" if rows else ")"
            out.append(text)
        return out

    def reason_text(self) -> str:
        """Every broken rule with its examples, for ``<file>.reason.txt``."""
        lines = [f"{self.source_file} was quarantined: it breaks {len(self._rules)} rule(s).", ""]
        for entry in self._rules.values():
            lines.append(f"rule {entry.rule}: {entry.count} occurrence(s)")
            lines.extend(f"  {self.example_text(v)}" for v in entry.examples)
            hidden = entry.count - len(entry.examples)
            if hidden > 0:
                lines.append(f"  ... and {hidden} more")
            lines.append("")
        return "\n".join(lines)
