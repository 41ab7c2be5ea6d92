"""Data that crosses stage boundaries: frozen pydantic models shared by every stage."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from veracity._model import FrozenModel as _Frozen
from veracity.provenance import Provenance
from veracity.unscored import UNSCORED_REASONS as UNSCORED_REASONS  # re-exported: the shared contract
from veracity.unscored import Fallback as Fallback
from veracity.unscored import Unscored as Unscored
from veracity.unscored import UnscoredReason as UnscoredReason

Label = Literal["supported", "refuted", "not_enough_info", "unscored"]
LABELS: tuple[Label, ...] = ("supported", "refuted", "not_enough_info", "unscored")


class Document(_Frozen):
    """A source document that evidence is drawn from."""

    id: str
    text: str
    title: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Passage(_Frozen):
    """A window of a document; `start`/`end` are character offsets into `Document.text`."""

    id: str
    doc_id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "Passage":
        if self.end < self.start:
            raise ValueError(f"passage end {self.end} is before start {self.start}")
        return self


class Replacement(_Frozen):
    """Words `start`..`end` of the checked text that a claim states as `text` (a pronoun's antecedent)."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Claim(_Frozen):
    """An atomic claim; `start`/`end` delimit the words it came from in the checked text.

    `spans`: the pieces of text the claim was built from, in order, when there are several (a subject
    shared by coordinated verbs, an appositive restated as "X is a Y"); empty when `start`..`end` is
    the one piece. `replacements`: words of the text the claim restates (a pronoun given its
    antecedent). `unresolved`: the claim keeps a pronoun or anaphor whose antecedent was not found.
    """

    id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    sentence: str
    spans: list[tuple[int, int]] = Field(default_factory=list)
    replacements: list[Replacement] = Field(default_factory=list)
    unresolved: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> "Claim":
        if self.end < self.start:
            raise ValueError(f"claim end {self.end} is before start {self.start}")
        for s, e in self.spans:
            if not self.start <= s < e <= self.end:
                raise ValueError(f"claim span ({s}, {e}) is empty or outside ({self.start}, {self.end})")
        return self


SkipReason = Literal["question", "greeting", "opinion", "hedge", "advice", "meta", "about_speaker", "no_fact"]


class SkippedSentence(_Frozen):
    """A sentence of the checked text that yielded no claim, and why (`reason`, with the rule in `rule`)."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    reason: SkipReason
    rule: str | None = None


class Evidence(_Frozen):
    """A passage found for a claim, its retrieval score and the retriever that found it."""

    passage: Passage
    score: float
    source: str


class Span(_Frozen):
    """Character offsets `start`..`end` (end exclusive)."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "Span":
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before start {self.start}")
        return self


class Decision(_Frozen):
    """Which evidence decided a verdict, and where in it.

    `evidence`: index into `Verdict.evidence` of the deciding item. `passage_id`/`doc_id`: the passage
    as retrieved or given (before the judge narrowed it to a window). `window`: the text the verifier
    read, as offsets into that passage's text; `span`: the part of the window that carries the decision
    (offsets into the passage's text), `doc_span`: the same part in the source document, `text`: its
    words. `method`: how `span` was chosen: "window" (the window is one sentence), "verifier" (the
    window's sentence the verifier scores highest: entailment, or contradiction for a refuted claim),
    "sentence-overlap" (the window's sentence sharing most content words with the claim, for judges
    that do not score sentences), "kg" (the knowledge-graph triple that decided).
    """

    evidence: int = Field(ge=0)
    passage_id: str
    doc_id: str
    window: Span
    span: Span
    doc_span: Span
    text: str
    method: Literal["window", "verifier", "sentence-overlap", "kg"]


class Verdict(_Frozen):
    """The decision on one claim. `probability` is P(supported); `unscored` always has a reason.

    `why_unscored` (`veracity.unscored.Unscored`: a reason code and its detail) is set exactly when the
    label is ``unscored``; `reason` is the human explanation of any verdict (for an unscored one, the
    detail). `decided_by` marks the evidence item and the span that decided the verdict (None when no
    single passage decided it: no evidence, an unscored claim, or an LLM that read all passages together).
    """

    label: Label
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    reason: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    decided_by: Decision | None = None
    why_unscored: Unscored | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_unscored(cls, data: Any) -> Any:
        """An unscored verdict given only a free-text `reason` (older callers, older JSON) gets code
        ``unspecified``; one given only `why_unscored` gets its detail as `reason`."""
        if isinstance(data, dict) and data.get("label") == "unscored":
            if data.get("why_unscored") is None and data.get("reason"):
                data = {**data, "why_unscored": Unscored.from_text(data["reason"])}
            elif data.get("why_unscored") is not None and not data.get("reason"):
                why = data["why_unscored"]
                data = {**data, "reason": why.detail if isinstance(why, Unscored) else Unscored.model_validate(why).detail}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "Verdict":
        if self.label == "unscored":
            if not self.reason:
                raise ValueError("an unscored verdict must carry a reason")
            if self.probability is not None:
                raise ValueError("an unscored verdict has no probability")
        elif self.why_unscored is not None:
            raise ValueError(f"a {self.label} verdict has no why_unscored")
        if self.decided_by is not None and self.decided_by.evidence >= len(self.evidence):
            raise ValueError(f"decided_by.evidence {self.decided_by.evidence} is not an index into {len(self.evidence)} evidence items")
        return self

    @classmethod
    def unscored(cls, reason: str | Unscored, evidence: list[Evidence] | None = None) -> "Verdict":
        """An unscored verdict; a plain-text `reason` gets code ``unspecified``."""
        why = reason if isinstance(reason, Unscored) else Unscored.from_text(reason)
        return cls(label="unscored", probability=None, reason=why.detail, why_unscored=why, evidence=evidence or [])


class ClaimResult(_Frozen):
    claim: Claim
    verdict: Verdict


class Summary(_Frozen):
    """Counts per label and factual precision = supported / scored claims (None if none scored)."""

    counts: dict[Label, int]
    n_claims: int
    n_scored: int
    factual_precision: float | None

    @classmethod
    def of(cls, results: list[ClaimResult]) -> "Summary":
        counts: dict[Label, int] = {label: 0 for label in LABELS}
        for result in results:
            counts[result.verdict.label] += 1
        scored = len(results) - counts["unscored"]
        precision = counts["supported"] / scored if scored else None
        return cls(counts=counts, n_claims=len(results), n_scored=scored, factual_precision=precision)


class JudgeStats(_Frozen):
    """What a staged judge (the confidence-gated cascade) did for a set of claims.

    `fast`: claims the fast verifier decided; `llm`: claims sent to the LLM (fast P(supported) inside
    the band), of which `llm_unscored` the LLM could not judge (the fast verdict stands);
    `llm_calls`: LLM requests that reached the provider (cache hits excluded), with their tokens and cost.
    """

    fast: int = Field(default=0, ge=0)
    llm: int = Field(default=0, ge=0)
    llm_unscored: int = Field(default=0, ge=0)
    llm_calls: int = Field(default=0, ge=0)
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    cost_usd: float = Field(default=0.0, ge=0.0)

    def __add__(self, other: "JudgeStats") -> "JudgeStats":
        return JudgeStats(**{name: getattr(self, name) + getattr(other, name) for name in JudgeStats.model_fields})

    @classmethod
    def total(cls, parts: "list[JudgeStats]") -> "JudgeStats":
        out = cls()
        for part in parts:
            out = out + part
        return out


class Report(_Frozen):
    """Every claim of a checked text with its verdict, and the summary.

    `judge_stats` is set only by staged judges (the cascade): how many claims each stage decided and
    what the LLM stage cost; None for single-stage judges. `skipped`: sentences that yielded no claim
    (opinions, questions, greetings, ...), each with its reason. `provenance`: what produced the report
    (`veracity.provenance`: versions, models, settings, where the evidence came from, when); set by `FactChecker`.
    `fallbacks`: stages that handed their work to another (the LLM claim extractor to spaCy), with why.
    """

    text: str
    results: list[ClaimResult]
    summary: Summary
    judge_stats: JudgeStats | None = None
    skipped: list[SkippedSentence] = Field(default_factory=list)
    provenance: Provenance | None = None
    fallbacks: list[Fallback] = Field(default_factory=list)

    @classmethod
    def of(
        cls, text: str, results: list[ClaimResult], judge_stats: JudgeStats | None = None,
        skipped: list[SkippedSentence] | None = None, fallbacks: list[Fallback] | None = None,
    ) -> "Report":
        return cls(
            text=text, results=results, summary=Summary.of(results), judge_stats=judge_stats, skipped=skipped or [],
            fallbacks=fallbacks or [],
        )
