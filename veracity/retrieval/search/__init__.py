"""Search: BM25 and dense rankings, the embedder, rank fusion, per-document results, query weighting."""
