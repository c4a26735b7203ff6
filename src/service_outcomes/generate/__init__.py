"""Deterministic simulation of a customer-service organisation, written as vendor exports.

``generate(config, landing_dir, truth_dir)`` writes Salesforce, Amazon Connect and Qualtrics
exports into ``landing_dir`` (partitioned by delivery date, see ``docs/landing_formats.md``)
and the simulation's ground truth into ``truth_dir``. Modules: ``config`` (configuration,
scales), ``clock`` (time), ``world`` (customers, agents, queues, need arrivals), ``simulate``
(the journey of a need), ``system`` (monitoring calls, survey previews), ``formats`` (one
writer per vendor), ``partitioned`` (buffered landing writer), ``truth`` (ground truth),
``progress``, ``runner`` (``generate``).
"""

from .config import SCALES, GeneratorConfig
from .runner import GenerationSummary, generate
from .system import MONITORING_ENDPOINTS

__all__ = ["MONITORING_ENDPOINTS", "SCALES", "GenerationSummary", "GeneratorConfig", "generate"]
