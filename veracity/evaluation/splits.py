"""A fixed two-way split of every dev set: a calibration half and an evaluation half.

The verifier's calibration map and decision threshold are fitted on the calibration half only;
benchmarks report on the evaluation half, so no figure is measured on the pairs it was fitted to.
Pairs that share a claim (same `group_id`, else the same claim text) always fall in the same half.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from veracity.evaluation.pairs import ClaimEvidencePair

Half = Literal["calibration", "evaluation", "all"]
HALVES: tuple[str, ...] = ("calibration", "evaluation", "all")


def half_of(pair: ClaimEvidencePair) -> Literal["calibration", "evaluation"]:
    """The half a pair belongs to: a stable hash of its dataset and claim group."""
    key = f"{pair.dataset}\x1f{pair.group_id or pair.hypothesis.strip().lower()}"
    return "calibration" if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0 else "evaluation"


def select_half(pairs: Sequence[ClaimEvidencePair], half: Half) -> list[ClaimEvidencePair]:
    """The pairs of one half (`"all"`: every pair)."""
    if half == "all":
        return list(pairs)
    if half not in HALVES:
        raise ValueError(f"unknown half {half!r}; expected one of {HALVES}")
    return [p for p in pairs if half_of(p) == half]
