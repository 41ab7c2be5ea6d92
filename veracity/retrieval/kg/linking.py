"""Entity linking: claim text spans -> knowledge-graph entity ids.

Candidate spans are every word n-gram (looked up exactly in a normalised alias dictionary)
plus spaCy named entities and noun chunks (also matched fuzzily, difflib ratio >= threshold).
The longest, then best-scoring, non-overlapping matches win.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from veracity.retrieval.kg.store import KnowledgeGraph

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_WORD = re.compile(r"\w+")
_ARTICLES = frozenset({"the", "a", "an"})
_LEADING_ARTICLE = re.compile(r"(?:the|an?)\s+", re.IGNORECASE)
_STOP_NAMES = frozenset(
    {"is", "was", "are", "were", "be", "in", "of", "on", "at", "to", "by", "for", "and", "or", "not", "he",
     "she", "it", "his", "her", "its", "they", "their", "this", "that", "with", "from", "as", "has", "had",
     "have", "who", "which", "also", "born", "died"}
)
MAX_NGRAM = 12


def normalise(text: str) -> str:
    """Casefold, strip accents and punctuation, drop a leading article, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = _WORD.findall(plain.replace("_", " "))
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class Mention:
    """A linked span: `text[start:end]` refers to `entity_id`; `score` is 1.0 for exact names."""

    text: str
    start: int
    end: int
    entity_id: str
    score: float
    method: str = "alias"
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    entity_id: str
    score: float
    method: str
    candidates: tuple[str, ...]


class EntityLinker:
    """Links mentions in text to the entities of a `KnowledgeGraph` by label and alias.

    `use_spacy` adds spaCy named entities and noun chunks as fuzzy-match spans (the shared
    pipeline from `veracity.claims.spacy_nlp.load_nlp`, unless `nlp` is given). Ambiguous names
    go to the entity with the most triples.
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        *,
        fuzzy_threshold: float = 0.9,
        use_spacy: bool = True,
        nlp: Language | None = None,
        min_name_chars: int = 2,
    ) -> None:
        self.kg = kg
        self.fuzzy_threshold = fuzzy_threshold
        self.use_spacy = use_spacy
        self._nlp = nlp
        self._index: dict[str, set[str]] = defaultdict(set)
        for entity_id in set(kg.labels) | set(kg.aliases):
            for name in kg.names(entity_id):
                key = normalise(name)
                if len(key) >= min_name_chars and key not in _STOP_NAMES:
                    self._index[key].add(entity_id)
        self._max_words = min(MAX_NGRAM, max((key.count(" ") + 1 for key in self._index), default=1))
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for key in self._index:
            self._by_length[len(key)].append(key)

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            from veracity.claims.spacy_nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    def lookup(self, name: str) -> list[str]:
        """Entity ids whose label or alias normalises to the same text as `name`, most connected first."""
        return self._rank(self._index.get(normalise(name), set()))

    def link(self, text: str) -> list[Mention]:
        """Non-overlapping mentions in `text`, in text order."""
        doc = self.nlp(text) if self.use_spacy else None
        return self._link(text, doc)

    def link_many(self, texts: Sequence[str], batch_size: int = 64) -> list[list[Mention]]:
        """`link` for many texts (spaCy runs batched)."""
        if not self.use_spacy:
            return [self._link(text, None) for text in texts]
        return [self._link(text, doc) for text, doc in zip(texts, self.nlp.pipe(texts, batch_size=batch_size))]

    # -- internals -----------------------------------------------------------------------------

    def _rank(self, ids: Iterable[str]) -> list[str]:
        graph = self.kg.graph
        return sorted(ids, key=lambda e: (-(graph.degree(e) if e in graph else 0), e))

    def _link(self, text: str, doc: Doc | None) -> list[Mention]:
        candidates = self._exact(text)
        if doc is not None:
            candidates += self._fuzzy(text, doc)
        chosen: list[_Candidate] = []
        taken: list[tuple[int, int]] = []
        for cand in sorted(candidates, key=lambda c: (-(c.end - c.start), -c.score, c.start)):
            if any(cand.start < end and start < cand.end for start, end in taken):
                continue
            chosen.append(cand)
            taken.append((cand.start, cand.end))
        return [
            Mention(text[c.start : c.end], c.start, c.end, c.entity_id, c.score, c.method, c.candidates)
            for c in sorted(chosen, key=lambda c: c.start)
        ]

    def _exact(self, text: str) -> list[_Candidate]:
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        found: list[_Candidate] = []
        for i in range(len(words)):
            if text[words[i][0] : words[i][1]].casefold() in _ARTICLES:
                continue  # a span never starts with an article ("a statistician" -> "statistician")
            for n in range(min(self._max_words, len(words) - i), 0, -1):
                start, end = words[i][0], words[i + n - 1][1]
                ids = self._index.get(normalise(text[start:end]))
                if ids:
                    ranked = self._rank(ids)
                    found.append(_Candidate(start, end, ranked[0], 1.0, "alias", tuple(ranked)))
        return found

    def _fuzzy(self, text: str, doc: Doc) -> list[_Candidate]:
        spans = {(span.start_char, span.end_char) for span in doc.ents}
        try:
            spans |= {(chunk.start_char, chunk.end_char) for chunk in doc.noun_chunks}
        except ValueError:  # a pipeline without a parser has no noun chunks
            pass
        found: list[_Candidate] = []
        for start, end in spans:
            article = _LEADING_ARTICLE.match(text, start, end)
            if article is not None:
                start = article.end()
            key = normalise(text[start:end])
            if len(key) < 4 or key in self._index:
                continue
            best_key, best = None, 0.0
            for length in range(int(len(key) * 0.8), int(len(key) * 1.25) + 1):
                for other in self._by_length.get(length, ()):
                    matcher = SequenceMatcher(None, key, other, autojunk=False)
                    threshold = self.fuzzy_threshold
                    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                        continue
                    ratio = matcher.ratio()
                    if ratio >= self.fuzzy_threshold and ratio > best:
                        best_key, best = other, ratio
            if best_key is not None:
                ranked = self._rank(self._index[best_key])
                found.append(_Candidate(start, end, ranked[0], round(best, 4), "fuzzy", tuple(ranked)))
        return found
