"""Ground truth: what really happened in the simulation (the warehouse never reads it).

The truth is written to ``episodes.csv.gz`` and ``assisted_chains.csv.gz`` (one row per need and
per assisted chain, :mod:`.core`) and ``headline.json``, whose blocks each come from one module:

* :mod:`.core`: first contact resolution, digital containment, repeat contact, resolution time;
* :mod:`.surveys`: survey responses, CSAT, customer effort, NPS;
* :mod:`.business`: cost to serve, avoidable demand, revenue protection, productivity;
* :mod:`.drivers`: the drivers and service level;
* :mod:`.complaints`: complaint handling against the FCA DISP time limits;
* :mod:`.consent`: consent compliance;
* :mod:`.groups`: first contact resolution and repeat contact by customer group and month.

Every block counts customers that are not internal test accounts; the as-of moment is the end of
the period's last day. Windows and thresholds come from the dbt project's reference seeds
(:mod:`.reference`), which the warehouse reads too. :class:`.writer.TruthWriter` feeds the
simulation's needs, cases and customers to each module's tally.
"""

from .complaints import RESOLVING_CODES
from .core import CHAIN_COLUMNS, EPISODE_COLUMNS
from .groups import GROUP_DIMENSIONS, age_band, customer_groups
from .reference import (
    COST_RATES,
    DRIVER_THRESHOLDS,
    METRIC_REGISTRY,
    CostRate,
    read_cost_rates,
    read_threshold,
    read_thresholds,
    read_window_days,
)
from .surveys import LIVE_SURVEY_STATUSES
from .writer import TRUTH_FILES, TruthWriter

__all__ = [
    "CHAIN_COLUMNS",
    "COST_RATES",
    "DRIVER_THRESHOLDS",
    "EPISODE_COLUMNS",
    "GROUP_DIMENSIONS",
    "LIVE_SURVEY_STATUSES",
    "METRIC_REGISTRY",
    "RESOLVING_CODES",
    "TRUTH_FILES",
    "CostRate",
    "TruthWriter",
    "age_band",
    "customer_groups",
    "read_cost_rates",
    "read_threshold",
    "read_thresholds",
    "read_window_days",
]
