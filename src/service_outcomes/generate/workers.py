"""Blocks rendered in worker processes, handed back in block order.

Each worker process renders whole blocks (:class:`.blocks.BlockRenderer`): simulation, every
export's lines and the block's truth counts, which is nearly all the work. Its lines go to a
spool file of the block (:class:`.segments.SpoolWriter`) in a hidden folder of the landing
directory, not through the pipe to the parent, so that a finished block waiting for its turn
costs disk (page cache), not memory. The parent takes the results strictly in block order,
replays each spool into the writer and adds the truth counts: the output is byte for byte that
of one process. At most ``workers + 1`` blocks are in flight, which bounds both the spool folder
and what the parent holds.

Worker processes are started with ``spawn`` (a fresh interpreter, the same on every platform and
safe whatever threads the parent runs); each reads the reference seeds and builds its tables once.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path

from .blocks import BlockRenderer, BlockResult
from .clock import Clock
from .config import GeneratorConfig
from .segments import SegmentBuffer, SpoolWriter

#: Prefix of the spool folder in the landing directory (hidden: never a feed file).
SPOOL_PREFIX = ".generate-spool-"
#: Environment variable that sets the default number of worker processes.
WORKERS_ENV = "SERVICE_OUTCOMES_GENERATE_WORKERS"
#: Most worker processes used by default (the benchmark machine has two cores).
MAX_DEFAULT_WORKERS = 2

_renderer: BlockRenderer | None = None
_limit = 0


def default_workers() -> int:
    """Worker processes when none are asked for: ``$SERVICE_OUTCOMES_GENERATE_WORKERS``, else
    the usable CPUs, at most :data:`MAX_DEFAULT_WORKERS`."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        return max(1, int(value))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_WORKERS, cpus))


def _start(config: GeneratorConfig, truth_dir: Path, limit: int) -> None:
    global _renderer, _limit
    _renderer = BlockRenderer(config, Clock(config.start, config.days), truth_dir)
    _limit = limit


def _render(block: int, spool_dir: Path) -> BlockResult:
    assert _renderer is not None, "worker not started"
    path = spool_dir / f"block-{block:07d}.runs"
    spool = SpoolWriter(path)
    try:
        result = _renderer.render(block, SegmentBuffer(spool, _limit))
    finally:
        spool.close()
    result.spool = path
    result.spool_index = spool.index
    return result


def rendered_blocks(
    config: GeneratorConfig,
    landing_dir: Path,
    truth_dir: Path,
    blocks: range,
    workers: int,
    limit: int,
) -> Iterator[BlockResult]:
    """Render ``blocks`` in ``workers`` processes; yield the results in block order, each with
    its spool file (the caller replays and deletes it)."""
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(dir=landing_dir, prefix=SPOOL_PREFIX) as folder,
        context.Pool(workers, initializer=_start, initargs=(config, truth_dir, limit)) as pool,
    ):
        spool_dir = Path(folder)
        todo = iter(blocks)
        pending: deque[AsyncResult[BlockResult]] = deque()

        def submit() -> None:
            block = next(todo, None)
            if block is not None:
                pending.append(pool.apply_async(_render, (block, spool_dir)))

        for _ in range(workers + 1):
            submit()
        while pending:
            result = pending.popleft().get()
            submit()
            yield result
