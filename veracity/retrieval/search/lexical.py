"""BM25 over passages with `bm25s`, keyed by passage row; weighted query terms; pickle-free files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:[-/]\w+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)+")
_PARTS = re.compile(r"[-/]")
_SPECIAL = re.compile(r"[-/.,]")  # words that need `word_tokens`
_STOPWORDS = frozenset(STOPWORDS_EN)
ROWS = "rows.npy"
# bm25s.BM25.save writes these (json + .npy saved with allow_pickle=False); the default lucene
# method has no non-occurrence array.
BM25_FILES = (
    "params.index.json",
    "vocab.index.json",
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
)


def word_tokens(word: str) -> list[str]:
    """Tokens of one lowercased word: "tdp-43" -> tdp, 43, tdp43; "1,000" -> 1000; stopwords dropped.

    Compounds of parts joined by - or / keep their parts, plus the joined form when a part is a
    number or at most two characters (gene and drug names, "il-6", "covid-19").
    """
    if _NUMBER.fullmatch(word):
        return [word.replace(",", "")]
    parts = [part for part in _PARTS.split(word) if part]
    tokens = [part for part in parts if part not in _STOPWORDS]
    if len(parts) > 1 and any(part.isdigit() or len(part) <= 2 for part in parts):
        tokens.append("".join(parts))
    return tokens


def plural_stem(token: str) -> str:
    """A light (Harman "S") stemmer: "studies" -> "study", "cells" -> "cell", "processes" -> "process".

    Only plural endings are folded, so terms keep their meaning; numbers and short tokens are left alone.
    """
    if len(token) <= 3 or not token.endswith("s") or token[-2:] in ("ss", "us", "is") or token[-2].isdigit():
        return token
    if token.endswith("ies") and not token.endswith(("eies", "aies")):
        return token[:-3] + "y"
    if token.endswith("sses") or token.endswith("xes") or token.endswith("ches") or token.endswith("shes"):
        return token[:-2]
    if token.endswith("es") and not token.endswith(("aes", "ees", "oes")):
        return token[:-1]
    return token[:-1]


def words(text: str) -> list[str]:
    """The words of `text` as the lexical tokenizer sees them, in their original case."""
    return _TOKEN.findall(text)


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens of `text`, English stopwords removed (see `word_tokens`)."""
    tokens: list[str] = []
    for word in _TOKEN.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        if _SPECIAL.search(word):
            tokens.extend(word_tokens(word))
        else:
            tokens.append(word)
    return tokens


@dataclass(frozen=True)
class QueryTerms:
    """BM25 query tokens and their weights (a weight multiplies the token's BM25 contribution)."""

    tokens: tuple[str, ...]
    weights: tuple[float, ...]

    @classmethod
    def plain(cls, query: str) -> QueryTerms:
        tokens = tuple(tokenize(query))
        return cls(tokens, (1.0,) * len(tokens))


class BM25Index:
    """A BM25 index whose positions map to passage rows (`rows`, ascending)."""

    def __init__(self, bm25: bm25s.BM25 | None, rows: np.ndarray, stem: bool = False) -> None:
        self._bm25 = bm25
        self.stem = stem  # tokens of texts and queries go through `plural_stem`
        self.rows = np.ascontiguousarray(rows, dtype=np.int64)
        if bm25 is not None and int(bm25.scores["num_docs"]) != len(self.rows):
            raise ValueError(f"BM25 holds {bm25.scores['num_docs']} passages but {len(self.rows)} rows are mapped")

    @classmethod
    def build(cls, texts: Sequence[str], rows: Sequence[int] | np.ndarray, stem: bool = False) -> BM25Index:
        """Index `texts`; position i is `texts[i]` with passage row `rows[i]`; `stem`: fold plurals."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(texts) != len(rows):
            raise ValueError(f"{len(texts)} texts but {len(rows)} rows")
        if len(texts) == 0:
            return cls(None, rows, stem)
        corpus_tokens = [tokenize(text) for text in texts]
        if stem:
            corpus_tokens = [[plural_stem(t) for t in tokens] for tokens in corpus_tokens]
        if not any(corpus_tokens):  # bm25s cannot build an empty vocabulary
            corpus_tokens = [[""] for _ in corpus_tokens]
        bm25 = bm25s.BM25()
        bm25.index(corpus_tokens, show_progress=False)
        return cls(bm25, rows, stem)

    def __len__(self) -> int:
        return len(self.rows)

    def top_many(
        self, queries: Sequence[QueryTerms], depth: int, allowed: np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """For each query, the at most `depth` rows with a positive score, best first.

        `allowed`: a sorted array of passage rows to restrict the search to. Ties keep row order.
        """
        mask = None
        if allowed is not None and self._bm25 is not None:
            mask = np.zeros(len(self.rows), dtype=bool)
            positions = np.searchsorted(self.rows, allowed)
            inside = positions < len(self.rows)
            positions, wanted = positions[inside], allowed[inside]
            mask[positions[self.rows[positions] == wanted]] = True
        return [self._top(query, depth, mask) for query in queries]

    def _top(self, query: QueryTerms, depth: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        if self._bm25 is None or depth < 1:
            return []
        vocab = self._bm25.vocab_dict
        scores = self._bm25.scores
        data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
        pieces: list[tuple[np.ndarray, np.ndarray]] = []
        for token, weight in zip(query.tokens, query.weights):
            token_id = vocab.get(plural_stem(token) if self.stem else token)
            if token_id is None or weight == 0:
                continue
            start, end = int(indptr[token_id]), int(indptr[token_id + 1])
            if end > start:
                pieces.append((indices[start:end], data[start:end].astype(np.float64) * weight))
        if not pieces:
            return []
        docs = np.concatenate([p[0] for p in pieces])
        values = np.concatenate([p[1] for p in pieces])
        if len(pieces) == 1:
            positions, totals = docs.astype(np.int64), values
        elif 16 * len(docs) > len(self.rows):  # long posting lists: a dense accumulator is cheaper than sorting
            dense_totals = np.bincount(docs, weights=values, minlength=len(self.rows))
            positions = np.flatnonzero(dense_totals)
            totals = dense_totals[positions]
        else:
            order = np.argsort(docs, kind="stable")
            positions, starts = np.unique(docs[order], return_index=True)
            totals = np.add.reduceat(values[order], starts)
            positions = positions.astype(np.int64)
        keep = totals > 0
        if mask is not None:
            keep &= mask[positions]
        positions, totals = positions[keep], totals[keep]
        if positions.size > depth:
            best = np.argpartition(-totals, depth - 1)[:depth]
            positions, totals = positions[best], totals[best]
        order = np.lexsort((positions, -totals))
        return [(int(self.rows[p]), float(s)) for p, s in zip(positions[order], totals[order])]

    def memory_bytes(self) -> int:
        """Bytes held by the score matrix, the row map and (roughly) the vocabulary."""
        total = self.rows.nbytes
        if self._bm25 is not None:
            total += sum(a.nbytes for a in (self._bm25.scores[k] for k in ("data", "indices", "indptr")))
            total += sum(len(token) + 80 for token in self._bm25.vocab_dict)
        return total

    def save(self, directory: Path) -> None:
        """Write the index to `directory` as json and pickle-free .npy files."""
        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(directory), allow_pickle=False, show_progress=False)
        np.save(directory / ROWS, self.rows, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, stem: bool = False) -> BM25Index:
        """Read an index written by `save` (built with `stem` or not), refusing pickled arrays."""
        rows = np.load(directory / ROWS, allow_pickle=False)
        if len(rows) == 0:
            return cls(None, rows, stem)
        return cls(bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False), rows, stem)

    @staticmethod
    def files(directory: Path, empty: bool) -> list[Path]:
        """The files `save` writes for an index (an empty one has only the row map)."""
        return [directory / ROWS] + ([] if empty else [directory / name for name in BM25_FILES])
