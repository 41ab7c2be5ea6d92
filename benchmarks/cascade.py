"""Confidence-gated cascade: how many claims reach the LLM, what they cost, and the wall time, vs the offline verifier.

Run from the repository root::

    python benchmarks/cascade.py --n 40 --model local/smollm2
    python benchmarks/cascade.py --n 200 --model gpt-4o-mini --band 0.3,0.7 --json out.json

Pairs: a seeded sample of `--n` (claim, abstract) pairs from the SciFact dev sample
(`../shared/data/scifact`, loaded by `veracity.evaluation.loaders`). Rows:

* ``offline``: `NLIJudge` alone (our verifier).
* ``cascade``: `CascadeJudge(fast=the same NLIJudge, slow=LLMVerifier(--model), band)`; only claims
  whose offline P(supported) is inside the band reach the LLM.
* ``llm``: `LLMVerifier` alone on every pair (skip with `--no-llm-alone`).

Printed per row: claims sent to the LLM, LLM calls / tokens in / tokens out / cost, wall time, 3-way
accuracy (supported / refuted / not_enough_info; unscored counts as wrong) and balanced accuracy of
supported-vs-rest. Both models are loaded and warmed up before timing; the LLM cache is off
(`cache=None`) so every LLM call is a real one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/cascade.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from veracity.evaluation.loaders import LOADERS  # noqa: E402
from veracity.evaluation.metrics import balanced_accuracy  # noqa: E402
from veracity.evaluation.pairs import ClaimEvidencePair  # noqa: E402
from veracity.judges import CascadeJudge, LLMVerifier, NLIJudge  # noqa: E402
from veracity.llm import LLMClient  # noqa: E402
from veracity.types import Verdict  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()


def sample_pairs(data: Path, n: int, seed: int) -> list[ClaimEvidencePair]:
    pairs = LOADERS["scifact"](data)
    return random.Random(seed).sample(pairs, min(n, len(pairs)))


def scores(pairs: Sequence[ClaimEvidencePair], verdicts: Sequence[Verdict]) -> tuple[float, float]:
    """(3-way accuracy, balanced accuracy of supported vs rest)."""
    three = sum(v.label == p.three_way for p, v in zip(pairs, verdicts)) / len(pairs)
    binary = balanced_accuracy([p.label for p in pairs], [int(v.label == "supported") for v in verdicts])
    return three, binary


def row(name: str, pairs: Sequence[ClaimEvidencePair], verdicts: Sequence[Verdict], seconds: float, **llm: float) -> dict:
    three, binary = scores(pairs, verdicts)
    return {"row": name, "n": len(pairs), "to_llm": llm.get("to_llm", 0), "calls": llm.get("calls", 0),
            "tok_in": llm.get("tok_in", 0), "tok_out": llm.get("tok_out", 0), "cost_usd": llm.get("cost_usd", 0.0),
            "unscored": sum(v.label == "unscored" for v in verdicts), "wall_s": round(seconds, 2),
            "acc3": round(three, 3), "bal_acc": round(binary, 3)}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="local/smollm2", help="litellm model string of the LLM stage")
    parser.add_argument("--band", default="0.3,0.7", help="low,high: offline P(supported) sent to the LLM")
    parser.add_argument("--no-llm-alone", action="store_true", help="skip the LLM-on-every-pair row")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    low, high = (float(x) for x in args.band.split(","))

    pairs = sample_pairs(args.data, args.n, args.seed)
    claims = [p.hypothesis for p in pairs]
    evidence = [[p.premise] for p in pairs]
    nli = NLIJudge()
    client = LLMClient(args.model, cache=None)
    verifier = LLMVerifier(client)
    nli.verify_many(claims[:2], evidence[:2])  # warm-up: model loads and first-call costs stay out of the timings
    verifier.verify(claims[0], evidence[0])
    client.reset_stats()

    rows = []
    started = time.perf_counter()
    offline = nli.verify_many(claims, evidence)
    rows.append(row("offline", pairs, offline, time.perf_counter() - started))

    cascade = CascadeJudge(fast=nli, slow=verifier, band=(low, high))
    started = time.perf_counter()
    staged = cascade.verify_many(claims, evidence)
    run = cascade.last_run
    rows.append(row(f"cascade ({low:g},{high:g})", pairs, staged, time.perf_counter() - started, to_llm=run.n_llm,
                    calls=run.llm_calls, tok_in=run.prompt_tokens, tok_out=run.completion_tokens, cost_usd=run.cost_usd))  # fmt: skip

    if not args.no_llm_alone:
        client.reset_stats()
        started = time.perf_counter()
        alone = verifier.verify_many(claims, evidence)
        seconds = time.perf_counter() - started
        stats = client.reset_stats()
        rows.append(row("llm", pairs, alone, seconds, to_llm=len(pairs), calls=stats.calls, tok_in=stats.prompt_tokens,
                        tok_out=stats.completion_tokens, cost_usd=stats.cost_usd))  # fmt: skip

    print(f"SciFact pairs: {len(pairs)} (seed {args.seed}), LLM: {args.model}, band ({low:g}, {high:g})")
    header = ["row", "n", "to_llm", "calls", "tok_in", "tok_out", "cost_usd", "unscored", "wall_s", "acc3", "bal_acc"]
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(r[h]).ljust(w) for h, w in zip(header, widths)))
    print(f"cascade: fast {run.fast_seconds:.2f} s + LLM {run.llm_seconds:.2f} s; "
          f"LLM unscored (fast verdict kept) {run.n_llm_unscored}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "cascade": run.as_dict()}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
