"""Trust-Score for RAG answers (Song et al., 2024, "Measuring and Enhancing Trustworthiness of LLMs in
RAG through Grounded Attributions and Learning to Refuse"; `compute_trust_score` in
github.com/declare-lab/trust-align). Trust-Score is defined over a set of answers; each answer keeps
its components (`TrustComponents`) and `trust_score` aggregates them as the paper does:

* **grounded refusal** F1_GR = mean of two F1s: refusing (positive class: the contexts do not hold the
  answer, the model refused) and answering (positive class: the contexts hold it, the model answered).
  An F1 whose class never occurs in the set is 0, as in the paper's code: a set needs both kinds.
* **answer correctness** F1_AC = harmonic mean of the mean correctness over answered questions (an
  unanswerable question answered scores 0) and over answerable questions (a refusal scores 0).
  Correctness of one answer = share of the reference facts found in the contexts that the answer
  states ("calibrated": facts the contexts lack are not asked for). Only answers given a reference count.
* **grounded citations** F1_GC = F1 of the mean ALCE citation recall and the mean citation precision
  over answered questions; an answer that cites nothing scores 0 for both, as in the paper.
* Trust-Score = (F1_GR + F1_AC + F1_GC) / 3 on a 0-1 scale (the paper prints 0-100); None, with the
  missing components named, unless all three can be computed.

Refusals are found by phrase (`REFUSAL_PHRASES`, matched on normalised text anywhere in the answer;
the paper fuzzy-matches one fixed refusal sentence). Answerability is given by the caller, or found
from the reference: answerable when the contexts hold at least one reference fact.

Reference facts (`reference`: one string or a list of strings, each a fact): an item of at most
`SHORT_ANSWER_WORDS` words is a short answer, matched by normalised exact presence (lower case,
punctuation and articles removed, whole words; the paper's STR-EM); a longer string is split into
claims by the checker's extractor, and each claim is checked by the checker's judge, once against the
contexts together and once against the answer (citation markers removed) as the only evidence
(the paper's claim-match variant with an NLI judge).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from statistics import fmean
from typing import Literal

from pydantic import Field

from veracity._model import FrozenModel as _Frozen
from veracity.attribution.alce import CitationScores
from veracity.errors import InvalidArgumentError
from veracity.inputs import kind

__all__ = [
    "REFUSAL_PHRASES",
    "SHORT_ANSWER_WORDS",
    "ReferenceFact",
    "TrustComponents",
    "TrustScore",
    "is_refusal",
    "normalise_answer",
    "reference_facts",
    "trust_components",
    "trust_score",
]

# Matched after both sides go through `normalise_answer` (lower case, contractions expanded, no
# punctuation or articles). Specific on purpose: "does not mention X" can be a grounded answer.
REFUSAL_PHRASES: tuple[str, ...] = (
    "could not find an answer",
    "could not find the answer",
    "could not find any information",
    "could not find information",
    "cannot find an answer",
    "cannot find the answer",
    "did not find an answer",
    "i cannot answer",
    "i am unable to answer",
    "i am not able to answer",
    "unable to answer this question",
    "unable to answer your question",
    "i do not know",
    "i do not have enough information",
    "not enough information to answer",
    "insufficient information to answer",
    "cannot be answered",
    "cannot be determined from",
    "do not contain the answer",
    "does not contain the answer",
    "do not contain any information",
    "does not contain any information",
    "do not contain information",
    "does not contain information",
    "do not provide information",
    "does not provide information",
    "do not provide any information",
    "does not provide any information",
    "there is no information",
    "no information is provided",
    "no answer can be found",
)
SHORT_ANSWER_WORDS = 4

_CONTRACTIONS = ((r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"), (r"n't\b", " not"), (r"\bi'm\b", "i am"),
                 (r"\bcan not\b", "cannot"), (r"\bit's\b", "it is"))
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = re.compile(f"[{re.escape(string.punctuation)}\u2018\u2019\u201c\u201d\u2013\u2014]")

Supports = Callable[[Sequence[str], Sequence[str]], list[bool]]
Split = Callable[[str], list[str]]


class ReferenceFact(_Frozen):
    """One fact of the reference answer: `method` "exact" (short answer, normalised presence) or "claim"
    (judged); `in_contexts`: the contexts hold it; `in_answer`: the answer states it (None for a refusal)."""

    text: str
    method: Literal["exact", "claim"]
    in_contexts: bool
    in_answer: bool | None


class TrustComponents(_Frozen):
    """One RAG answer's part of Trust-Score (aggregate a set with `trust_score`).

    `answerable`: the contexts hold the answer (None when neither given nor found from a reference);
    `answerable_from`: "given" or "reference". `correctness`: share of the reference facts in the
    contexts that the answer states (all reference facts when the caller says answerable but none was
    found in the contexts); None without a reference, for a refusal, or when no fact is in the contexts.
    `citation_recall`/`citation_precision`: ALCE's, 0 for an answer that cites nothing; None for a refusal.
    """

    refused: bool
    answerable: bool | None
    answerable_from: Literal["given", "reference"] | None
    reference: list[ReferenceFact] = Field(default_factory=list)
    correctness: float | None
    citation_recall: float | None
    citation_precision: float | None


class TrustScore(_Frozen):
    """Trust-Score over a set of answers, with every part (0-1; see the module doc for each formula)."""

    n: int
    n_refused: int
    n_labelled: int  # answerability known
    n_answerable: int
    n_with_reference: int
    refusal_precision: float | None
    refusal_recall: float | None
    refusal_f1: float | None
    answer_precision: float | None
    answer_recall: float | None
    answer_f1: float | None
    grounded_refusal: float | None
    correctness_answered: float | None
    correctness_answerable: float | None
    answer_correctness: float | None
    citation_recall: float | None
    citation_precision: float | None
    grounded_citation: float | None
    trust_score: float | None
    missing: list[str]


def normalise_answer(text: str) -> str:
    """Lower case, contractions expanded, punctuation and articles removed, whitespace collapsed."""
    text = text.lower().replace("\u2019", "'")
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    text = _ARTICLES.sub(" ", _PUNCT.sub(" ", text))
    return " ".join(text.split())


def _contains(haystack: str, needle: str) -> bool:
    """Whether normalised `needle` occurs in normalised `haystack` as whole words."""
    needle = normalise_answer(needle)
    return bool(needle) and f" {needle} " in f" {normalise_answer(haystack)} "


def is_refusal(answer: str, phrases: Sequence[str] = REFUSAL_PHRASES) -> bool:
    """Whether `answer` declines to answer: it contains one of `phrases` (normalised) anywhere."""
    if not isinstance(answer, str):
        raise InvalidArgumentError(f"answer must be a str, not {kind(answer)}")
    return any(_contains(answer, phrase) for phrase in phrases)


def _reference_items(reference: str | Sequence[str]) -> list[str]:
    items = [reference] if isinstance(reference, str) else reference
    if not isinstance(items, Sequence) or not all(isinstance(i, str) for i in items):
        raise InvalidArgumentError(f"reference must be a str or a list of str, not {kind(reference)}")
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise InvalidArgumentError("reference is empty")
    return items


def reference_facts(
    reference: str | Sequence[str], contexts: Sequence[str], answer: str | None, *, supports: Supports, split: Split
) -> list[ReferenceFact]:
    """Each fact of `reference`, whether the `contexts` hold it and whether `answer` (None: a refusal) states it.

    `supports(claims, passages)`: for each claim, whether the passages together support it (a judge);
    `split(text)`: the claims of a longer reference item (an extractor; the item itself when it gives none).
    """
    short: list[str] = []
    claims: list[str] = []
    for item in _reference_items(reference):
        if len(item.split()) <= SHORT_ANSWER_WORDS:
            short.append(item)
        else:
            claims.extend(split(item) or [item])
    facts = [
        ReferenceFact(text=s, method="exact", in_contexts=any(_contains(c, s) for c in contexts),
                      in_answer=None if answer is None else _contains(answer, s))
        for s in short
    ]
    if claims:
        in_contexts = supports(claims, list(contexts)) if contexts else [False] * len(claims)
        in_answer: list[bool | None] = [None] * len(claims)
        if answer is not None:
            in_answer = list(supports(claims, [answer])) if answer.strip() else [False] * len(claims)
        facts += [
            ReferenceFact(text=c, method="claim", in_contexts=bool(h), in_answer=None if a is None else bool(a))
            for c, h, a in zip(claims, in_contexts, in_answer)
        ]
    return facts


def trust_components(
    answer: str,
    contexts: Sequence[str],
    citations: CitationScores | None,
    *,
    reference: str | Sequence[str] | None = None,
    answerable: bool | None = None,
    supports: Supports | None = None,
    split: Split | None = None,
    phrases: Sequence[str] = REFUSAL_PHRASES,
) -> TrustComponents:
    """One answer's Trust-Score components. `answer`: the text with citation markers removed;
    `citations`: its ALCE scores (None when it cites nothing); `supports`/`split` as in `reference_facts`
    (needed only for reference items longer than `SHORT_ANSWER_WORDS` words)."""
    if answerable is not None and not isinstance(answerable, bool):
        raise InvalidArgumentError(f"answerable must be a bool or None, not {kind(answerable)}")
    refused = is_refusal(answer, phrases)
    facts: list[ReferenceFact] = []
    if reference is not None:
        facts = reference_facts(
            reference, contexts, None if refused else answer,
            supports=supports or _unavailable, split=split or (lambda text: [text]),
        )
    source: Literal["given", "reference"] | None = "given" if answerable is not None else "reference" if facts else None
    if answerable is None and facts:
        answerable = any(f.in_contexts for f in facts)
    correctness = None
    if facts and not refused:
        held = [f for f in facts if f.in_contexts] or (facts if answerable else [])
        correctness = sum(bool(f.in_answer) for f in held) / len(held) if held else None
    return TrustComponents(
        refused=refused,
        answerable=answerable,
        answerable_from=source,
        reference=facts,
        correctness=correctness,
        citation_recall=None if refused else (citations.recall if citations is not None else 0.0),
        citation_precision=None if refused else (citations.precision if citations is not None else 0.0),
    )


def _unavailable(claims: Sequence[str], passages: Sequence[str]) -> list[bool]:
    raise InvalidArgumentError("a reference longer than a short answer needs a judge: pass supports= and split=")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def trust_score(items: Sequence[TrustComponents | object]) -> TrustScore:
    """Trust-Score of a set of answers: `TrustComponents`, or reports carrying them as `.trust`."""
    parts: list[TrustComponents] = []
    for i, item in enumerate(items):
        part = item if isinstance(item, TrustComponents) else getattr(item, "trust", None)
        if not isinstance(part, TrustComponents):
            raise InvalidArgumentError(f"item {i} is neither TrustComponents nor a report with .trust ({kind(item)})")
        parts.append(part)
    if not parts:
        raise InvalidArgumentError("Trust-Score needs at least one answer")
    missing: list[str] = []
    labelled = [p for p in parts if p.answerable is not None]
    rp = rr = rf = ap = ar = af = gr = None
    if labelled:
        refused_unanswerable = sum(p.refused and not p.answerable for p in labelled)
        answered_answerable = sum(not p.refused and bool(p.answerable) for p in labelled)
        rp = _ratio(refused_unanswerable, sum(p.refused for p in labelled))
        rr = _ratio(refused_unanswerable, sum(not p.answerable for p in labelled))
        ap = _ratio(answered_answerable, sum(not p.refused for p in labelled))
        ar = _ratio(answered_answerable, sum(bool(p.answerable) for p in labelled))
        rf, af = _f1(rp, rr), _f1(ap, ar)
        gr = (rf + af) / 2
    else:
        missing.append("grounded_refusal (no answer's answerability is known: give answerable= or a reference)")
    with_ref = [p for p in parts if p.reference and p.answerable is not None]
    ca = cb = ac = None
    if with_ref:
        answered = [(p.correctness or 0.0) if p.answerable else 0.0 for p in with_ref if not p.refused]
        answerable = [0.0 if p.refused else (p.correctness or 0.0) for p in with_ref if p.answerable]
        ca, cb = (fmean(answered) if answered else 0.0), (fmean(answerable) if answerable else 0.0)
        ac = _f1(ca, cb)
    else:
        missing.append("answer_correctness (no answer has a reference)")
    answered_parts = [p for p in parts if not p.refused]
    cr = cp = gc = None
    if answered_parts:
        cr = fmean(p.citation_recall or 0.0 for p in answered_parts)
        cp = fmean(p.citation_precision or 0.0 for p in answered_parts)
        gc = _f1(cr, cp)
    else:
        missing.append("grounded_citation (every answer is a refusal)")
    total = (gr + ac + gc) / 3 if gr is not None and ac is not None and gc is not None else None
    return TrustScore(
        n=len(parts), n_refused=sum(p.refused for p in parts), n_labelled=len(labelled),
        n_answerable=sum(bool(p.answerable) for p in labelled), n_with_reference=len(with_ref),
        refusal_precision=rp, refusal_recall=rr, refusal_f1=rf, answer_precision=ap, answer_recall=ar, answer_f1=af,
        grounded_refusal=gr, correctness_answered=ca, correctness_answerable=cb, answer_correctness=ac,
        citation_recall=cr, citation_precision=cp, grounded_citation=gc, trust_score=total, missing=missing,
    )
