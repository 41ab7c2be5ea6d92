"""ALCE citation recall and precision (Gao et al., 2023, "Enabling Large Language Models to Generate
Text with Citations"), computed as `compute_autoais(..., citation=True)` in ALCE's `eval.py`
(github.com/princeton-nlp/ALCE) computes them for one answer:

* a sentence's citations are its `[n]` ids, n-th supplied passage (1-based), in order, repeats kept;
* a sentence with no citation, or with any id out of range, scores 0 and adds nothing to the
  citation total; otherwise only its first `at_most_citations` citations are kept and counted;
* a sentence is supported when its cited passages, each formatted "Title: {title}\\n{text}" and
  joined by newlines, entail the sentence with its markers removed; recall = supported / sentences;
* in a supported sentence with several citations, a citation is irrelevant when it alone does not
  entail the sentence and the others without it still do; every other one is relevant. A single
  citation is relevant iff its sentence is supported; an unsupported sentence's citations are not;
* precision = relevant citations / counted citations (0 when none are counted).

ALCE's entailment judge is TRUE (T5-XXL); here any `entails(premise, hypothesis) -> bool` works,
by default our verifier at its calibrated threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from veracity._model import FrozenModel
from veracity.attribution.citations import CitedSentence, cited_indices, parse_citations
from veracity.claims.filters import uncheckable_text
from veracity.errors import EmptyInputError, InputFormatError, InvalidArgumentError
from veracity.inputs import kind, require_sequence
from veracity.types import Document, Passage

if TYPE_CHECKING:
    from veracity.judges.nli import NLIJudge

Entails = Callable[[str, str], bool]
PassageLike = str | Passage | Document | Mapping[str, Any]
_PERSONAL = frozenset({"i", "i'm", "i've", "i'd", "we", "we're", "we've", "you", "you're", "you'll"})
Status = Literal["supported", "unsupported", "no_citation", "out_of_range"]


class SentenceCitation(FrozenModel):
    """How one sentence's citations fared.

    `counted`: the passage indices ALCE counts for it (first `at_most_citations`, repeats kept;
    empty with no citation or an id out of range). `relevant`: one flag per counted citation.
    `citation_needed`: it cites nothing yet makes a checkable statement.
    """

    sentence: CitedSentence
    status: Status
    supported: bool
    counted: list[int]
    relevant: list[bool]
    citation_needed: bool


class CitationScores(FrozenModel):
    """ALCE citation recall and precision of one answer, with the detail per sentence."""

    recall: float
    precision: float
    n_sentences: int
    n_supported: int
    n_citations: int
    n_relevant: int
    sentences: list[SentenceCitation]

    @property
    def citation_needed(self) -> list[SentenceCitation]:
        """Sentences that make checkable statements but cite nothing."""
        return [s for s in self.sentences if s.citation_needed]


def citation_scores(
    answer: str,
    passages: Sequence[PassageLike],
    entails: Entails | None = None,
    at_most_citations: int | None = 3,
) -> CitationScores:
    """ALCE citation recall and precision of `answer` against the `passages` it was given.

    `passages`: strings, `Passage`/`Document` objects or dicts with `text` (and `title`, `id`).
    `entails(premise, hypothesis)`: any judge (NLI, LLM); by default our verifier at its threshold.
    Raises `EmptyInputError` when the answer has no sentences.
    """
    if not isinstance(answer, str):
        raise InvalidArgumentError(f"answer must be a str, not {kind(answer)}")
    require_sequence(passages, "passages")
    if at_most_citations is not None and (not isinstance(at_most_citations, int) or at_most_citations < 1):
        raise InvalidArgumentError("at_most_citations must be at least 1 (or None for no limit)")
    texts, ids = _formatted(passages)
    sentences = parse_citations(answer, ids)
    if not sentences:
        raise EmptyInputError("the answer has no sentences to check")
    check = _memoised(entails if entails is not None else default_entails())
    results = [_score_sentence(s, cited_indices(s, ids), texts, check, at_most_citations) for s in sentences]
    n_supported = sum(r.supported for r in results)
    n_citations = sum(len(r.counted) for r in results)
    n_relevant = sum(sum(r.relevant) for r in results)
    return CitationScores(
        recall=n_supported / len(results),
        precision=n_relevant / n_citations if n_citations else 0.0,
        n_sentences=len(results),
        n_supported=n_supported,
        n_citations=n_citations,
        n_relevant=n_relevant,
        sentences=results,
    )


def default_entails() -> Entails:
    """Our verifier (loaded once) as an `entails` callable: calibrated P(supported) >= its tuned threshold."""
    judge = _default_judge()

    def entails(premise: str, hypothesis: str) -> bool:
        return judge.p_supported([premise], [hypothesis])[0] >= judge.threshold

    return entails


@cache
def _default_judge() -> NLIJudge:
    from veracity.judges.nli import NLIJudge

    return NLIJudge()


def needs_citation(text: str) -> bool:
    """A declarative sentence of three words or more, not about the speaker or the reader ("I hope
    this helps") and not a greeting, hedge or instruction."""
    words = text.strip().split()
    if len(words) < 3 or text.rstrip().endswith(("?", ":")):
        return False
    if words[0].lower().strip("\"'") in _PERSONAL:
        return False
    return not uncheckable_text(text.strip())


def _score_sentence(
    sentence: CitedSentence, refs: list[int], texts: list[str], check: Entails, at_most: int | None
) -> SentenceCitation:
    status: Status
    counted: list[int] = []
    relevant: list[bool] = []
    supported = False
    if sentence.out_of_range:
        status = "out_of_range"
    elif not refs:
        status = "no_citation"
    else:
        counted = refs[:at_most] if at_most is not None else refs
        supported = check(_join(texts, counted), sentence.text)
        status = "supported" if supported else "unsupported"
        relevant = _relevance(counted, supported, sentence.text, texts, check)
    return SentenceCitation(
        sentence=sentence,
        status=status,
        supported=supported,
        counted=counted,
        relevant=relevant,
        citation_needed=status == "no_citation" and needs_citation(sentence.text),
    )


def _relevance(counted: list[int], supported: bool, target: str, texts: list[str], check: Entails) -> list[bool]:
    """ALCE's precision check: a citation is irrelevant when it alone fails and the others still entail."""
    if not supported or len(counted) == 1:
        return [supported] * len(counted)
    relevant = []
    for pid in counted:
        if check(texts[pid], target):
            relevant.append(True)
            continue
        rest = list(counted)
        rest.remove(pid)  # the first occurrence, as ALCE's list.remove
        relevant.append(not check(_join(texts, rest), target))
    return relevant


def _join(texts: list[str], indices: list[int]) -> str:
    return "\n".join(texts[i] for i in indices)


def _memoised(entails: Entails) -> Entails:
    seen: dict[tuple[str, str], bool] = {}

    def check(premise: str, hypothesis: str) -> bool:
        key = (premise, hypothesis)
        if key not in seen:
            seen[key] = bool(entails(premise, hypothesis))
        return seen[key]

    return check


def _formatted(passages: Sequence[PassageLike]) -> tuple[list[str], list[str] | int]:
    """Each passage as ALCE formats it ("Title: {title}\\n{text}", or the text when untitled), and the ids."""
    texts: list[str] = []
    ids: list[str] = []
    for i, item in enumerate(passages):
        if isinstance(item, str):
            title, text, pid = None, item, ""
        elif isinstance(item, (Passage, Document)):
            title, text, pid = getattr(item, "title", None), item.text, item.id
        elif isinstance(item, Mapping) and isinstance(item.get("sent", item.get("text")), str):
            # ALCE reads `sent` for QA-extracted documents, else `text`.
            title, text, pid = item.get("title"), item.get("sent", item.get("text")), str(item.get("id") or "")
        else:
            raise InputFormatError(f"passage {i + 1} must be text, a Passage, a Document or a dict with 'text'")
        texts.append(f"Title: {title}\n{text}" if title is not None else text)
        ids.append(pid)
    return texts, (ids if any(ids) else len(texts))
