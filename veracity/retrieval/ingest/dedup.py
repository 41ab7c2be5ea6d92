"""Near-duplicate detection: normalised-text fingerprints and MinHash over word 3-gram shingles."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

NEAR_DUPLICATE_JACCARD = 0.9
_WORD = re.compile(r"\w+")
_SHINGLE = 3
_BANDS, _ROWS = 8, 4  # 32 permutations; P(candidate | Jaccard 0.9) > 0.999
_CANDIDATES = 4  # kept texts remembered per LSH bucket
# Multiply-shift hashing: h_j(x) = ((a_j * x + b_j) mod 2^64) >> 32, a_j odd; mixes every bit of x.
_rng = np.random.default_rng(20240917)
_A = _rng.integers(0, np.iinfo(np.uint64).max, size=_BANDS * _ROWS, dtype=np.uint64, endpoint=True) | np.uint64(1)
_B = _rng.integers(0, np.iinfo(np.uint64).max, size=_BANDS * _ROWS, dtype=np.uint64, endpoint=True)


def normalise(text: str) -> str:
    """Lowercase word tokens joined by single spaces: case, punctuation and spacing are ignored."""
    return " ".join(_WORD.findall(text.lower()))


def fingerprint(text: str, *, normalised: bool = False) -> int:
    """A stable signed 64-bit hash of `normalise(text)` (of `text` itself if already `normalised`)."""
    digest = hashlib.blake2b((text if normalised else normalise(text)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def shingles(text: str, *, normalised: bool = False) -> frozenset[int]:
    """Hashes of the word 3-grams of `normalise(text)` (the words themselves for shorter texts)."""
    words = (text if normalised else normalise(text)).split()
    if len(words) < _SHINGLE:
        return frozenset(hash(word) for word in words)
    return frozenset(hash(tuple(words[i : i + _SHINGLE])) for i in range(len(words) - _SHINGLE + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _signatures(sets: Sequence[frozenset[int]]) -> np.ndarray:
    """MinHash signatures, shape (len(sets), 32); rows of empty sets are all max."""
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    out = np.full((len(sets), _A.size), np.iinfo(np.uint64).max, dtype=np.uint64)
    nonempty = np.flatnonzero(sizes)
    if nonempty.size == 0:
        return out
    values = np.fromiter((h for i in nonempty for h in sets[i]), dtype=np.int64, count=int(sizes.sum()))
    values = values.view(np.uint64)
    starts = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
    with np.errstate(over="ignore"):  # wrapping modulo 2^64 is the point
        for j in range(_A.size):
            hashed = (values * _A[j] + _B[j]) >> np.uint64(32)
            out[nonempty, j] = np.minimum.reduceat(hashed, starts)
    return out


def near_duplicates(
    texts: Sequence[str], threshold: float = NEAR_DUPLICATE_JACCARD, *, normalised: bool = False
) -> list[int | None]:
    """For each text, the index of an earlier kept text it nearly duplicates, else None.

    Candidates come from MinHash LSH (8 bands x 4 rows): the first few kept texts in each bucket
    the text falls in. A candidate is confirmed by the exact Jaccard similarity of word 3-gram
    shingles >= `threshold`. Only texts that are not themselves duplicates are kept, so every
    duplicate points at a kept text. `normalised`: the texts are already `normalise`d.
    """
    if len(texts) < 2:
        return [None] * len(texts)
    sets = [shingles(text, normalised=normalised) for text in texts]
    signatures = _signatures(sets)
    buckets = np.empty((len(texts), _BANDS), dtype=np.int64)
    shared = np.zeros(len(texts), dtype=bool)
    for band in range(_BANDS):
        keys = np.ascontiguousarray(signatures[:, band * _ROWS : (band + 1) * _ROWS]).view(np.dtype((np.void, 8 * _ROWS)))
        _, inverse, counts = np.unique(keys.ravel(), return_inverse=True, return_counts=True)
        buckets[:, band] = inverse.ravel() * _BANDS + band  # bucket ids unique across bands
        shared |= counts[inverse.ravel()] > 1
    result: list[int | None] = [None] * len(texts)
    kept_in: dict[int, list[int]] = {}
    for i in np.flatnonzero(shared).tolist():
        if not sets[i]:
            continue
        mine = buckets[i].tolist()
        for bucket in mine:
            for j in kept_in.get(bucket, ()):
                if jaccard(sets[i], sets[j]) >= threshold:
                    result[i] = j
                    break
            if result[i] is not None:
                break
        if result[i] is None:
            for bucket in mine:
                members = kept_in.setdefault(bucket, [])
                if len(members) < _CANDIDATES:
                    members.append(i)
    return result
