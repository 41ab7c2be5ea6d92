"""How often the shipped verifier's calibrated P(supported) is exactly 0 or 1, and how often it is then right.

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/calibration_extremes.py [--data ../shared/data]

The evaluation half of every dev set but AVeriTeC, at most 150 pairs per set (seeded shuffle), scored
by `NLIJudge()`; counts and the share of supported pairs per band of calibrated P(supported).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from veracity.evaluation.devsets import DEVSETS, NON_COMMERCIAL, load_devset  # noqa: E402
from veracity.evaluation.splits import select_half  # noqa: E402
from veracity.judges.nli import NLIJudge  # noqa: E402

BANDS = ((0.0, 0.001), (0.001, 0.2), (0.9, 0.999), (0.999, 1.01))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=(REPO_ROOT / ".." / "shared" / "data").resolve())
    args = parser.parse_args()
    judge = NLIJudge()
    probs, labels = [], []
    for name in DEVSETS:
        if name in NON_COMMERCIAL:  # left out of calibration too
            continue
        pairs = select_half(load_devset(name, args.data), "evaluation")
        random.Random(0).shuffle(pairs)
        pairs = pairs[:150]
        probs += judge.p_supported([p.premise for p in pairs], [p.hypothesis for p in pairs])
        labels += [p.label for p in pairs]
    pr, lab = np.array(probs), np.array(labels)
    print(f"{len(pr)} evaluation pairs")
    for lo, hi in BANDS:
        inside = (pr >= lo) & (pr < hi)
        share = f"{lab[inside].mean():.3f}" if inside.any() else "-"
        print(f"P(supported) in [{lo}, {min(hi, 1.0)}]: {int(inside.sum()):4d} pairs, share supported {share}")


if __name__ == "__main__":
    main()
