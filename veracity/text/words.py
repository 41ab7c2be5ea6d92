"""Words: one stopword list, content tokens and content-word overlap, shared by every stage."""

from __future__ import annotations

import re

__all__ = ["STOPWORDS", "content_tokens", "lexical_overlap", "word_tokens"]

STOPWORDS: frozenset[str] = frozenset(
    """a an the and or but if of to in on at by for with from as into onto about over
    under than then that this these those it its is are was were be been being am do
    does did has have had having not no nor so such can could will would shall should
    may might must i you he she we they me him her us them my your his our their who
    whom whose which what when where why how all any both each few more most other
    some there here also just very too s t""".split()
)

_TOKEN = re.compile(r"[a-z0-9]+")


def word_tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric tokens of `text`, in order."""
    return _TOKEN.findall(text.lower())


def content_tokens(text: str) -> set[str]:
    """Lower-cased alphanumeric tokens of ``text`` minus :data:`STOPWORDS`."""
    return {tok for tok in word_tokens(text) if tok not in STOPWORDS}


def lexical_overlap(premise: str, hypothesis: str) -> float:
    """Fraction of the hypothesis's distinct content tokens that occur in the premise.

    Returns 0.0 when the hypothesis has no content tokens.
    """
    hyp = content_tokens(hypothesis)
    if not hyp:
        return 0.0
    prem = set(word_tokens(premise))
    return len(hyp & prem) / len(hyp)
