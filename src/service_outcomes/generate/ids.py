"""Identifier formats: Salesforce ids, Connect ContactIds (UUID v4), Qualtrics ResponseIds.

All identifiers are derived from numbers or from the caller's seeded random generator, so
they are deterministic.
"""

from __future__ import annotations

import random

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
#: Pod / instance part of our fake org's record ids.
_POD = "4x0"


def base62(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(B62[r])
    if n:
        raise ValueError("number too large for width")
    return "".join(reversed(out))


def _upper_bits(text: str) -> int:
    return sum(1 << i for i, ch in enumerate(text) if "A" <= ch <= "Z")


_PAIRS = [a + b for a in B62 for b in B62]
_PAIR_BITS = [_upper_bits(p) for p in _PAIRS]
_P2 = 3844 * 3844
_FIRST_CHUNK: dict[str, str] = {}


def _sf_id_slow(prefix: str, n: int) -> str:
    body = f"{prefix}{_POD}{base62(n, 9)}"
    return body + "".join(_SUFFIX[_upper_bits(body[k : k + 5])] for k in (0, 5, 10))


def sf_id(prefix: str, n: int) -> str:
    """An 18-character Salesforce id: key prefix, pod, 9-char record number, checksum suffix."""
    hi, lo = divmod(n, 62 * _P2)  # lo: the last 5 base-62 digits
    if hi or len(prefix) != 3:
        return _sf_id_slow(prefix, n)
    d, rest = divmod(lo, _P2)
    p1, p2 = divmod(rest, 3844)
    first = _PAIRS[p1]
    c1 = _FIRST_CHUNK.get(prefix)
    if c1 is None:
        c1 = _FIRST_CHUNK[prefix] = _SUFFIX[_upper_bits(prefix + _POD[:2])]
    # Chunk 2 is "0" + "0000"-padding (never upper case) -> bits 0 -> "A".
    bits3 = (1 if "A" <= B62[d] <= "Z" else 0) | (_PAIR_BITS[p1] << 1) | (_PAIR_BITS[p2] << 3)
    return f"{prefix}{_POD}0000{B62[d]}{first}{_PAIRS[p2]}{c1}A{_SUFFIX[bits3]}"


def uuid4(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def response_id(rng: random.Random) -> str:
    return "R_" + base62(rng.getrandbits(89), 15)
