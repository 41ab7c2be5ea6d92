"""`LLMClaimExtractor`: atomic, self-contained claims written by an LLM, mapped back to spans of the text.

The prompt (`veracity/prompts/claims/v<N>.md`; v2 by default) asks for atomic, decontextualised claims
and the sentences stating no checkable fact, ``{"claims": [...], "skipped": [{"sentence", "reason"}]}``;
the reply goes through `LLMClient.structured` (strict JSON, local repair, one re-ask). Each claim is then
located in the text:

* verbatim (case-insensitive) when the text contains it;
* else in the sentence holding most of its content words, narrowed to the window of that sentence that
  holds most of them and best matches the claim's words (F1); a weak match keeps the whole sentence.

A claim whose content words mostly do not occur in the text (the model made it up, or copied a prompt
example), or with a number the text does not have, is dropped, as are greetings, hedges and questions.
Every sentence left without a claim is returned as skipped (`extract_all`, the same `Extraction` the
spaCy extractor returns) with the model's reason when it gave one from `SkipReason` (rule "llm"), else
the reason of the matching check-worthiness rule, else "no_fact" (rule "llm-no-claim").
When the model fails (provider error, unparseable output after the re-ask) or leaves no usable claim,
the offline extractor (spaCy) runs instead, never silently: `Extraction.fallbacks` records it with a
reason code (``provider_error``, ``not_configured``, ``unparseable_output`` or ``no_claims``;
`veracity.unscored`), `FactChecker` copies it to `Report.fallbacks`, `Extraction.fallback` and
`last_fallback_reason` say why in words, and a warning is logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from pydantic import BaseModel, Field

from veracity.claims.checkworthiness import match_rule
from veracity.claims.filters import uncheckable_text
from veracity.claims.protocol import ClaimExtractor, Extraction, check_text, extract_all, get_extractor, register_extractor
from veracity.text.sentences import sentence_spans
from veracity.text.words import STOPWORDS
from veracity.llm.loop import run_sync
from veracity.prompts import load_prompt
from veracity.types import Claim, SkippedSentence, SkipReason
from veracity.unscored import Fallback, Unscored

if TYPE_CHECKING:
    from veracity.llm.client import LLMClient

__all__ = ["DEFAULT_MODEL", "ExtractedClaims", "LLMClaimExtractor", "SkippedByModel", "locate_claim", "text_sentences"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "local/smollm2"
_WORD = re.compile(r"\w+")
_REASONS: frozenset[str] = frozenset(get_args(SkipReason))


class SkippedByModel(BaseModel):
    """A sentence the model says states no checkable fact, and its reason (one of `SkipReason`, ideally)."""

    sentence: str
    reason: str = "no_fact"


class ExtractedClaims(BaseModel):
    """The JSON the prompt asks for (v1 prompts ask for the claims only)."""

    claims: list[str] = Field(default_factory=list)
    skipped: list[SkippedByModel | str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int


def _words(text: str, offset: int = 0) -> list[_Word]:
    return [_Word(m.group().lower(), offset + m.start(), offset + m.end()) for m in _WORD.finditer(text)]


def _content(words: Sequence[str]) -> set[str]:
    return {w for w in words if w not in STOPWORDS}


def text_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of `text`: split after . ! ? and at line breaks, surrounding whitespace left out
    (the shared splitter's ``"punctuation"`` style with `lines=True`, `veracity.text.sentences`)."""
    return sentence_spans(text, style="punctuation", lines=True)


def _best_window(words: list[_Word], claim: Counter[str], content: set[str]) -> tuple[float, int, int]:
    """(F1, i, j): the window words[i..j] (at most 4x the claim's length) that holds most of the claim's
    content words, then matches its words best (F1 over lower-cased words), then is shortest and earliest."""
    size = sum(claim.values())
    longest = 4 * size + 10
    edges = [i for i, w in enumerate(words) if w.text in claim]
    best: tuple[tuple[int, float, int, int], int, int] | None = None
    for i in edges:
        seen: Counter[str] = Counter()
        overlap = 0
        for j in range(i, min(len(words), i + longest)):
            token = words[j].text
            seen[token] += 1
            if seen[token] <= claim[token]:
                overlap += 1
            if token not in claim:
                continue
            covered = sum(1 for w in content if seen[w])
            key = (covered, round(2 * overlap / (size + j - i + 1), 9), -(j - i), -i)
            if best is None or key > best[0]:
                best = (key, i, j)
    if best is None:
        return 0.0, 0, len(words) - 1
    return best[0][1], best[1], best[2]


def locate_claim(
    claim: str, text: str, sentences: Sequence[tuple[int, int]], *, min_window_f1: float = 0.3
) -> tuple[int, int, int] | None:
    """(start, end, sentence index) of where `claim` comes from in `text`; None if no sentence has one of its
    content words (its words, when all are stopwords)."""
    if not sentences:
        return None
    body = claim.strip().rstrip(".!").strip()
    verbatim = re.search(re.escape(body), text, re.IGNORECASE) if body else None
    if verbatim is not None:
        found = verbatim.start()
        index = next((k for k, (s, e) in enumerate(sentences) if s <= found < e), None)
        if index is not None:
            return found, min(verbatim.end(), sentences[index][1]), index
    claim_words = [w.text for w in _words(claim)]
    wanted = Counter(claim_words)
    content = _content(claim_words) or set(claim_words)
    scored = []
    for k, (s, e) in enumerate(sentences):
        words = _words(text[s:e], s)
        present = {w.text for w in words}
        scored.append((len(content & present), len(set(wanted) & present), -k, words))
    hits, _, neg_k, words = max(scored, key=lambda row: row[:3])
    if not hits:
        return None
    index = -neg_k
    f1, i, j = _best_window(words, wanted, content)
    if f1 < min_window_f1:
        return sentences[index][0], sentences[index][1], index
    return words[i].start, words[j].end, index


@register_extractor("llm")
class LLMClaimExtractor:
    """A `ClaimExtractor` backed by an LLM; when the LLM fails it falls back to `fallback` (spaCy), never raising.

    `model`: a litellm model string (default `local/smollm2`) or an `LLMClient`. `min_grounding`: the
    share of a claim's content words that must occur in the text for the claim to be kept. Texts
    longer than `chunk_chars` are sent in chunks of whole sentences (concurrently).
    """

    def __init__(
        self,
        model: str | LLMClient = DEFAULT_MODEL,
        *,
        fallback: str | ClaimExtractor = "spacy",
        min_grounding: float = 0.5,
        chunk_chars: int = 2000,
        max_tokens: int = 512,
        prompt_version: str | int = "latest",
        seed: int | None = None,
    ) -> None:
        if isinstance(model, str):
            from veracity.llm import LLMClient

            model = LLMClient(model or DEFAULT_MODEL)
        self.client = model
        self.fallback_spec = fallback
        self._fallback: ClaimExtractor | None = None if isinstance(fallback, str) else fallback
        self.min_grounding, self.chunk_chars, self.max_tokens, self.seed = min_grounding, chunk_chars, max_tokens, seed
        self.prompt = load_prompt("claims", prompt_version)
        self.last_fallback_reason: str | None = None
        """Why the latest `extract` used the fallback extractor; None when the LLM's claims were used."""
        self.last_dropped: list[str] = []
        """Claims of the latest `extract` that were dropped (not grounded in the text, or uncheckable)."""

    @property
    def model(self) -> str:
        return str(getattr(self.client, "model", type(self.client).__name__))

    @property
    def fallback(self) -> ClaimExtractor:
        if self._fallback is None:
            self._fallback = get_extractor(self.fallback_spec)
        return self._fallback

    def chunks(self, text: str, sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Spans of `text` of whole sentences, each at most `chunk_chars` long (unless one sentence is longer)."""
        chunks: list[tuple[int, int]] = []
        for s, e in sentences:
            if chunks and e - chunks[-1][0] <= self.chunk_chars:
                chunks[-1] = (chunks[-1][0], e)
            else:
                chunks.append((s, e))
        return chunks

    def extract(self, text: str) -> list[Claim]:
        """Atomic claims of `text` in order of position, with ids c1, c2, ..."""
        return self.extract_all(text).claims

    def extract_all(self, text: str) -> Extraction:
        """Claims of `text` and the sentences that yielded none, with their reasons."""
        return run_sync(self.aextract_all(text))

    async def aextract(self, text: str) -> list[Claim]:
        """`extract`, awaitable."""
        return (await self.aextract_all(text)).claims

    async def aextract_all(self, text: str) -> Extraction:
        """`extract_all`, awaitable."""
        check_text(text)
        self.last_fallback_reason, self.last_dropped = None, []
        sentences = text_sentences(text)
        chunks = self.chunks(text, sentences)
        replies = await asyncio.gather(*(self._ask(text[s:e]) for s, e in chunks))
        failures = [why for _, why in replies if why is not None]
        if failures:
            first = failures[0]
            return self._fall_back(text, first.model_copy(update={"detail": f"{self.model} failed: {first.detail}"}))
        written = [claim for reply, _ in replies if reply is not None for claim in reply.claims]
        claims = self._located(text, sentences, written)
        if not claims:
            why = "the model returned no claims" if not written else f"none of the model's {len(written)} claims is grounded in the text"
            return self._fall_back(text, Unscored(reason="no_claims", detail=why))
        said = [item for reply, _ in replies if reply is not None for item in reply.skipped]
        return Extraction(claims=claims, skipped=self._skipped(text, sentences, claims, said))

    async def _ask(self, chunk: str) -> tuple[ExtractedClaims | None, Unscored | None]:
        result = await self.client.astructured(
            self.prompt.messages(text=chunk), ExtractedClaims, prompt_version=self.prompt.version,
            max_tokens=self.max_tokens, seed=self.seed,
        )  # fmt: skip
        if result.value is None:
            return None, result.why_unscored or Unscored(reason="no_claims", detail="no claims")
        return result.value, None

    def _skipped(self, text: str, sentences: list[tuple[int, int]], claims: list[Claim],
                 said: list[SkippedByModel | str]) -> list[SkippedSentence]:  # fmt: skip
        """The sentences no claim was located in, each with the model's reason (or a rule's, or no_fact)."""
        reasons: dict[int, str] = {}
        for item in said:
            item = item if isinstance(item, SkippedByModel) else SkippedByModel(sentence=item)
            found = locate_claim(item.sentence, text, sentences) if item.sentence.strip() else None
            if found is not None:
                reasons.setdefault(found[2], item.reason.strip().lower())
        used = {k for k, (s, e) in enumerate(sentences) for c in claims if s <= c.start < e}
        out = []
        for k, (s, e) in enumerate(sentences):
            if k in used:
                continue
            given = reasons.get(k)
            rule = match_rule(text[s:e])
            if given in _REASONS:
                reason, name = given, "llm"
            elif rule is not None:
                reason, name = rule.reason, rule.name
            else:
                reason, name = "no_fact", "llm-no-claim" if given is None else f"llm:{given[:40]}"
            out.append(SkippedSentence(start=s, end=e, text=text[s:e], reason=reason, rule=name))  # type: ignore[arg-type]
        return out

    def _located(self, text: str, sentences: list[tuple[int, int]], written: list[str]) -> list[Claim]:
        present = {w.text for w in _words(text)}
        found: dict[str, tuple[int, int, int]] = {}
        for raw in written:
            claim = " ".join(str(raw).split())
            if not claim or claim.lower() in (c.lower() for c in found):
                continue
            words = [w.text for w in _words(claim)]
            content = _content(words)
            grounded = len(content & present) / len(content) if content else 0.0
            new_numbers = {w for w in words if any(ch.isdigit() for ch in w)} - present
            if grounded < self.min_grounding or new_numbers or claim.endswith("?") or uncheckable_text(claim):
                self.last_dropped.append(claim)
                continue
            span = locate_claim(claim, text, sentences)
            if span is None:
                self.last_dropped.append(claim)
                continue
            found[claim] = span
        ordered = sorted(found.items(), key=lambda item: (item[1][0], item[1][1]))
        return [
            Claim(id=f"c{n}", text=claim, start=start, end=end, sentence=text[sentences[k][0] : sentences[k][1]])
            for n, (claim, (start, end, k)) in enumerate(ordered, 1)
        ]

    def _fall_back(self, text: str, why: Unscored) -> Extraction:
        self.last_fallback_reason = why.detail
        log.warning("LLM claim extraction fell back to %s (%s): %s", self.fallback_spec, why.reason, why.detail)
        found = extract_all(self.fallback, text)
        name = self.fallback_spec if isinstance(self.fallback_spec, str) else type(self.fallback).__name__
        record = Fallback(stage="claims", used=name, cause=why)
        return found.model_copy(update={"fallback": f"{name}: {why.detail}", "fallbacks": [*found.fallbacks, record]})
