"""Long evidence: speed and accuracy of each way `NLIJudge` reads a long text, against scoring every window.

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/long_evidence.py --half evaluation --digest-tokens 128,160 --max-windows 6 --runtimes onnx-fp32

Pairs: the dev long-evidence sets (qags, wice, attributionbench, scifact via `veracity.evaluation.devsets`),
keeping pairs whose evidence has at least `--min-words` words (default 250), of the `--half` of each set
(`veracity.evaluation.splits`: the digest's size was chosen on the calibration half, so report on the
evaluation half), at most `--limit` per set. For each runtime, rows in one run:

* ``packed, all``: every packed window and every sentence alone (`windows="packed", max_windows=None`,
  the behaviour before pre-selection), the baseline;
* ``packed, top M`` for each `--max-windows` (the default reader is top 6), and with `--early-exit` each
  of those with `NLIJudge(early_exit=...)`;
* ``digest T`` for each `--digest-tokens` (the opt-in reader `NLIJudge(windows="digest")`, 160 tokens by default).

Each scores the same pairs with one `NLIJudge.raw_support` call per set (then its calibration map); "windows/pair" counts the
windows scored; pairs/s is pairs / wall time of those calls; balanced accuracy is of the calibrated
P(supported) at the model's shipped threshold, per set and as a mean over sets; AUC (of the raw support,
threshold-free) is the mean over sets.
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
from veracity.evaluation.metrics import balanced_accuracy, roc_auc  # noqa: E402
from veracity.evaluation.splits import select_half  # noqa: E402
from veracity.judges.nli import NLIJudge  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SETS = ("qags", "wice", "attributionbench", "scifact")


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
    parser.add_argument("--limit", type=int, default=100, help="at most this many pairs per set")
    parser.add_argument("--half", choices=("all", "calibration", "evaluation"), default="evaluation")
    parser.add_argument("--digest-tokens", default="160", help="digest sizes to compare (NLIJudge's digest_tokens default: 160)")
    parser.add_argument("--min-words", type=int, default=250)
    parser.add_argument("--max-windows", default="6", help="packed pre-selection sizes to compare with scoring all windows")
    parser.add_argument("--early-exit", default="", help="early-exit levels to add to each --max-windows row, e.g. 0.9 (default: none)")
    parser.add_argument("--runtimes", default="onnx-fp32")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    pairs = {}
    for name in args.sets.split(","):
        kept = [p for p in load_devset(name, args.data) if len(p.premise.split()) >= args.min_words]
        pairs[name] = (kept if args.half == "all" else select_half(kept, args.half))[: args.limit]
    words = [len(p.premise.split()) for ps in pairs.values() for p in ps]
    print(
        f"pairs ({args.half} half): {', '.join(f'{n} {len(ps)}' for n, ps in pairs.items())}; evidence words median "
        f"{statistics.median(words):.0f} (min {min(words)}, max {max(words)})"
    )
    sizes = [int(m) for m in args.max_windows.split(",") if m]
    exits = [float(e) for e in args.early_exit.split(",") if e]
    settings: list[tuple[str, dict]] = [("packed, all", {"windows": "packed", "max_windows": None})]
    settings += [(f"packed, top {m}", {"windows": "packed", "max_windows": m}) for m in sizes]
    settings += [(f"packed, top {m}, exit {e}", {"windows": "packed", "max_windows": m, "early_exit": e}) for m in sizes for e in exits]
    settings += [(f"digest {t}", {"windows": "digest", "digest_tokens": int(t)}) for t in args.digest_tokens.split(",") if t]
    rows = []
    for runtime in args.runtimes.split(","):
        for label, options in settings:
            judge = NLIJudge(runtime=runtime, threads=args.threads, **options)
            judge.predict(["Warm-up evidence."], ["Warm-up claim."])
            scored = count_scored_windows(judge)
            per_set, aucs, seconds, n = {}, {}, 0.0, 0
            for name, ps in pairs.items():
                started = time.perf_counter()
                raw = judge.raw_support([p.premise for p in ps], [p.hypothesis for p in ps])
                probs = judge.calibrate_support(raw)
                seconds += time.perf_counter() - started
                n += len(ps)
                labels = [p.label for p in ps]
                per_set[name] = balanced_accuracy(labels, [int(x >= judge.threshold) for x in probs])
                aucs[name] = roc_auc(labels, raw)
            row = {
                "runtime": runtime,
                "windows": label,
                "windows_per_pair": scored[0] / n,
                "pairs_per_s": n / seconds,
                "mean_bacc": statistics.mean(per_set.values()),
                "mean_auc": statistics.mean(a for a in aucs.values() if a is not None),
                **{f"bacc_{k}": v for k, v in per_set.items()},
                **{f"auc_{k}": v for k, v in aucs.items()},
            }
            rows.append(row)
            print(
                f"{runtime:<10} {row['windows']:<22} windows/pair {row['windows_per_pair']:5.1f}  "
                f"pairs/s {row['pairs_per_s']:6.2f}  mean AUC {row['mean_auc']:.3f}  mean BAcc {row['mean_bacc']:.3f}  "
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
