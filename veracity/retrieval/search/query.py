"""Query-side handling of claims: names and numbers weigh more in BM25, split names are joined."""

from __future__ import annotations

import re
from dataclasses import dataclass

from veracity.retrieval.search.lexical import QueryTerms, word_tokens, words

_LETTERS = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"\d")


def is_name(word: str, first: bool) -> bool:
    """Acronyms and symbols ("GAVI", "TDP-43", "EBI2", "p53") or a capitalised word not opening the query."""
    has_letter, has_digit = bool(_LETTERS.search(word)), bool(_DIGITS.search(word))
    if has_letter and has_digit:
        return True
    if sum(ch.isupper() for ch in word) >= 2:
        return True
    return not first and word[:1].isupper()


def is_number(word: str) -> bool:
    return bool(_DIGITS.search(word)) and not _LETTERS.search(word)


@dataclass(frozen=True)
class ClaimQuery:
    """Turns a claim into weighted BM25 terms.

    Tokens of names (acronyms, symbols mixing letters and digits, capitalised words after the first)
    get `name_weight`, numbers `number_weight`, other tokens 1. A word followed by a short number
    ("BRCA 1", "COX 2") also yields the joined token ("brca1") at `name_weight`.
    """

    name_weight: float = 2.0
    number_weight: float = 1.0

    def terms(self, query: str) -> QueryTerms:
        tokens: list[str] = []
        weights: list[float] = []
        found = words(query)
        for i, word in enumerate(found):
            weight = 1.0
            if is_number(word):
                weight = self.number_weight
            elif is_name(word, first=i == 0):
                weight = self.name_weight
            for token in word_tokens(word.lower()):
                tokens.append(token)
                weights.append(weight)
            following = found[i + 1] if i + 1 < len(found) else ""
            if _LETTERS.search(word) and following.isdigit() and len(following) <= 2:
                tokens.append(f"{word.lower()}{following}")
                weights.append(self.name_weight)
        return QueryTerms(tuple(tokens), tuple(weights))
