"""BM25 over passages with `bm25s`: lowercase word tokens minus English stopwords."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(STOPWORDS_EN)
# bm25s.BM25.save writes these (json + .npy saved with allow_pickle=False); the default lucene
# method has no non-occurrence array.
BM25_FILES = (
    "params.index.json",
    "vocab.index.json",
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
)


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens of `text`, English stopwords removed."""
    return [token for token in _WORD.findall(text.lower()) if token not in _STOPWORDS]


class BM25Index:
    """A BM25 index whose rows are positions in a passage list."""

    def __init__(self, bm25: bm25s.BM25) -> None:
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        """Index `texts`; row i of the index is `texts[i]`."""
        corpus_tokens = [tokenize(text) for text in texts]
        if not any(corpus_tokens):  # bm25s cannot build an empty vocabulary
            corpus_tokens = [[""] for _ in corpus_tokens]
        bm25 = bm25s.BM25()
        bm25.index(corpus_tokens, show_progress=False)
        return cls(bm25)

    def __len__(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def top(self, query: str, depth: int) -> list[tuple[int, float]]:
        """The at most `depth` rows with a positive BM25 score for `query`, best first."""
        token_ids = self._bm25.get_tokens_ids(tokenize(query))
        if not token_ids or depth < 1:
            return []
        scores = np.asarray(self._bm25.get_scores_from_ids(token_ids), dtype=np.float64)
        positive = np.flatnonzero(scores > 0)
        if positive.size > depth:
            positive = positive[np.argpartition(-scores[positive], depth - 1)[:depth]]
        order = positive[np.lexsort((positive, -scores[positive]))]
        return [(int(row), float(scores[row])) for row in order]

    def save(self, directory: Path) -> None:
        """Write the index to `directory` as json and pickle-free .npy files."""
        self._bm25.save(str(directory), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read an index written by `save`, refusing pickled arrays."""
        return cls(bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False))
