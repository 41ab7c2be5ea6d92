"""Index build time (`HybridIndex.create`, what `veracity index build` runs) per embedder runtime, in one run.

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/index_build.py --docs 947 --runtimes torch,onnx,onnx:0 --repeats 1

A runtime written `onnx:0` builds with passages that share no sentence (`overlap_sentences=0`, what
`HybridIndex.build` does by default since 2026-12-03); a runtime without a suffix builds with a one-sentence
overlap, the default before (the issue's baseline).

Documents: the realistic corpus of benchmarks/retrieval_realistic.py at `--docs` (the 947 SciFact
abstracts always, then distractors up to `--docs`). Each runtime builds in a fresh subprocess (`VERACITY_EMBEDDER_RUNTIME`);
the model is loaded and warmed before the clock starts (start-up is benchmarks/startup.py's business),
and nothing is cached between builds. Rounds interleave the runtimes; per runtime the median wall time
of the build, its stages (split, encode, store, dense, BM25, commit) and passages/s, documents/s.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def child(data: Path, docs: int, overlap: int = 1) -> dict[str, object]:
    """One build in this process; the embedder runtime comes from the environment."""
    import retrieval_realistic

    from veracity.retrieval import HybridIndex
    from veracity.retrieval.search.embedder import default_embedder, runtime

    documents, _, _, _ = retrieval_realistic.build_corpus(data, docs)
    default_embedder().encode(["warm-up sentence for the embedder."] * 4)
    stages: dict[str, float] = {}

    class Stages(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.args and len(record.args) == 3 and hasattr(record.args[2], "stages"):
                stages.update(record.args[2].stages)

    log = logging.getLogger("veracity.retrieval")  # the change log of HybridIndex, wherever its module lives
    log.setLevel(logging.INFO)
    log.addHandler(Stages())
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        index = HybridIndex.create(Path(folder) / "index", documents, overlap_sentences=overlap)
        seconds = time.perf_counter() - started
    return {"runtime": runtime(), "documents": len(documents), "passages": len(index), "seconds": seconds, "stages": stages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=(REPO_ROOT / ".." / "shared" / "data").resolve())
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runtimes", default="torch,onnx", help="runtimes, each optionally with ':N' sentences of passage overlap (default 1, the old library default), e.g. torch,onnx,onnx:0")
    parser.add_argument("--overlap", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.data, args.docs, args.overlap)))
        return 0

    runs: dict[str, list[dict]] = {r: [] for r in args.runtimes.split(",")}
    for _ in range(args.repeats):
        for name in runs:
            runtime_name, _, overlap = name.partition(":")
            env = {**os.environ, "VERACITY_EMBEDDER_RUNTIME": runtime_name}
            command = [sys.executable, __file__, "--child", "--data", str(args.data), "--docs", str(args.docs), "--overlap", overlap or "1"]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
            run = json.loads(out.strip().splitlines()[-1])
            runs[name].append(run)
            print(f"  {name}: {run['seconds']:.1f}s " + ", ".join(f"{k} {v:.1f}s" for k, v in run["stages"].items()), flush=True)
    first = next(iter(runs))
    medians = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
    sample = runs[first][0]
    print(f"\n{sample['documents']} documents; {args.repeats} round(s); {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'runtime':<10}{'passages':>9}{'build s':>9}{'encode s':>10}{'passages/s':>12}{'docs/s':>8}{'vs ' + first:>10}")
    for name, rs in runs.items():
        encode = statistics.median(r["stages"].get("encode", float("nan")) for r in rs)
        passages = rs[0]["passages"]
        print(f"{name:<10}{passages:>9}{medians[name]:>9.1f}{encode:>10.1f}{passages / medians[name]:>12.1f}"
              f"{sample['documents'] / medians[name]:>8.1f}{medians[first] / medians[name]:>9.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median_seconds": medians}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
