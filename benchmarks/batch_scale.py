"""Batch throughput: the local engine against Ray with 1, 2, ... workers on the same input.

Run from the repository root (needs `veracity[ray]`)::

    python benchmarks/batch_scale.py --n 96 --workers 1,2

The input is `--n` RAG records built from the SciFact abstracts in tests/data: each answer is two
sentences of an abstract plus one sentence of another, cited `[1]`/`[2]`, checked against both
abstracts (first 600 characters each). Every engine writes a fresh output file; records/s =
n / wall time of the whole run, models loaded included (the local checker is built inside the
timing, and each Ray actor loads its own). Starting Ray itself is timed apart. With `--repeat R`
the engines run in R interleaved rounds and the median wall time is reported, which evens out a
busy machine. The local engine runs torch on `--local-threads` threads (default: torch's own
choice, one per core); each Ray actor runs one. The script checks that every engine produced the
same records with the same statuses.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/batch_scale.py` without install
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from veracity.batch import run_batch
from veracity.pipeline import FactChecker

CORPUS = REPO_ROOT / "tests" / "data" / "scifact_corpus_small.jsonl"
CONTEXT_CHARS = 600


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text[:CONTEXT_CHARS].split()))
    return [p for p in parts if len(p.split()) >= 6 and p.endswith(".")]


def make_input(path: Path, n: int, seed: int = 0) -> None:
    """`n` RAG records: two sentences of one abstract [1] and one of another [2], with both as contexts."""
    docs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [d for d in docs if len(_sentences(d["text"])) >= 2]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            first, second = rng.sample(docs, 2)
            a, b = _sentences(first["text"])[:2]
            c = rng.choice(_sentences(second["text"]))
            text = f"{a[:-1]} [1]. {b[:-1]} [1]. {c[:-1]} [2]."
            contexts = [first["text"][:CONTEXT_CHARS], second["text"][:CONTEXT_CHARS]]
            handle.write(json.dumps({"id": f"r{i}", "text": text, "contexts": contexts, "question": first["title"]}) + "\n")


def _statuses(path: Path) -> list[tuple[str, str]]:
    return [(row["key"], row["status"]) for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


def _timed(label: str, run: Callable[[Path], None], out: Path, reference: list[tuple[str, str]] | None) -> float:
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    run(out)
    seconds = time.perf_counter() - start
    if reference is not None and _statuses(out) != reference:
        raise SystemExit(f"{label} wrote different records than the local engine")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=96, help="records in the input")
    parser.add_argument("--workers", default="1,2", help="Ray worker counts to run, comma separated")
    parser.add_argument("--chunk-size", type=int, default=16, help="records per model pass")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved rounds; the median is reported")
    parser.add_argument("--local-threads", type=int, default=None, help="torch threads of the local engine")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray instance (default: all)")
    parser.add_argument("--address", default=None, help="an existing Ray cluster instead of a local instance")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]

    import ray
    import torch

    from veracity.engines.ray_engine import run_batch_ray

    if args.local_threads:
        torch.set_num_threads(args.local_threads)
    local_name = f"local, {torch.get_num_threads()} thread{'s' if torch.get_num_threads() > 1 else ''}"
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in.jsonl"
        make_input(inp, args.n)

        def local(out: Path) -> None:
            run_batch(FactChecker(), inp, out, chunk_size=args.chunk_size)

        def on_ray(count: int) -> Callable[[Path], None]:
            return lambda out: run_batch_ray(
                inp, out, workers=count, chunk_size=args.chunk_size, checker_kwargs={"judge": "default"}
            )

        times: dict[str, list[float]] = {}
        start = time.perf_counter()
        if args.address:
            ray.init(address=args.address)
        else:
            ray.init(num_cpus=args.num_cpus, include_dashboard=False)
        ray_start = time.perf_counter() - start
        try:
            reference: list[tuple[str, str]] | None = None
            for _ in range(args.repeat):
                times.setdefault(local_name, []).append(_timed(local_name, local, Path(tmp) / "local.jsonl", reference))
                reference = reference or _statuses(Path(tmp) / "local.jsonl")
                for count in workers:
                    name = f"ray, {count} worker{'s' if count > 1 else ''}"
                    times.setdefault(name, []).append(_timed(name, on_ray(count), Path(tmp) / f"ray{count}.jsonl", reference))
        finally:
            ray.shutdown()

    where = args.address or f"{args.num_cpus or os.cpu_count()} CPUs"
    print(
        f"{args.n} records, chunk size {args.chunk_size}, {where}, median of {args.repeat}; Ray started in {ray_start:.1f} s (not counted)"
    )
    print(f"{'engine':<18} {'wall s':>8} {'records/s':>10}")
    for name, runs in times.items():
        seconds = statistics.median(runs)
        print(f"{name:<18} {seconds:>8.1f} {args.n / seconds:>10.2f}")


if __name__ == "__main__":
    main()
