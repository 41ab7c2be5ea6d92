"""The sentence inside a deciding passage that carries the evidence for a claim."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from veracity.attribution.sentences import sentence_spans
from veracity.errors import EmptyInputError
from veracity.types import Passage

if TYPE_CHECKING:
    from veracity.judges.nli import NLIJudge

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    "a an the of in on at to for from by with and or but is are was were be been being it its this that "
    "these those as which who whom whose has have had do does did not no".split()
)


def evidence_span(
    claim_text: str, passage: str | Passage, judge: NLIJudge | None = None, *, refuting: bool = False
) -> tuple[int, int]:
    """Character offsets of the passage sentence that best supports the claim.

    With a `judge`: the sentence with the highest entailment probability (highest contradiction with
    `refuting=True`, for a refuted claim). Without: the sentence sharing the most content words with
    the claim (ties go to the earlier sentence). Offsets index `passage` when it is text; for a
    `Passage` they index its document (`Passage.start` added).
    """
    text, offset = (passage.text, passage.start) if isinstance(passage, Passage) else (passage, 0)
    if not claim_text.strip():
        raise EmptyInputError("the claim is empty")
    spans = sentence_spans(text)
    if not spans:
        raise EmptyInputError("the passage is empty")
    if len(spans) == 1:
        best = spans[0]
    elif judge is not None:
        scores = judge.predict([text[s:e] for s, e in spans], [claim_text] * len(spans))
        values = [sc.contradiction if refuting else sc.entailment for sc in scores]
        best = spans[max(range(len(spans)), key=lambda i: (values[i], -i))]
    else:
        claim_words = _content_words(claim_text)
        overlaps = [len(claim_words & _content_words(text[s:e])) for s, e in spans]
        best = spans[max(range(len(spans)), key=lambda i: (overlaps[i], -i))]
    return best[0] + offset, best[1] + offset


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}
