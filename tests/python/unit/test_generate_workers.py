"""The generator's output does not depend on how many processes render its blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from service_outcomes.generate import SCALES, generate


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_two_workers_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    # Three blocks of customers, so the two workers take turns and may finish out of order.
    config = SCALES["ci"].with_(customers=5 * SCALES["ci"].block_size // 2, days=20)
    for workers in (1, 2):
        generate(
            config,
            tmp_path / f"w{workers}" / "landing",
            tmp_path / f"w{workers}" / "truth",
            progress=False,
            workers=workers,
        )
    one, two = _digests(tmp_path / "w1"), _digests(tmp_path / "w2")
    assert len(one) > 50
    assert one == two
    assert not any(".generate-spool-" in name for name in two)
