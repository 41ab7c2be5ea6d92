"""Retrieval at a realistic size: SciFact claims against >= 20k documents, our index vs whole-document baselines.

Run from the repository root::

    HF_HUB_OFFLINE=1 python benchmarks/retrieval_realistic.py --docs 20000 --encode-cache out/encode-cache

The corpus is the 947 SciFact abstracts of `scifact/corpus_subset.jsonl` (title + sentences) plus
distractor documents up to `--docs`: the evidence/context documents of the other dev sets
(climate_fever, covidfact, healthver, wice, attributionbench, qags, begin, fever_symmetric) and the
premises of `nli_train`, whitespace-normalised, lowercased-deduplicated, shuffled with a fixed seed,
and any distractor containing a SciFact abstract sentence (>= 40 characters) dropped. The task is
every claim of `claims_train_sample.jsonl` with qrels. Metrics are document level: recall@10 and
nDCG@10 (binary relevance), the number of distinct documents among the 10 results, and p50 latency
of one query (query encoding included, 1 torch/FAISS thread, after a warm-up).

Retrievers, all in one run: our `HybridIndex` (bm25 / dense / hybrid) as passages (`k=10` passages,
what a caller got before) and per document (`per_document=True`); whole-document baselines: bm25s
with its own English stopword tokeniser, MiniLM + FAISS exact inner product, and their RRF (k=60,
each to depth 100). Embeddings of every text are cached in `--encode-cache` (one pickle-free .npz, replaced atomically) so
reruns skip encoding; the first run encodes everything (minutes on a loaded 2-core machine).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/retrieval_realistic.py` without install
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from veracity.retrieval import Document, HybridIndex  # noqa: E402
from veracity.retrieval.search.embedder import Embedder, default_embedder  # noqa: E402
from veracity.retrieval.search.fusion import rrf  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
CUTOFF = 10
BASELINE_DEPTH = 100
SEED = 20261203
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- corpus -----------------------------------------------------------------------------------------


def load_scifact(data: Path) -> tuple[list[Document], dict[int, str], dict[int, set[str]]]:
    """SciFact abstracts, claim texts by id, relevant abstract ids by claim id (claims with qrels only)."""
    folder = data / "scifact"
    corpus = [
        Document(id=f"scifact:{row['doc_id']}", title=row["title"], text=" ".join(row["abstract"]))
        for row in read_jsonl(folder / "corpus_subset.jsonl")
    ]
    claims = {int(row["id"]): row["claim"] for row in read_jsonl(folder / "claims_train_sample.jsonl")}
    qrels: dict[int, set[str]] = defaultdict(set)
    for line in (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            query_id, doc_id, score = line.split("\t")
            if int(score) > 0 and int(query_id) in claims:
                qrels[int(query_id)].add(f"scifact:{doc_id}")
    return corpus, claims, dict(qrels)


def _texts(value: object) -> Iterable[str]:
    """Strings inside a field that may be a string, a list, or a Python/JSON literal of either."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{":
            try:
                yield from _texts(ast.literal_eval(stripped))
                return
            except (ValueError, SyntaxError):
                pass
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key in ("article", "evidence", "text", "sentence"):
            if key in value:
                yield from _texts(value[key])


def distractor_texts(data: Path) -> Iterable[tuple[str, str]]:
    """(source, text) of candidate distractor documents from the other dev sets and nli_train."""
    fields = {
        "climate_fever/climate-fever.dev_sample.jsonl": ("evidences",),
        "covidfact/COVIDFACT_dataset.dev_sample.jsonl": ("evidence",),
        "wice/wice_oracle_chunks_claim_dev.sample.jsonl": ("evidence",),
        "attributionbench/dev_sample.jsonl": ("references",),
        "qags/mturk_cnndm.dev_sample.jsonl": ("article",),
        "qags/mturk_xsum.dev_sample.jsonl": ("article",),
        "begin/begin_dev.sample.jsonl": ("knowledge",),
        "fever_symmetric/fever_symmetric_v0.2_dev.sample.jsonl": ("evidence",),
        "nli_train/train_doc_2way.jsonl": ("premise",),
        "nli_train/dev.jsonl": ("premise",),
        "nli_train/train.jsonl": ("premise",),
    }
    for name, keys in fields.items():
        path = data / name
        if not path.is_file():
            continue
        for row in read_jsonl(path):
            for key in keys:
                for text in _texts(row.get(key)):
                    yield name.split("/")[0], text


def build_corpus(data: Path, size: int) -> tuple[list[Document], dict[int, str], dict[int, set[str]], dict[str, int]]:
    scifact, claims, qrels = load_scifact(data)
    sentences = {
        _SPACE.sub(" ", s).strip().lower()
        for row in read_jsonl(data / "scifact" / "corpus_subset.jsonl")
        for s in row["abstract"]
        if len(s) >= 40
    }
    seen = {_SPACE.sub(" ", f"{d.title} {d.text}").strip().lower() for d in scifact}
    candidates: list[tuple[str, str]] = []
    for source, text in distractor_texts(data):
        text = _SPACE.sub(" ", text).strip()
        key = text.lower()
        if len(text) < 20 or key in seen:
            continue
        seen.add(key)
        candidates.append((source, text))
    random.Random(SEED).shuffle(candidates)
    documents = list(scifact)
    sources: dict[str, int] = defaultdict(int)
    for source, text in candidates:
        if len(documents) >= size:
            break
        if any(part.strip() in sentences for part in _SENTENCE_END.split(text.lower())):
            continue  # quotes a SciFact abstract: it could be relevant
        documents.append(Document(id=f"x{len(documents)}", text=text))
        sources[source] += 1
    return documents, claims, qrels, dict(sources)


# -- cached embeddings ------------------------------------------------------------------------------


class CachedEmbedder:
    """An embedder whose vectors are kept on disk by text hash: one pickle-free .npz of keys and vectors,
    replaced atomically, so that two runs writing the same cache cannot leave keys and vectors out of step."""

    def __init__(self, base: Embedder, folder: Path | None) -> None:
        self.base, self.name, self.dim = base, base.name, base.dim
        self.folder = folder
        self.index: dict[bytes, int] = {}
        self.vectors = np.zeros((0, base.dim), dtype=np.float32)
        self.encoded = 0  # texts this process encoded (cache misses)
        self.encode_seconds = 0.0
        if folder is not None and self._path.is_file():
            with np.load(self._path, allow_pickle=False) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
            if keys.dtype != np.uint8 or keys.shape[1:] != (16,):  # "S16" keys lost trailing zero bytes
                raise SystemExit(f"{self._path}: an old cache whose keys may be truncated; delete it and rerun")
            if len(keys) != len(vectors) or vectors.shape[1:] != (base.dim,):
                raise SystemExit(f"{self._path}: {len(keys)} keys for {len(vectors)} vectors; delete it and rerun")
            self.vectors = vectors
            self.index = {key.tobytes(): i for i, key in enumerate(keys)}

    @property
    def _path(self) -> Path:
        assert self.folder is not None
        return self.folder / f"{self.name}.cache.npz"

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.index}.items())
        if missing:
            started = time.perf_counter()
            fresh = np.asarray(self.base.encode([t for _, t in missing]), dtype=np.float32)
            self.encode_seconds += time.perf_counter() - started
            self.encoded += len(missing)
            start = len(self.vectors)
            self.vectors = np.concatenate([self.vectors, fresh])
            for i, (k, _) in enumerate(missing):
                self.index[k] = start + i
            self._save()
        return self.vectors[[self.index[k] for k in keys]]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.base.count_tokens(texts)

    def _save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = np.frombuffer(b"".join(sorted(self.index, key=self.index.__getitem__)), dtype=np.uint8).reshape(-1, 16)
        tmp = self._path.with_name(f"{self._path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            np.savez(handle, keys=keys, vectors=self.vectors)
        os.replace(tmp, self._path)


# -- metrics ----------------------------------------------------------------------------------------


def recall_ndcg(ranking: list[str], relevant: set[str], cutoff: int = CUTOFF) -> tuple[float, float]:
    top = ranking[:cutoff]
    recall = len(set(top) & relevant) / len(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(top) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), cutoff)))
    return recall, dcg / ideal


def distinct(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def measure(
    label: str, search: Callable[[str], list[str]], queries: list[str], relevant: list[set[str]]
) -> dict[str, float | str]:
    """Document metrics of `search` (query -> ranked doc ids, duplicates allowed) and its p50 latency."""
    search(queries[0])  # warm-up
    scores, counts, times = [], [], []
    for query, rel in zip(queries, relevant):
        started = time.perf_counter()
        found = search(query)
        times.append((time.perf_counter() - started) * 1000)
        docs = distinct(found)
        counts.append(len(docs))
        scores.append(recall_ndcg(docs, rel))
    array = np.array(scores)
    return {
        "retriever": label,
        "recall@10": float(array[:, 0].mean()),
        "ndcg@10": float(array[:, 1].mean()),
        "distinct@10": float(np.mean(counts)),
        "p50_ms": float(statistics.median(times)),
        "per_query": array.tolist(),  # [recall, nDCG] per claim, for the held-apart choice below
    }


def held_apart_choice(results: list[dict], candidates: list[str], baseline: str, query_ids: list[int]) -> list[str]:
    """Choose a configuration on one half of the claims (by nDCG@10), report it on the other half.

    The halves are the claims with even and odd ids; each half takes a turn at choosing. Returns the
    printed lines: chosen configuration, its recall@10 / nDCG@10 on the other half, the baseline's.
    """
    by_name = {row["retriever"]: np.array(row["per_query"]) for row in results}
    halves = [np.array([q % 2 == parity for q in query_ids]) for parity in (0, 1)]
    lines = []
    for choose_on, report_on in ((halves[0], halves[1]), (halves[1], halves[0])):
        chosen = max(candidates, key=lambda name: (by_name[name][choose_on, 1].mean(), by_name[name][choose_on, 0].mean()))
        ours, base = by_name[chosen][report_on].mean(axis=0), by_name[baseline][report_on].mean(axis=0)
        verdict = "beats" if ours[0] > base[0] and ours[1] > base[1] else "does not beat"
        lines.append(
            f"chosen on {int(choose_on.sum())} claims: {chosen!r}; on the other {int(report_on.sum())}: "
            f"recall@10 {ours[0]:.3f} nDCG@10 {ours[1]:.3f} vs baseline {base[0]:.3f} / {base[1]:.3f} ({verdict} it)"
        )
    return lines


# -- baselines --------------------------------------------------------------------------------------


class WholeDocuments:
    """bm25s and MiniLM + FAISS over whole documents (title + text), and their RRF."""

    def __init__(self, documents: list[Document], embedder: CachedEmbedder) -> None:
        import bm25s
        import faiss

        self.ids = [d.id for d in documents]
        texts = [f"{d.title}\n{d.text}" if d.title else d.text for d in documents]
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        self.embedder = embedder
        vectors = embedder.encode(texts)
        self.faiss = faiss.IndexFlatIP(vectors.shape[1])
        self.faiss.add(vectors)

    def lexical(self, query: str, k: int = CUTOFF) -> list[str]:
        import bm25s

        docs, scores = self.bm25.retrieve(
            bm25s.tokenize([query], stopwords="en", show_progress=False), k=k, show_progress=False
        )
        return [self.ids[int(i)] for i, s in zip(docs[0], scores[0]) if s > 0]

    def dense(self, query: str, k: int = CUTOFF) -> list[str]:
        vector = self.embedder.base.encode([query])
        _, rows = self.faiss.search(vector, k)
        return [self.ids[int(i)] for i in rows[0] if i >= 0]

    def fused(self, query: str, k: int = CUTOFF) -> list[str]:
        ranked = rrf([self.lexical(query, BASELINE_DEPTH), self.dense(query, BASELINE_DEPTH)])
        return [doc for doc, _ in ranked[:k]]


# -- main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None, base_embedder: Embedder | None = None) -> int:
    """Run the benchmark; `base_embedder` replaces the default embedder (benchmarks/embedder_int8.py)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--docs", type=int, default=20_000, help="corpus size (SciFact abstracts + distractors)")
    parser.add_argument("--encode-cache", type=Path, default=REPO_ROOT / "out" / "encode-cache")
    parser.add_argument("--max-tokens", type=int, default=128, help="passage size of our index")
    parser.add_argument("--overlap", type=int, default=1, help="sentences consecutive passages of our index share")
    parser.add_argument("--query-threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    documents, claims, qrels, sources = build_corpus(args.data, args.docs)
    query_ids = sorted(qrels)
    queries, relevant = [claims[q] for q in query_ids], [qrels[q] for q in query_ids]
    embedder = CachedEmbedder(base_embedder or default_embedder(), args.encode_cache)
    print(
        f"corpus: {len(documents)} documents ({len(documents) - sum(sources.values())} SciFact abstracts, "
        f"distractors {dict(sorted(sources.items()))}); {len(queries)} claims with qrels"
    )
    started = time.perf_counter()
    index = HybridIndex.build(documents, max_tokens=args.max_tokens, overlap_sentences=args.overlap, embedder=embedder)
    build_s = time.perf_counter() - started
    print(
        f"our index: {len(index)} passages (<= {args.max_tokens} tokens, overlap {args.overlap}) built in {build_s:.0f}s "
        f"({embedder.encoded} texts encoded in {embedder.encode_seconds:.0f}s, the rest from the cache)"
    )
    stemmed = HybridIndex.build(documents, max_tokens=args.max_tokens, overlap_sentences=args.overlap, embedder=embedder, stem=True)
    baseline = WholeDocuments(documents, embedder)

    import faiss
    import torch

    torch.set_num_threads(args.query_threads)
    faiss.omp_set_num_threads(args.query_threads)

    def ours(mode: str, per_document: bool, on: HybridIndex = index, **options) -> Callable[[str], list[str]]:
        return lambda q: [
            e.passage.doc_id for e in on.search(q, k=CUTOFF, mode=mode, per_document=per_document, **options)
        ]

    runs: list[tuple[str, Callable[[str], list[str]]]] = [
        ("whole-doc bm25s", baseline.lexical),
        ("whole-doc MiniLM+FAISS", baseline.dense),
        ("whole-doc RRF (baseline)", baseline.fused),
    ]
    for mode in ("bm25", "dense", "hybrid"):
        runs.append((f"ours {mode}, passages", ours(mode, False)))
        runs.append((f"ours {mode}, per document", ours(mode, True)))
    runs.append(("ours bm25, per doc, stem", ours("bm25", True, stemmed)))
    runs.append(("ours hybrid, per doc, stem", ours("hybrid", True, stemmed)))
    for weight in (0.3, 0.5):
        weights = {"bm25": weight, "dense": 1 - weight}
        runs.append((f"ours hybrid, per doc, stem, w{weight}", ours("hybrid", True, stemmed, fusion="weighted", weights=weights)))
    results = [measure(label, search, queries, relevant) for label, search in runs]
    print(f"\n{'retriever':<36}{'recall@10':>10}{'nDCG@10':>10}{'docs/10':>9}{'p50 ms':>9}")
    for row in results:
        print(
            f"{row['retriever']:<36}{row['recall@10']:>10.3f}{row['ndcg@10']:>10.3f}"
            f"{row['distinct@10']:>9.1f}{row['p50_ms']:>9.1f}"
        )
    by_name = {row["retriever"]: row for row in results}
    base, hybrid = by_name["whole-doc RRF (baseline)"], by_name["ours hybrid, per document"]
    beats = hybrid["recall@10"] > base["recall@10"] and hybrid["ndcg@10"] > base["ndcg@10"]
    print(f"\nours hybrid per document beats the whole-document RRF baseline on recall@10 and nDCG@10: {'yes' if beats else 'NO'}")
    candidates = [row["retriever"] for row in results if row["retriever"].startswith("ours") and "per doc" in row["retriever"]]
    print("configuration chosen on half of the claims, scored on the other half (no figure chosen on the claims it reports):")
    for line in held_apart_choice(results, candidates, "whole-doc RRF (baseline)", query_ids):
        print("  " + line)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load}; queries timed with {args.query_threads} thread(s)")
    if args.json:
        summary = [{k: v for k, v in row.items() if k != "per_query"} for row in results]
        args.json.write_text(json.dumps({"documents": len(documents), "passages": len(index), "results": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
