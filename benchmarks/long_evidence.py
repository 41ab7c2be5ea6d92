"""Long evidence: speed and accuracy of scoring every window vs the pre-selected ones (`NLIJudge(max_windows=...)`).

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/long_evidence.py --limit 40 --max-windows 4,6 --runtimes torch,onnx-fp32

Pairs: the dev long-evidence sets (qags, wice, attributionbench via `veracity.evaluation.devsets`),
keeping pairs whose evidence has at least `--min-words` words (default 250), the first `--limit` of
each set (in loader order). For each runtime, every window (`max_windows=None`, the previous
behaviour) and each `--max-windows` value (and, with `--early-exit`, each of those with `NLIJudge(early_exit=...)`)
score the same pairs with one `NLIJudge.predict` call per set; "windows/pair" counts the windows
scored (an early exit skips some of those selected); pairs/s is pairs / wall time of that call, and balanced accuracy is of the calibrated
P(supported) at the model's shipped threshold, per set and as a mean over sets. All in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from veracity.evaluation.devsets import load_devset  # noqa: E402
from veracity.evaluation.metrics import balanced_accuracy  # noqa: E402
from veracity.judges.nli import NLIJudge  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SETS = ("qags", "wice", "attributionbench")


def count_scored_windows(judge: NLIJudge) -> list[int]:
    """A counter, [n], of the windows `judge` sends to its model from now on."""
    counter, score = [0], judge._score

    def counting(premises: list[str], hypotheses: list[str]):
        counter[0] += len(premises)
        return score(premises, hypotheses)

    judge._score = counting  # type: ignore[method-assign]
    return counter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=40, help="pairs per set")
    parser.add_argument("--min-words", type=int, default=250)
    parser.add_argument("--max-windows", default="4,6", help="pre-selection sizes to compare with scoring all windows")
    parser.add_argument("--early-exit", default="", help="early-exit levels to add to each --max-windows row, e.g. 0.9 (default: none)")
    parser.add_argument("--runtimes", default="torch,onnx-fp32")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    pairs = {}
    for name in args.sets.split(","):
        kept = [p for p in load_devset(name, args.data) if len(p.premise.split()) >= args.min_words]
        pairs[name] = kept[: args.limit]
    words = [len(p.premise.split()) for ps in pairs.values() for p in ps]
    print(
        f"pairs: {', '.join(f'{n} {len(ps)}' for n, ps in pairs.items())}; evidence words median "
        f"{statistics.median(words):.0f} (min {min(words)}, max {max(words)})"
    )
    sizes = [int(m) for m in args.max_windows.split(",") if m]
    exits = [float(e) for e in args.early_exit.split(",") if e]
    settings: list[tuple[int | None, float | None]] = [(None, None), *[(m, None) for m in sizes], *[(m, e) for m in sizes for e in exits]]
    rows = []
    for runtime in args.runtimes.split(","):
        for max_windows, early_exit in settings:
            judge = NLIJudge(runtime=runtime, max_windows=max_windows, threads=args.threads, early_exit=early_exit)
            judge.predict(["Warm-up evidence."], ["Warm-up claim."])
            scored = count_scored_windows(judge)
            per_set, seconds, n = {}, 0.0, 0
            for name, ps in pairs.items():
                started = time.perf_counter()
                probs = judge.p_supported([p.premise for p in ps], [p.hypothesis for p in ps])
                seconds += time.perf_counter() - started
                n += len(ps)
                per_set[name] = balanced_accuracy([p.label for p in ps], [int(x >= judge.threshold) for x in probs])
            row = {
                "runtime": runtime,
                "windows": ("all" if max_windows is None else f"top {max_windows}") + (f" exit {early_exit}" if early_exit else ""),
                "windows_per_pair": scored[0] / n,
                "pairs_per_s": n / seconds,
                "mean_bacc": statistics.mean(per_set.values()),
                **{f"bacc_{k}": v for k, v in per_set.items()},
            }
            rows.append(row)
            print(
                f"{runtime:<10} {row['windows']:<14} windows/pair {row['windows_per_pair']:5.1f}  "
                f"pairs/s {row['pairs_per_s']:6.2f}  mean BAcc {row['mean_bacc']:.3f}  "
                + "  ".join(f"{k} {v:.3f}" for k, v in per_set.items()),
                flush=True,
            )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the end")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
