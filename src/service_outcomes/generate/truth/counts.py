"""Adding up counters: how the tallies of separate blocks become the tally of the whole run.

Every lens keeps its counts in plain nested containers (dicts of ints, lists of ints, dicts of
those). A block's tally is taken from the lens (:meth:`take` on each tally) and added into the
run's tally with :func:`add_counts`, in block order. Adding in block order also inserts new keys
in the order a single pass over the blocks would have, so even the key order of every dict is
the same as if one tally had seen every block.
"""

from __future__ import annotations

from typing import Any


def add_counts(into: dict[Any, Any], other: dict[Any, Any]) -> None:
    """Add the counters of ``other`` into ``into`` (same shapes; keys missing in ``into`` are
    adopted as they are, so ``other`` must not be used afterwards)."""
    for key, value in other.items():
        if key not in into:
            into[key] = value
        else:
            into[key] = _added(into[key], value)


def _added(mine: Any, theirs: Any) -> Any:
    if isinstance(mine, dict):
        add_counts(mine, theirs)
        return mine
    if isinstance(mine, list):
        if len(mine) != len(theirs):
            raise ValueError("counter lists of different lengths")
        for i, value in enumerate(theirs):
            mine[i] = _added(mine[i], value)
        return mine
    return mine + theirs
