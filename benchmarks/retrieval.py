"""Retrieval quality and latency on the SciFact dev sample: BM25, dense and hybrid.

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/retrieval.py [--data ../shared/data/scifact] [--json out.json]

Indexes the 947 abstracts of `corpus_subset.jsonl` (title + sentences) with `HybridIndex` and
searches every claim of `claims_train_sample.jsonl` that has qrels. Metrics are document level:
passages are ranked (k=100) and each abstract counts at its best passage; recall@10 and nDCG@10
(binary relevance) averaged over claims. Latency is one `search(claim, k=10)` call per claim
(query encoding included, `--query-threads` torch/FAISS threads, default 1), p50/p95 over all
claims after one warm-up call. The index is kept in
`--index-dir` and reused while its settings match (delete it or pass --rebuild to rebuild).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/retrieval.py` without install
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from veracity.errors import VeracityError  # noqa: E402
from veracity.retrieval import Document, HybridIndex  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data" / "scifact").resolve()
DEFAULT_INDEX = REPO_ROOT / "out" / "retrieval-bench" / "scifact-index"
CUTOFF = 10
DEPTH = 100
RUNS = [
    ("bm25", "bm25", "rrf"),
    ("dense", "dense", "rrf"),
    ("hybrid (rrf)", "hybrid", "rrf"),
    ("hybrid (weighted)", "hybrid", "weighted"),
]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_scifact(data: Path) -> tuple[list[Document], dict[int, str], dict[int, set[str]]]:
    """Abstracts as documents, claim texts by id, and relevant abstract ids by claim id."""
    corpus = [
        Document(id=str(row["doc_id"]), title=row["title"], text=" ".join(row["abstract"]))
        for row in read_jsonl(data / "corpus_subset.jsonl")
    ]
    claims = {int(row["id"]): row["claim"] for row in read_jsonl(data / "claims_train_sample.jsonl")}
    qrels: dict[int, set[str]] = defaultdict(set)
    for line in (data / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            query_id, doc_id, score = line.split("\t")
            if int(score) > 0:
                qrels[int(query_id)].add(doc_id)
    return corpus, claims, {q: docs for q, docs in qrels.items() if q in claims}


def document_ranking(evidence: list) -> list[str]:
    ranking: list[str] = []
    for item in evidence:
        if item.passage.doc_id not in ranking:
            ranking.append(item.passage.doc_id)
    return ranking


def recall_ndcg(ranking: list[str], relevant: set[str], cutoff: int = CUTOFF) -> tuple[float, float]:
    top = ranking[:cutoff]
    recall = len(set(top) & relevant) / len(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(top) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), cutoff)))
    return recall, dcg / ideal


def open_index(corpus: list[Document], directory: Path, max_tokens: int, rebuild: bool) -> tuple[HybridIndex, str]:
    if not rebuild and (directory / "manifest.json").is_file():
        try:
            index = HybridIndex.load(directory)
            if index.settings.max_tokens == max_tokens and set(index.documents) == {d.id for d in corpus}:
                return index, "reused"
        except VeracityError:
            pass
    started = time.perf_counter()
    index = HybridIndex.create(directory, corpus, max_tokens=max_tokens, progress=True)
    return index, f"built in {time.perf_counter() - started:.0f}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--query-threads", type=int, default=1,
                        help="torch/FAISS threads while timing queries (1: no OpenMP spin-waits under contention)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    corpus, claims, qrels = load_scifact(args.data)
    index, how = open_index(corpus, args.index_dir, args.max_tokens, args.rebuild)
    query_ids = sorted(qrels)
    queries = [claims[q] for q in query_ids]
    print(
        f"SciFact dev sample: {len(corpus)} abstracts -> {len(index)} passages (<= {args.max_tokens} tokens, "
        f"index {how}); {len(queries)} claims with qrels; document-level metrics, passages ranked to k={DEPTH}"
    )
    import faiss
    import torch

    torch.set_num_threads(args.query_threads)
    faiss.omp_set_num_threads(args.query_threads)
    results = []
    for label, mode, fusion in RUNS:
        ranked = index.search_many(queries, k=DEPTH, mode=mode, fusion=fusion)
        scores = np.array([recall_ndcg(document_ranking(ev), qrels[q]) for ev, q in zip(ranked, query_ids)])
        index.search(queries[0], k=CUTOFF, mode=mode, fusion=fusion)  # warm-up
        times = []
        for query in queries:
            started = time.perf_counter()
            index.search(query, k=CUTOFF, mode=mode, fusion=fusion)
            times.append((time.perf_counter() - started) * 1000)
        results.append(
            {
                "retriever": label,
                "recall@10": float(scores[:, 0].mean()),
                "ndcg@10": float(scores[:, 1].mean()),
                "p50_ms": float(np.percentile(times, 50)),
                "p95_ms": float(np.percentile(times, 95)),
            }
        )
    print(f"\n{'retriever':<20}{'recall@10':>10}{'nDCG@10':>10}{'p50 ms':>9}{'p95 ms':>9}")
    for row in results:
        print(
            f"{row['retriever']:<20}{row['recall@10']:>10.3f}{row['ndcg@10']:>10.3f}"
            f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
        )
    by_name = {row["retriever"]: row for row in results}
    best_single = max(by_name["bm25"]["recall@10"], by_name["dense"]["recall@10"])
    verdict = "yes" if by_name["hybrid (rrf)"]["recall@10"] > best_single else "NO"
    print(f"\nhybrid (rrf, the default) recall@10 beats both single retrievers: {verdict}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load} at the end (latencies include any contention); "
        f"queries timed with {args.query_threads} torch/FAISS thread(s)"
    )
    if args.json:
        args.json.write_text(json.dumps({"passages": len(index), "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
