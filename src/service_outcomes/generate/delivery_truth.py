"""Ground truth of the delivery mess injected into the Connect feed, for the data-quality audit.

``deliveries.json`` (in the truth folder) records, from the simulation's own contacts, what the
Connect export delivered: every line, the lines that repeat a contact's latest version
(duplicates) and the lines of an earlier version (superseded, every copy), and the contacts that
are not customer traffic: synthetic monitoring calls (contacts with no customer) and contacts of
internal test customers. It also counts the CX team's survey previews and tests. The warehouse's
audit must find the same numbers.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, fields
from pathlib import Path

from .formats.connect import ConnectFormatter
from .model import Contact
from .system import survey_previews

DELIVERIES_FILE = "deliveries.json"


@dataclass(slots=True)
class ConnectDeliveries:
    """Counts of what the Connect export delivered (one block's, or the whole run's)."""

    rows: int = 0
    contacts: int = 0
    duplicate_rows: int = 0
    superseded_rows: int = 0
    monitoring_contacts: int = 0
    internal_test_contacts: int = 0
    customer_contacts: int = 0

    def merge(self, other: ConnectDeliveries) -> None:
        """Add another block's counts."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def add(self, contact: Contact, delivered: list[tuple[int, bytes]]) -> None:
        if not delivered:
            return
        # The formatter delivers a contact's versions in order, so the last line is its latest
        # version (the greatest LastUpdateTimestamp); any other identical line is a duplicate.
        latest = delivered[-1][1]
        copies_of_latest = sum(1 for _, line in delivered if line == latest)
        self.rows += len(delivered)
        self.contacts += 1
        self.duplicate_rows += copies_of_latest - 1
        self.superseded_rows += len(delivered) - copies_of_latest
        if contact.customer is None:
            self.monitoring_contacts += 1
        elif contact.customer.is_test:
            self.internal_test_contacts += 1
        else:
            self.customer_contacts += 1


class DeliveryTruth:
    """Stands in for the ConnectFormatter it wraps and watches what each contact delivered."""

    def __init__(self, formatter: ConnectFormatter, truth_dir: Path) -> None:
        self.formatter = formatter
        self.truth_dir = Path(truth_dir)
        self.connect = ConnectDeliveries()

    def lines(self, c: Contact, rng: random.Random, out: list[tuple[int, bytes]]) -> None:
        start = len(out)
        self.formatter.lines(c, rng, out)
        self.connect.add(c, out[start:])

    def close(self) -> None:
        """Write ``deliveries.json``."""
        previews = survey_previews(self.formatter.cfg, self.formatter.clock)
        connect = self.connect
        truth = {
            "amazon_connect/contact_records": {
                "rows": connect.rows,
                "contacts": connect.contacts,
                "duplicate_rows": connect.duplicate_rows,
                "superseded_rows": connect.superseded_rows,
                "monitoring_contacts": connect.monitoring_contacts,
                "internal_test_contacts": connect.internal_test_contacts,
                "customer_contacts": connect.customer_contacts,
            },
            "qualtrics/survey_responses": {"preview_or_test_responses": len(previews)},
        }
        self.truth_dir.mkdir(parents=True, exist_ok=True)
        path = self.truth_dir / DELIVERIES_FILE
        path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
