"""Retrieval at scale: build time, index size, memory and query latency at 10k / 100k / 1M passages.

Run from the repository root (one size per process keeps memory readings clean)::

    HF_HUB_OFFLINE=1 python benchmarks/retrieval_scale.py --size 10000
    HF_HUB_OFFLINE=1 python benchmarks/retrieval_scale.py --size 100000 --ann ivf,hnsw
    HF_HUB_OFFLINE=1 python benchmarks/retrieval_scale.py --size 1000000 --ann ivf

Corpus: unique real sentences (5-60 words) from the shared dev corpora (SciFact abstracts,
Climate-FEVER, COVID-Fact, FEVER-Symmetric, WiCE, BEGIN, HealthVer evidence, then NLI-pool
premises), encoded once with the real MiniLM embedder (batched, progress bar, resumable cache in
`--cache`). Volume beyond the unique sentences is made by replication with perturbation: passage i
copies sentence i mod U with one adjacent-word swap and ~10% of its words dropped, and its vector
is the source sentence's vector plus gaussian noise (sigma 0.02 per dimension), renormalised.
So the index build here spends no time encoding (vectors are looked up); the encoding rate of the
real embedder is printed separately. Queries are the 200 SciFact dev claims, encoded for real.

Measured in the same process for each size: our `HybridIndex` (build, save, on-disk size, memory,
p50/p95 latency of hybrid/bm25/dense `search(query, k=10)` including query encoding, dense
recall@10 against exact search), a flat FAISS inner-product index (exact; vector search only) and
rank-bm25 (`BM25Okapi`, same tokenizer; skipped where its build or queries would take too long).
`--ann ivf,hnsw` adds a sweep of IVF and HNSW settings over all passages (recall@10 against the
flat index, p50, build time), the measurement behind `DenseConfig`'s defaults.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import faiss  # noqa: E402
import psutil  # noqa: E402

from veracity.retrieval import DenseConfig, Document, HybridIndex  # noqa: E402
from veracity.retrieval.ingest.dedup import normalise  # noqa: E402
from veracity.retrieval.ingest.sentences import sentence_spans  # noqa: E402
from veracity.retrieval.search.dense import DenseIndex, ivf_lists  # noqa: E402
from veracity.retrieval.search.embedder import EMBEDDER_DIM, EMBEDDER_NAME, count_tokens, encode  # noqa: E402
from veracity.retrieval.search.lexical import tokenize  # noqa: E402
from veracity.retrieval.storage.encoding import encode_resumable  # noqa: E402

DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
DEFAULT_CACHE = REPO_ROOT / "out" / "retrieval-scale"
NOISE = 0.02
BLOCK = 4096  # replica vectors draw their noise per block of passage numbers
K = 10


# -- corpus ------------------------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _texts(data: Path) -> list[str]:
    """Real passages of text from the shared corpora, in a fixed order."""
    texts: list[str] = []
    for row in _jsonl(data / "scifact" / "corpus_subset.jsonl"):
        texts.extend(row["abstract"])
    for row in _jsonl(data / "climate_fever" / "climate-fever.dev_sample.jsonl"):
        texts.extend(e["evidence"] for e in row["evidences"])
    for row in _jsonl(data / "covidfact" / "COVIDFACT_dataset.dev_sample.jsonl"):
        texts.extend(row["evidence"])
    for path in sorted((data / "fever_symmetric").glob("*.jsonl")):
        texts.extend(row["evidence"] for row in _jsonl(path))
    for path in sorted((data / "wice").glob("*.jsonl")):
        for row in _jsonl(path):
            texts.extend(row["evidence"])
    texts.extend(row["knowledge"] for row in _jsonl(data / "begin" / "begin_dev.sample.jsonl"))
    import csv

    with (data / "healthver" / "healthver_dev_sample.csv").open(encoding="utf-8") as handle:
        texts.extend(row["evidence"] for row in csv.DictReader(handle))
    texts.extend(row["premise"] for row in _jsonl(data / "nli_train" / "train.jsonl"))
    return texts


def unique_sentences(data: Path, limit: int) -> list[str]:
    """Up to `limit` distinct real sentences of 5-60 words, shuffled with a fixed seed."""
    seen: set[str] = set()
    sentences: list[str] = []
    for text in _texts(data):
        for start, end in sentence_spans(text):
            sentence = " ".join(text[start:end].split())
            words = len(sentence.split())
            key = normalise(sentence)
            if 5 <= words <= 60 and key not in seen:
                seen.add(key)
                sentences.append(sentence)
        if len(sentences) >= 4 * limit:
            break
    order = np.random.default_rng(20240917).permutation(len(sentences))[:limit]
    return [sentences[i] for i in sorted(order)]


def perturb(sentence: str, i: int) -> str:
    """Replica i of a sentence: one adjacent-word swap and ~10% of the words dropped."""
    rng = np.random.default_rng(i)
    words = sentence.split()
    j = int(rng.integers(0, len(words) - 1))
    words[j], words[j + 1] = words[j + 1], words[j]
    keep = rng.random(len(words)) >= 0.1
    kept = [w for w, k in zip(words, keep) if k]
    return " ".join(kept if len(kept) >= 3 else words)


class Replicas:
    """Passage i: text and vector derived from unique sentence i mod U (see the module docstring)."""

    def __init__(self, sentences: list[str], vectors: np.ndarray) -> None:
        self.sentences = sentences
        self.vectors = vectors
        self._noise_cache: dict[int, np.ndarray] = {}

    def text(self, i: int) -> str:
        u = len(self.sentences)
        return self.sentences[i] if i < u else perturb(self.sentences[i % u], i)

    def vector_block(self, ids: np.ndarray) -> np.ndarray:
        u = len(self.sentences)
        out = self.vectors[ids % u].copy()
        replica = ids >= u
        for block in np.unique(ids[replica] // BLOCK).tolist():
            inside = replica & (ids // BLOCK == block)
            out[inside] += self._noise(block)[ids[inside] % BLOCK]
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def _noise(self, block: int) -> np.ndarray:
        """The noise rows of passages block*BLOCK ... (block+1)*BLOCK - 1 (seeded by the block)."""
        if block not in self._noise_cache:
            if len(self._noise_cache) > 8:
                self._noise_cache.clear()
            rng = np.random.default_rng(block)
            self._noise_cache[block] = rng.standard_normal((BLOCK, EMBEDDER_DIM), dtype=np.float32) * NOISE
        return self._noise_cache[block]


class LookupEmbedder:
    """MiniLM's name and space: corpus passages are looked up, anything else (queries) encoded."""

    name = EMBEDDER_NAME
    dim = EMBEDDER_DIM

    def __init__(self, replicas: Replicas, ids_by_text: dict[str, int]) -> None:
        self.replicas = replicas
        self.ids_by_text = ids_by_text

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = np.asarray([self.ids_by_text.get(t, -1) for t in texts], dtype=np.int64)
        known = ids >= 0
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if known.any():
            out[known] = self.replicas.vector_block(ids[known])
        if not known.all():  # queries, and the odd passage the splitter cut out of a longer text
            out[~known] = encode([t for t, k in zip(texts, known) if not k])
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return count_tokens(texts)


# -- measuring ---------------------------------------------------------------------------------


class _StageLog(logging.Handler):
    """Keeps the last build-stage line the index logs."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage().split("; ", 1)[-1]


def set_threads(n: int) -> int:
    """Use n torch and FAISS threads; returns the previous count."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    faiss.omp_set_num_threads(n)
    return previous


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def latencies(fn: Callable[[int], object], n: int) -> tuple[float, float]:
    return interleaved({"x": fn}, n)["x"]


def interleaved(systems: dict[str, Callable[[int], object]], n: int) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of each system over queries 0..n-1, taking turns per query so that any
    contention from other processes falls on all of them alike (one warm-up call each)."""
    times: dict[str, list[float]] = {name: [] for name in systems}
    for fn in systems.values():
        fn(0)
    for i in range(n):
        for name, fn in systems.items():
            started = time.perf_counter()
            fn(i)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: (float(np.percentile(t, 50)), float(np.percentile(t, 95))) for name, t in times.items()}


def recall_at_k(approx: list[list[int]], exact: list[list[int]]) -> float:
    return float(np.mean([len(set(a) & set(e)) / max(1, len(e)) for a, e in zip(approx, exact)]))


def flat_top(flat: faiss.Index, queries: np.ndarray) -> list[list[int]]:
    _, ids = flat.search(queries, K)
    return [[int(i) for i in row if i >= 0] for row in ids]


def ann_sweep(vectors: np.ndarray, queries: np.ndarray, truth: list[list[int]], kinds: list[str]) -> list[dict]:
    """IVF (nlist ~ sqrt(n)) and/or HNSW (M=32) at several search widths, vs exact top-10."""
    rows = np.arange(len(vectors), dtype=np.int64)
    results: list[dict] = []
    if "ivf" in kinds:
        results += _ivf_sweep(rows, vectors, queries, truth)
    if "hnsw" in kinds:
        results += _hnsw_sweep(rows, vectors, queries, truth)
    return results


def _ivf_sweep(rows: np.ndarray, vectors: np.ndarray, queries: np.ndarray, truth: list[list[int]]) -> list[dict]:
    results = []
    started = time.perf_counter()
    ivf = DenseIndex.build(rows, vectors, DenseConfig(exact_limit=0, ann="ivf"))
    ivf_build = time.perf_counter() - started
    for nprobe in (8, 16, 24, 32, 64):
        ivf._index.nprobe = nprobe
        found = [[r for r, _ in hits] for hits in ivf.top_many(queries, K)]
        p50, _ = latencies(lambda i: ivf.top_many(queries[i : i + 1], K), len(queries))
        results.append({"index": f"IVF nlist={ivf_lists(len(rows))} nprobe={nprobe}", "build_s": ivf_build,
                        "recall": recall_at_k(found, truth), "p50_ms": p50})
    return results


def _hnsw_sweep(rows: np.ndarray, vectors: np.ndarray, queries: np.ndarray, truth: list[list[int]]) -> list[dict]:
    results = []
    started = time.perf_counter()
    hnsw = DenseIndex.build(rows, vectors, DenseConfig(exact_limit=0, ann="hnsw"))
    hnsw_build = time.perf_counter() - started
    inner = faiss.downcast_index(hnsw._index.index)
    for ef in (32, 64, 96, 128):
        inner.hnsw.efSearch = ef
        found = [[r for r, _ in hits] for hits in hnsw.top_many(queries, K)]
        p50, _ = latencies(lambda i: hnsw.top_many(queries[i : i + 1], K), len(queries))
        results.append({"index": f"HNSW M=32 efSearch={ef}", "build_s": hnsw_build,
                        "recall": recall_at_k(found, truth), "p50_ms": p50})
    return results


def run_rank_bm25(texts: list[str], queries: list[str], cap_s: float, estimate: dict | None) -> dict:
    """rank-bm25 BM25Okapi: build time and p50 of get_scores + top-10, or why it was skipped."""
    from rank_bm25 import BM25Okapi

    n = len(texts)
    if estimate is not None:
        scale = n / estimate["n"]
        build, query = estimate["build_s"] * scale, estimate["p50_ms"] * scale
        if build + query * len(queries) / 1000 > cap_s:
            return {"skipped": f"too slow: est. build {build:.0f}s + {len(queries)} queries x {query:.0f} ms > {cap_s:.0f}s cap"}
    started = time.perf_counter()
    bm25 = BM25Okapi([tokenize(t) or [""] for t in texts])
    build_s = time.perf_counter() - started
    tokenized = [tokenize(q) for q in queries]

    def query(i: int) -> None:
        scores = bm25.get_scores(tokenized[i])
        np.argpartition(-scores, K)[:K]

    p50, p95 = latencies(query, len(queries))
    return {"n": n, "build_s": build_s, "p50_ms": p50, "p95_ms": p95}


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, required=True, help="passages in the index")
    parser.add_argument("--unique", type=int, default=16000, help="unique real sentences to encode")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rank-bm25-cap", type=float, default=120.0, help="seconds rank-bm25 may take")
    parser.add_argument("--rank-bm25-queries", type=int, default=30)
    parser.add_argument("--ann", default="", help="also sweep approximate indexes: ivf, hnsw or ivf,hnsw")
    parser.add_argument("--query-threads", type=int, default=1,
                        help="torch/FAISS threads while timing queries (1: no OpenMP spin-waits under contention)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    stages = _StageLog()
    build_log = logging.getLogger("veracity.retrieval.hybrid")
    build_log.setLevel(logging.INFO)  # the index logs how long each step of a build took
    build_log.addHandler(stages)
    report: dict = {"size": args.size}

    # 1. unique real sentences, encoded once (resumable)
    sentences = unique_sentences(args.data, args.unique)
    started = time.perf_counter()
    from veracity.retrieval.search.embedder import default_embedder

    vectors = encode_resumable(default_embedder(), sentences, args.cache / "encode-cache", chunk=1024, progress=True)
    encode_s = time.perf_counter() - started
    claims = [row["claim"] for row in _jsonl(args.data / "scifact" / "claims_train_sample.jsonl")][: args.queries]
    query_vectors = encode(claims)
    base_rss = rss_mb()  # the embedder is loaded: what follows is the index's
    print(
        f"corpus: {len(sentences)} unique real sentences (encoded with {EMBEDDER_NAME}, or read from the cache, in "
        f"{encode_s:.0f}s), replicated with perturbation to {args.size:,} passages (texts: word swap + ~10% drops; "
        f"vectors: source vector + N(0, {NOISE}^2) noise, renormalised); {len(claims)} SciFact claims as queries"
    )

    # 2. our index
    replicas = Replicas(sentences, vectors)
    texts = [replicas.text(i) for i in range(args.size)]
    ids_by_text: dict[str, int] = {}
    for i, text in enumerate(texts):
        ids_by_text.setdefault(text, i)
    documents = [Document(id=f"s{i}", text=text) for i, text in enumerate(texts)]
    embedder = LookupEmbedder(replicas, ids_by_text)
    gc.collect()
    started = time.perf_counter()
    index = HybridIndex.build(documents, embedder=embedder, progress=False)
    build_s = time.perf_counter() - started
    del documents
    gc.collect()
    workdir = Path(tempfile.mkdtemp(prefix="veracity-scale-", dir=args.cache))
    started = time.perf_counter()
    index.save(workdir / "index")
    save_s = time.perf_counter() - started
    size_mb = dir_mb(workdir / "index")
    del index
    gc.collect()
    started = time.perf_counter()
    index = HybridIndex.load(workdir / "index", embedder=embedder)
    load_s = time.perf_counter() - started
    after_load = rss_mb()
    stats = index.stats()
    memory = index.memory_usage()
    ours = {
        "passages": stats["passages"], "folded": stats["folded"], "dense_kind": stats["dense"]["kind"],
        "build_s": build_s, "save_s": save_s, "load_s": load_s, "disk_mb": size_mb,
        "index_mb": memory["in_memory"] / 2**20, "rss_mb": after_load - base_rss, "stages": stages.last,
    }
    report["ours"] = ours

    # 3. flat FAISS, same vectors
    flat = faiss.IndexFlatIP(EMBEDDER_DIM)
    started = time.perf_counter()
    for start in range(0, args.size, 65536):
        flat.add(replicas.vector_block(np.arange(start, min(start + 65536, args.size), dtype=np.int64)))
    flat_build = time.perf_counter() - started

    # 4. latency, all systems taking turns on each query
    build_threads = set_threads(args.query_threads)
    timed = interleaved(
        {
            "hybrid": lambda i: index.search(claims[i], k=K),
            "bm25": lambda i: index.search(claims[i], k=K, mode="bm25"),
            "dense": lambda i: index.search(claims[i], k=K, mode="dense"),
            "dense_search": lambda i: index._dense.top_many(query_vectors[i : i + 1], K),
            "encode": lambda i: encode([claims[i]]),
            "flat": lambda i: flat.search(query_vectors[i : i + 1], K),
        },
        len(claims),
    )
    for mode in ("hybrid", "bm25", "dense", "dense_search"):
        ours[f"{mode}_p50_ms"], ours[f"{mode}_p95_ms"] = timed[mode]
    query_encode_ms = timed["encode"][0]
    set_threads(build_threads)
    report["query_threads"] = args.query_threads
    p50, p95 = timed["flat"]
    report["flat"] = {"build_s": flat_build, "mb": flat.ntotal * EMBEDDER_DIM * 4 / 2**20, "p50_ms": p50, "p95_ms": p95}
    truth_ids = flat_top(flat, query_vectors)
    del flat
    gc.collect()
    # our dense index against exact search over the very vectors it holds (folded passages are not in it)
    own_rows, own_vectors = index._dense.contents()
    own_flat = faiss.IndexFlatIP(EMBEDDER_DIM)
    own_flat.add(own_vectors)
    exact = [[int(own_rows[j]) for j in row] for row in flat_top(own_flat, query_vectors)]
    found = [[row for row, _ in hits] for hits in index._dense.top_many(query_vectors, K)]
    ours["dense_recall@10"] = recall_at_k(found, exact)
    del own_flat, own_vectors
    gc.collect()
    if args.ann:
        all_vectors = np.concatenate(
            [replicas.vector_block(np.arange(s, min(s + 65536, args.size), dtype=np.int64)) for s in range(0, args.size, 65536)]
        )
        report["ann"] = ann_sweep(all_vectors, query_vectors, truth_ids, args.ann.split(","))
        del all_vectors
        gc.collect()

    # 5. rank-bm25 (measured at 10k to estimate larger sizes first)
    rb_queries = claims[: args.rank_bm25_queries]
    estimate = None
    if args.size > 10000:
        estimate = run_rank_bm25(texts[:10000], rb_queries, args.rank_bm25_cap, None)
    report["rank_bm25"] = run_rank_bm25(texts, rb_queries, args.rank_bm25_cap, estimate)
    report["peak_rss_mb"] = peak_mb()
    shutil.rmtree(workdir, ignore_errors=True)
    _print(report, len(claims), query_encode_ms)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _print(report: dict, n_queries: int, query_encode_ms: float) -> None:
    ours, flat, rb = report["ours"], report["flat"], report["rank_bm25"]
    print(
        f"\n== {report['size']:,} passages: {ours['passages']:,} indexed, {ours['folded']:,} folded as near-duplicates; "
        f"dense index: {ours['dense_kind']}; {n_queries} queries, k={K}, timed with {report['query_threads']} "
        f"torch/FAISS thread(s); one query's encoding p50 {query_encode_ms:.1f} ms"
    )
    print(f"{'system':<34}{'build s':>9}{'size MB':>10}{'mem MB':>9}{'p50 ms':>9}{'p95 ms':>9}")
    size = f"{ours['disk_mb']:.0f}"
    mem = f"{ours['index_mb']:.0f}"
    print(f"{'ours hybrid (incl. query encoding)':<34}{ours['build_s']:>9.1f}{size:>10}{mem:>9}{ours['hybrid_p50_ms']:>9.1f}{ours['hybrid_p95_ms']:>9.1f}")
    print(f"{'ours bm25':<34}{'':>9}{'':>10}{'':>9}{ours['bm25_p50_ms']:>9.1f}{ours['bm25_p95_ms']:>9.1f}")
    print(f"{'ours dense (incl. query encoding)':<34}{'':>9}{'':>10}{'':>9}{ours['dense_p50_ms']:>9.1f}{ours['dense_p95_ms']:>9.1f}")
    print(f"{'ours dense vector search only':<34}{'':>9}{'':>10}{'':>9}{ours['dense_search_p50_ms']:>9.1f}")
    print(f"{'flat FAISS IP (vector search only)':<34}{flat['build_s']:>9.1f}{flat['mb']:>10.0f}{flat['mb']:>9.0f}{flat['p50_ms']:>9.1f}{flat['p95_ms']:>9.1f}")
    if "skipped" in rb:
        print(f"{'rank-bm25 BM25Okapi':<34}  skipped ({rb['skipped']})")
    else:
        print(f"{'rank-bm25 BM25Okapi':<34}{rb['build_s']:>9.1f}{'-':>10}{'-':>9}{rb['p50_ms']:>9.1f}{rb['p95_ms']:>9.1f}")
    print(
        f"ours: save {ours['save_s']:.1f}s, load+verify {ours['load_s']:.1f}s, process RSS after load "
        f"+{ours['rss_mb']:.0f} MB, peak RSS {report['peak_rss_mb']:.0f} MB; dense recall@10 vs exact "
        f"{ours['dense_recall@10']:.3f}; index memory = FAISS + BM25 arrays (SQLite store stays on disk)"
    )
    print(f"ours build steps: {ours['stages']} ('encode' is the vector lookup here)")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the end (latencies include any contention)")
    for row in report.get("ann", []):
        if row is report["ann"][0]:
            print(f"\n{'approximate index (vs exact top-10)':<34}{'build s':>9}{'recall@10':>11}{'p50 ms':>9}")
        print(f"{row['index']:<34}{row['build_s']:>9.1f}{row['recall']:>11.3f}{row['p50_ms']:>9.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
