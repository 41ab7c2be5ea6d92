"""Verifier speed: runtimes x threads x batch sizes, bare model time vs `NLIJudge.predict`, int8 agreement.

Run from the repository root (after `pip install -e ".[fast]"`)::

    python benchmarks/verifier_speed.py --n 512 --threads 1,2 --batch-sizes 16,32,64

Pairs are built from real SciFact text: a claim of about `--claim-tokens` tokens (claims joined,
then cut at a word) and evidence of about `--evidence-tokens` tokens (consecutive abstract
sentences, then cut at a word), counted with the model's tokenizer. For each runtime (torch fp32,
ONNX fp32, ONNX int8 per-channel, ONNX int8 per-tensor), thread count and batch size it prints
pairs/s of `NLIJudge.predict`, the bare model time (torch forward / `session.run` on pre-tokenised,
pre-padded batches, the same batches the judge makes), the judge's time and the overhead
judge/bare - 1, each the median of `--runs` runs; the same in CPU seconds of this process (a
steadier figure where other processes share the cores). Last, the agreement of each ONNX runtime with torch fp32.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/verifier_speed.py` without install
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from veracity.judges.nli import NLIJudge  # noqa: E402
from veracity.verifier.loading import ClassifierBackend, load_nli_model  # noqa: E402
from veracity.verifier.onnx_backend import OnnxClassifierBackend, source_files  # noqa: E402
from veracity.verifier.model import DEFAULT_MODEL_DIR  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data" / "scifact").resolve()
FIXTURE = REPO_ROOT / "tests" / "data" / "nli_pairs.jsonl"
RUNTIMES = {"torch-fp32": None, "onnx-fp32": "fp32", "onnx-int8": "int8", "onnx-int8-tensor": "int8-tensor"}
Backend = ClassifierBackend | OnnxClassifierBackend


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cut_to_tokens(text: str, target: int, count: Callable[[str], int]) -> str:
    """The longest word prefix of `text` with at most `target` tokens."""
    words = text.split()
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(" ".join(words[:mid])) <= target:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


def build_pairs(data: Path, n: int, claim_tokens: int, evidence_tokens: int, count: Callable[[str], int]) -> tuple[list[str], list[str]]:
    """`n` (evidence, claim) pairs of real SciFact text at the target token counts."""
    claims = [row["claim"] for row in read_jsonl(data / "claims_train_sample.jsonl")]
    sentences = [s for row in read_jsonl(data / "corpus_subset.jsonl") for s in row["abstract"]]
    premises, hypotheses = [], []
    for i in range(n):
        claim, j = claims[i % len(claims)], i + 1
        while count(claim) < claim_tokens:
            claim += " " + claims[j % len(claims)]
            j += 1
        evidence, k = "", (i * 7) % len(sentences)
        while count(evidence) < evidence_tokens:
            evidence = (evidence + " " + sentences[k % len(sentences)]).strip()
            k += 1
        hypotheses.append(cut_to_tokens(claim, claim_tokens, count))
        premises.append(cut_to_tokens(evidence, evidence_tokens, count))
    return premises, hypotheses


def padded_batches(backend: Backend, premises: list[str], hypotheses: list[str], batch_size: int) -> list[dict]:
    """The batches `NLIJudge` makes (pairs sorted by length, padded to the longest), tokenised up front."""
    order = sorted(range(len(premises)), key=lambda i: len(premises[i]) + len(hypotheses[i]))
    tensors = "pt" if isinstance(backend, ClassifierBackend) else "np"
    batches = []
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        batches.append(
            backend.tokenizer(
                [premises[i] for i in idx],
                [hypotheses[i] for i in idx],
                truncation="only_first",
                max_length=backend.max_length,
                padding=True,
                return_tensors=tensors,
            )
        )
    return batches


def bare_forward(backend: Backend, batches: list[dict]) -> None:
    """The model alone: torch forward or `session.run`, nothing else."""
    if isinstance(backend, ClassifierBackend):
        with torch.inference_mode():
            for batch in batches:
                backend.model(**batch)
    else:
        for batch in batches:
            backend.logits(batch)


def median_time(fn: Callable[[], object], runs: int, warm_up: Callable[[], object]) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (all its threads) over `runs` calls."""
    warm_up()  # first-call allocations and kernel selection are not steady-state cost
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def make_backend(model: str, runtime: str) -> Backend:
    torch_backend = load_nli_model(model, "torch")
    if not isinstance(torch_backend, ClassifierBackend):
        raise SystemExit(f"{model} is not a sequence-classification model")
    precision = RUNTIMES[runtime]
    if precision is None:
        return torch_backend
    path = DEFAULT_MODEL_DIR if model == "default" else Path(model)
    return OnnxClassifierBackend.from_torch(torch_backend, precision=precision, files=source_files(path))


def set_threads(backend: Backend, threads: int) -> None:
    torch.set_num_threads(threads)
    if isinstance(backend, OnnxClassifierBackend):
        backend.threads = threads


def agreement(a: Backend, b: Backend, premises: list[str], hypotheses: list[str]) -> dict[str, float]:
    """Max and mean |ΔP(entailment)|, max |ΔP| over all three, and argmax-label agreement of `a` vs `b`."""
    pa = np.array([row for s in range(0, len(premises), 32) for row in a.probabilities(premises[s : s + 32], hypotheses[s : s + 32])])
    pb = np.array([row for s in range(0, len(premises), 32) for row in b.probabilities(premises[s : s + 32], hypotheses[s : s + 32])])
    return {
        "max_abs_dP_entail": float(np.abs(pa[:, 0] - pb[:, 0]).max()),
        "mean_abs_dP_entail": float(np.abs(pa[:, 0] - pb[:, 0]).mean()),
        "max_abs_dP_any": float(np.abs(pa - pb).max()),
        "label_agreement": float((pa.argmax(1) == pb.argmax(1)).mean()),
    }


def parse_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="'default', or a classifier model directory")
    parser.add_argument("--n", type=int, default=512, help="number of claim-evidence pairs")
    parser.add_argument("--claim-tokens", type=int, default=25)
    parser.add_argument("--evidence-tokens", type=int, default=120)
    parser.add_argument("--threads", type=parse_ints, default=[1, 2])
    parser.add_argument("--batch-sizes", type=parse_ints, default=[16, 32, 64])
    parser.add_argument("--runtimes", default=",".join(RUNTIMES), help=f"comma-separated, of {', '.join(RUNTIMES)}")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per cell (median reported)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the SciFact jsonl files")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    runtimes = [r for r in args.runtimes.split(",") if r]
    unknown = [r for r in runtimes if r not in RUNTIMES]
    if unknown:
        parser.error(f"unknown runtimes {unknown}; choose from {list(RUNTIMES)}")
    tokenizer = make_backend(args.model, "torch-fp32").tokenizer

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    premises, hypotheses = build_pairs(args.data, args.n, args.claim_tokens, args.evidence_tokens, count)
    claim_lengths = [count(h) for h in hypotheses]
    evidence_lengths = [count(p) for p in premises]
    print(
        f"{len(premises)} pairs; claim tokens median {statistics.median(claim_lengths)} "
        f"(min {min(claim_lengths)}, max {max(claim_lengths)}); evidence tokens median "
        f"{statistics.median(evidence_lengths)} (min {min(evidence_lengths)}, max {max(evidence_lengths)}); "
        f"model {args.model}; torch {torch.__version__}; cpu count {os.cpu_count()}; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )

    judge = NLIJudge(args.model, runtime="torch")
    rows = []
    header = (
        f"{'runtime':17s} {'threads':>7s} {'batch':>5s} {'pairs/s':>8s} {'bare s':>7s} {'judge s':>7s} {'overhead':>8s}"
        f" | {'bare cpu':>8s} {'judge cpu':>9s} {'ovh cpu':>7s}"
    )
    print(header)
    print("-" * len(header))
    backends: dict[str, Backend] = {}
    for runtime in runtimes:
        backend = backends[runtime] = make_backend(args.model, runtime)
        judge.loaded = backend
        for threads in args.threads:
            set_threads(backend, threads)
            for batch_size in args.batch_sizes:
                judge.batch_size = batch_size
                batches = padded_batches(backend, premises, hypotheses, batch_size)
                bare, bare_cpu = median_time(
                    lambda: bare_forward(backend, batches), args.runs, lambda: bare_forward(backend, batches[:1])
                )
                full, full_cpu = median_time(
                    lambda: judge.predict(premises, hypotheses),
                    args.runs,
                    lambda: judge.predict(premises[:batch_size], hypotheses[:batch_size]),
                )
                row = {
                    "runtime": runtime,
                    "threads": threads,
                    "batch_size": batch_size,
                    "pairs_per_s": len(premises) / full,
                    "bare_s": bare,
                    "judge_s": full,
                    "overhead": full / bare - 1.0,
                    "bare_cpu_s": bare_cpu,
                    "judge_cpu_s": full_cpu,
                    "overhead_cpu": full_cpu / bare_cpu - 1.0,
                }
                rows.append(row)
                print(
                    f"{runtime:17s} {threads:7d} {batch_size:5d} {row['pairs_per_s']:8.1f} "
                    f"{bare:7.3f} {full:7.3f} {100 * row['overhead']:7.1f}% | "
                    f"{bare_cpu:8.3f} {full_cpu:9.3f} {100 * row['overhead_cpu']:6.1f}%",
                    flush=True,
                )

    print(f"load average at end of timing {os.getloadavg()[0]:.2f} (other processes share these cores)")
    fixture = read_jsonl(FIXTURE)
    fixture_p, fixture_h = [r["premise"] for r in fixture], [r["hypothesis"] for r in fixture]
    agreements = {}
    reference = make_backend(args.model, "torch-fp32")
    set_threads(reference, max(args.threads))
    for runtime, backend in backends.items():
        if isinstance(backend, OnnxClassifierBackend):
            set_threads(backend, max(args.threads))
            for name, (p, h) in {"bench": (premises, hypotheses), "fixture": (fixture_p, fixture_h)}.items():
                agreements[f"{runtime}/{name}"] = agreement(backend, reference, p, h)
    if agreements:
        print("\nagreement with torch fp32 (bench: the pairs above; fixture: tests/data/nli_pairs.jsonl):")
        for key, value in agreements.items():
            print(f"  {key:24s} " + "  ".join(f"{k}={v:.4f}" for k, v in value.items()))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "agreement": agreements}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
