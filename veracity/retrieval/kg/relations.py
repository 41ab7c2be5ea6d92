"""Which knowledge-graph relations a claim's wording expresses (lexical phrase matching)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from veracity.retrieval.kg.linking import normalise
from veracity.retrieval.kg.store import KnowledgeGraph

#: Phrases per relation label (lower case). A relation also matches its own label, and the
#: content words of its label appearing anywhere in the claim.
DEFAULT_RELATION_PHRASES: dict[str, tuple[str, ...]] = {
    "place of birth": ("born in", "born at", "birthplace", "birth place", "native of", "was born"),
    "place of death": ("died in", "died at", "death place", "passed away in", "place of death"),
    "place of burial": ("buried in", "buried at", "interred in", "burial place", "grave"),
    "cause of death": ("died of", "died from", "cause of death", "killed by", "death was caused by"),
    "occupation": ("works as", "worked as", "occupation", "profession", "career as", "by profession", "job"),
    "profession": ("works as", "worked as", "occupation", "profession", "career as", "by profession", "job"),
    "country of citizenship": ("citizen of", "citizenship", "nationality", "national of"),
    "nationality": ("citizen of", "citizenship", "nationality", "national of"),
    "gender": ("gender", "sex"),
    "sex or gender": ("gender", "sex"),
    "religion": ("religion", "religious", "faith", "practised", "practiced"),
    "ethnicity": ("ethnicity", "ethnic group", "ethnically", "descent"),
    "ethnic group": ("ethnicity", "ethnic group", "ethnically", "descent"),
    "institution": ("studied at", "educated at", "graduated from", "attended", "alumnus of", "alma mater"),
    "educated at": ("studied at", "educated at", "graduated from", "attended", "alumnus of", "alma mater"),
    "employer": ("works for", "worked for", "employed by", "employee of", "employer"),
    "spouse": ("married to", "married", "wife of", "husband of", "spouse"),
    "unmarried partner": ("partner of", "partner", "in a relationship with"),
    "children": ("father of", "mother of", "parent of", "child", "children", "son", "daughter"),
    "child": ("father of", "mother of", "parent of", "child", "children", "son", "daughter"),
    "parents": ("son of", "daughter of", "child of", "parents", "parent", "father", "mother"),
    "sibling": ("sibling", "brother", "sister"),
    "member of": ("member of", "belongs to", "joined"),
    "member of political party": ("member of", "party"),
    "location": ("located in", "is in", "lies in", "situated in"),
    "country": ("located in", "is in", "country"),
    "continent": ("continent", "located in", "is in"),
    "capital": ("capital",),
    "languages spoken, written, or signed": ("speaks", "spoke", "speak", "language", "languages"),
    "official language": ("official language",),
    "influenced by": ("influenced by", "inspired by"),
    "founded by": ("founded by", "founder", "established by"),
    "genre": ("genre",),
    "instrument": ("plays", "played", "instrument"),
    "record label": ("signed to", "record label", "label"),
    "residence": ("lives in", "lived in", "resides in", "resided in", "residence"),
    "headquarters location": ("headquartered in", "headquarters", "based in"),
    "part of": ("part of",),
    "diplomatic relation": ("diplomatic relations", "relations with"),
    "field of work": ("field of", "works in", "worked in", "field"),
    "head of state": ("head of state", "president", "monarch"),
    "medical condition": ("suffered from", "suffers from", "diagnosed with", "medical condition"),
}

_STOP = frozenset({"of", "the", "a", "an", "or", "and", "in", "at", "by", "to", "is", "was", "has", "had"})


class RelationMatcher:
    """Scores the relations of a graph against claim wording.

    A relation matches a phrase from `phrases[relation label]` (or `phrases[relation id]`) or
    its own label appearing as a contiguous word sequence (score = words in the phrase), or all
    content words of its label appearing anywhere (score = number of those words).
    """

    def __init__(self, kg: KnowledgeGraph, phrases: Mapping[str, Sequence[str]] | None = None) -> None:
        table = {k.casefold(): tuple(v) for k, v in (DEFAULT_RELATION_PHRASES if phrases is None else phrases).items()}
        self._phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._content: dict[str, frozenset[str]] = {}
        for relation in kg.relations:
            label = kg.relation_label(relation)
            listed = {label, *table.get(label.casefold(), ()), *table.get(relation.casefold(), ())}
            for phrase in listed:
                words = tuple(normalise(phrase).split())
                if words:
                    self._phrases[words].add(relation)
            content = frozenset(w for w in normalise(label).split() if w not in _STOP)
            if content:
                self._content[relation] = content

    def match(self, words: Sequence[str]) -> dict[str, int]:
        """Relation id -> best score for a claim's normalised words (mentions already removed)."""
        scores: dict[str, int] = {}
        for phrase, relations in self._phrases.items():
            if _contains(words, phrase):
                for relation in relations:
                    scores[relation] = max(scores.get(relation, 0), len(phrase))
        present = set(words)
        for relation, content in self._content.items():
            if content <= present:
                scores[relation] = max(scores.get(relation, 0), len(content))
        return scores

    def match_text(self, text: str, spans: Iterable[tuple[int, int]] = ()) -> dict[str, int]:
        """`match` on `text` with each (start, end) span replaced by a placeholder word."""
        return self.match(context_words(text, spans))


def context_words(text: str, spans: Iterable[tuple[int, int]] = ()) -> list[str]:
    """Normalised words of `text` with each span replaced by the placeholder `<e>`."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        pieces.extend(normalise(text[cursor:start]).split())
        pieces.append("<e>")
        cursor = max(cursor, end)
    pieces.extend(normalise(text[cursor:]).split())
    return pieces


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(words[i] == first and tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))
