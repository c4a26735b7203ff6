"""Drivers and the operational control of the truth (``drivers`` and ``service_level`` blocks).

From the contact attributes the simulation drew (its own state) for non-test customers;
thresholds are the ``threshold`` of the active rows of ``seeds/registry/metric_registry.csv``
(read by both sides, like the rate card). A *chain* is a contact and its transfer legs; an
*assisted leg* is a leg an agent took.

* ``authentication``: chains whose first leg attempted authentication (``passed`` or
  ``failed``), of which passed; ``not_attempted`` chains are outside the rate.
* ``knowledge_accuracy``: assisted legs that used a knowledge article, of which the article was
  accurate.
* ``desktop_latency``: assisted legs, the sum of their latency (ms), the mean, and the legs over
  the threshold of ``slow_desktop_rate`` (strictly greater).
* ``transfers``: assisted chains, of which with at least one transfer (two or more legs).
* ``service_level``: per channel (``voice``, ``chat``) and in total. Every leg that queued for an
  agent is offered, except an abandon whose queue wait is at most the threshold of
  ``service_level_short_abandon`` (seconds; counted apart as ``short_abandons``); it is answered
  in time when an agent took it and its queue wait (``Queue.Duration``, dequeue minus enqueue)
  is at most the channel's threshold (``service_level_voice`` / ``service_level_chat``).
  Other abandons count as offered and not answered in time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..model import Contact, NeedTruth
from .business import CHANNELS, chain_legs
from .core import ratio
from .counts import add_counts

#: Columns of a channel's service-level row.
_QUEUED, _SHORT, _OFFERED, _IN_TIME, _ABANDONED = range(5)


def service_block(rows: list[list[int]], threshold: Decimal | None) -> dict[str, Any]:
    """The service-level parts of the summed ``rows`` (and the threshold, when one applies)."""
    queued, short, offered, in_time, abandoned = (sum(col) for col in zip(*rows, strict=True))
    out: dict[str, Any] = {}
    if threshold is not None:
        out["threshold_seconds"] = int(threshold)
    out.update(
        queued_legs=queued,
        short_abandons=short,
        offered=offered,
        answered_within_threshold=in_time,
        abandoned=abandoned,
        service_level=ratio(in_time, offered),
    )
    return out


class DriverTally:
    """Counts the drivers and service level of non-test customers' needs."""

    def __init__(self, thresholds: dict[str, Decimal]) -> None:
        self._thresholds = thresholds
        self._drv: dict[str, int] = {}
        self._service: dict[str, list[int]] = {}
        self._reset()

    def _reset(self) -> None:
        self._drv = dict.fromkeys(
            ("auth_chains", "auth_attempted", "auth_passed", "auth_not_attempted",
             "article_uses", "accurate_article_uses", "assisted_legs", "latency_ms_sum",
             "slow_legs", "assisted_chains", "transferred_chains"),
            0,
        )  # fmt: skip
        #: Channel -> [queued legs, short abandons, offered, answered in time, abandoned].
        self._service = {"voice": [0] * 5, "chat": [0] * 5}

    def take(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = (self._drv, self._service)
        self._reset()
        return counts

    def merge(self, counts: tuple[dict[str, int], dict[str, list[int]]]) -> None:
        drv, service = counts
        add_counts(self._drv, drv)
        add_counts(self._service, service)

    def add(self, n: NeedTruth) -> None:
        for c in n.contacts:
            if c.agent is not None:
                self._add_assisted_leg(c)
            if c.queue:
                self._add_queued_leg(c)
        for chain in chain_legs(n.contacts).values():
            self._add_chain(chain)

    def _add_assisted_leg(self, c: Contact) -> None:
        d = self._drv
        d["assisted_legs"] += 1
        d["latency_ms_sum"] += c.desktop_latency_ms
        d["slow_legs"] += c.desktop_latency_ms > self._thresholds["slow_desktop_rate"]
        if c.kb_article_id:
            d["article_uses"] += 1
            d["accurate_article_uses"] += c.kb_article_accurate

    def _add_queued_leg(self, c: Contact) -> None:
        channel = CHANNELS[c.channel]
        row = self._service[channel]
        wait = c.dequeued - c.enqueued
        row[_QUEUED] += 1
        if c.agent is None and wait <= self._thresholds["service_level_short_abandon"]:
            row[_SHORT] += 1
            return
        row[_OFFERED] += 1
        if c.agent is None:
            row[_ABANDONED] += 1
        elif wait <= self._thresholds[f"service_level_{channel}"]:
            row[_IN_TIME] += 1

    def _add_chain(self, chain: list[Contact]) -> None:
        d = self._drv
        d["auth_chains"] += 1
        result = chain[0].auth_result
        if result in ("passed", "failed"):
            d["auth_attempted"] += 1
            d["auth_passed"] += result == "passed"
        elif result == "not_attempted":
            d["auth_not_attempted"] += 1
        if any(c.agent is not None for c in chain):
            d["assisted_chains"] += 1
            d["transferred_chains"] += len(chain) > 1

    def headline(self) -> dict[str, Any]:
        d = self._drv
        th = self._thresholds
        sl = self._service
        return {
            "drivers": {
                "authentication": {
                    "chains": d["auth_chains"],
                    "attempted": d["auth_attempted"],
                    "passed": d["auth_passed"],
                    "not_attempted": d["auth_not_attempted"],
                    "pass_rate": ratio(d["auth_passed"], d["auth_attempted"]),
                },
                "knowledge_accuracy": {
                    "article_uses": d["article_uses"],
                    "accurate": d["accurate_article_uses"],
                    "accuracy_rate": ratio(d["accurate_article_uses"], d["article_uses"]),
                },
                "desktop_latency": {
                    "threshold_ms": int(th["slow_desktop_rate"]),
                    "assisted_legs": d["assisted_legs"],
                    "latency_ms_sum": d["latency_ms_sum"],
                    "mean_ms": ratio(d["latency_ms_sum"], d["assisted_legs"]),
                    "over_threshold_legs": d["slow_legs"],
                    "over_threshold_rate": ratio(d["slow_legs"], d["assisted_legs"]),
                },
                "transfers": {
                    "assisted_chains": d["assisted_chains"],
                    "transferred_chains": d["transferred_chains"],
                    "transfer_rate": ratio(d["transferred_chains"], d["assisted_chains"]),
                },
            },
            "service_level": {
                "short_abandon_seconds": int(th["service_level_short_abandon"]),
                "voice": service_block([sl["voice"]], th["service_level_voice"]),
                "chat": service_block([sl["chat"]], th["service_level_chat"]),
                "total": service_block([sl["voice"], sl["chat"]], None),
            },
        }
