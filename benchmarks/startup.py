"""Start-up and overhead: the demo's wall time, and the pipeline's time over bare model time.

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/startup.py --runs 3 [--baseline /tmp/base]

`--baseline DIR`: another checkout (e.g. `git worktree add /tmp/base <commit>`) whose demo runs in the
same session, interleaved with this one's, with `PYTHONPATH=DIR`: the ratio is the figure to quote on a
shared machine.

1. The demo as a user runs it, `veracity check examples/answer.txt --corpus examples/corpus`, in a
   fresh process `--runs` times: wall seconds and CPU seconds (user + system) of the child, median.
2. In this process, by phase: importing `veracity.pipeline`, `FactChecker()` (what it loads), the
   demo index build, the first `check` (loads what is still lazy), then `--repeats` steady-state
   `check` calls. For those, the bare model time is the time spent inside the three models' own
   calls (spaCy's `nlp(...)`, the embedder's `encode`, the verifier's forward pass / ONNX
   `session.run`), measured by timing wrappers around them; overhead = pipeline / bare - 1.
CPU seconds are steadier than wall time where other processes share the cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ANSWER = REPO_ROOT / "examples" / "answer.txt"
CORPUS = REPO_ROOT / "examples" / "corpus"
SPENT: dict[str, float] = defaultdict(float)


def timed(name: str, function: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started

    return wrapper


def demo(runs: int, roots: list[Path]) -> list[tuple[float, float]]:
    """Median wall and CPU seconds of the demo command in a fresh process, per checkout (runs interleaved)."""
    walls: list[list[float]] = [[] for _ in roots]
    cpus: list[list[float]] = [[] for _ in roots]
    command = [sys.executable, "-m", "veracity.cli", "check", str(ANSWER), "--corpus", str(CORPUS)]
    for _ in range(runs):
        for i, root in enumerate(roots):
            env = dict(os.environ, PYTHONPATH=str(root))
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=root, env=env)
            walls[i].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh-process demo runs")
    parser.add_argument("--repeats", type=int, default=5, help="steady-state checks in this process")
    parser.add_argument("--baseline", type=Path, help="another checkout whose demo is timed in the same run")
    args = parser.parse_args(argv)

    if args.runs:
        roots = [REPO_ROOT] + ([args.baseline.resolve()] if args.baseline else [])
        timings = demo(args.runs, roots)
        for root, (wall, cpu) in zip(roots, timings):
            print(f"demo `veracity check examples/answer.txt --corpus examples/corpus` in {root}: wall {wall:.1f}s, CPU {cpu:.1f}s (median of {args.runs})")
        if args.baseline:
            (wall, cpu), (base_wall, base_cpu) = timings
            print(f"  this checkout / baseline: wall {wall / base_wall:.2f}x, CPU {cpu / base_cpu:.2f}x")

    phases: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases.append((name, now - clock))
        clock = now

    from veracity.pipeline import FactChecker
    from veracity.retrieval import HybridIndex, load_documents

    phase("import veracity.pipeline")
    checker = FactChecker()
    phase("FactChecker()")
    checker.index = HybridIndex.build(load_documents(CORPUS))
    phase("index the demo corpus")
    text = ANSWER.read_text(encoding="utf-8")
    report = checker.check(text)
    phase(f"first check ({len(report.results)} claims)")

    from veracity.claims.spacy_nlp import load_nlp
    from veracity.retrieval.search import embedder as embedder_module

    nlp = load_nlp()
    nlp_class = type(nlp)
    nlp_class.__call__ = timed("spacy", nlp_class.__call__)
    nlp_class.pipe = timed("spacy", nlp_class.pipe)
    if embedder_module.runtime() == "onnx":
        onnx_embedder = embedder_module.load_onnx_embedder()
        session = onnx_embedder.session
        onnx_embedder.session = type("Timed", (), {"run": staticmethod(timed("embedder", session.run))})()
    else:
        embedder = embedder_module.load_embedder()
        embedder.encode = timed("embedder", embedder.encode)
    loaded = checker.judge.loaded
    if hasattr(loaded, "session"):
        session = loaded.session
        loaded._session = type("Timed", (), {"run": staticmethod(timed("verifier", session.run))})()
        loaded._session_threads = loaded.threads or None
        loaded.open = lambda: loaded._session
    else:
        loaded.model.forward = timed("verifier", loaded.model.forward)
    SPENT.clear()
    started = time.perf_counter()
    for _ in range(args.repeats):
        checker.check(text)
    pipeline = (time.perf_counter() - started) / args.repeats
    bare = {name: seconds / args.repeats for name, seconds in SPENT.items()}
    for name, seconds in phases:
        print(f"  {name:<32}{seconds:7.2f}s")
    total_bare = sum(bare.values())
    print(
        f"steady-state check: pipeline {pipeline * 1000:.0f} ms, bare models {total_bare * 1000:.0f} ms "
        f"({', '.join(f'{k} {v * 1000:.0f}' for k, v in sorted(bare.items()))}); overhead {pipeline / total_bare - 1:+.1%} "
        f"(verifier runtime: {type(loaded).__name__}; embedder runtime: {embedder_module.runtime()})"
    )
    heavy = [m for m in ("torch", "transformers", "sentence_transformers", "onnx", "sklearn") if m in sys.modules]
    print(f"heavy modules imported in this process: {', '.join(heavy) or 'none'}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
