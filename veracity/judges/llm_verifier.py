"""`LLMVerifier`: verdicts from an LLM (any litellm model string, or `local/smollm2` offline).

The prompt (`veracity/prompts/verify/v<N>.md`) asks for one word: ``supported``, ``refuted`` or
``not_enough_info``. P(label) is read from the top logprobs at the answer token (the first generated
token with letters, after an optional ``Verdict:``/``Answer:`` cue), matching alternatives by their
decoded text: an alternative counts for a label when, lower-cased and stripped of spacing and brackets,
it is a prefix of exactly that label of at least 3 characters, or starts with it (``supp``,
`` Supported``, ``ref``, ``not``, ``[supported``; not ``no``, ``s``, ``Un``). The generated token is read
with the rest of its word (``re`` + ``fut`` + ``ed`` counts as refuted). The mass is renormalised over
the three labels; label = argmax, `probability` = P(supported).

A provider that returns no logprobs is sampled `n_samples` times and the labels' frequencies are used
instead. A provider failure gives an `unscored` verdict with reason ``provider_error`` (``not_configured``
when the model cannot be used); an answer token with (almost) no mass on a label, or samples without a
label, give ``unparseable_output`` (`Verdict.why_unscored`; `veracity.unscored` has the policy). Never
NaN, never an exception for a provider problem.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from veracity.errors import EmptyInputError, VeracityError
from veracity.judges.llm._client import CompletionClient, model_name, resolve_client, run_sync
from veracity.judges.evidence import as_evidence
from veracity.judges.registry import register_judge
from veracity.llm.errors import LLMError
from veracity.llm.types import Completion, TokenLogprob
from veracity.prompts import load_prompt
from veracity.types import Claim, Evidence, JudgeStats, Verdict
from veracity.unscored import Unscored

__all__ = ["DEFAULT_MODEL", "LABEL_WORDS", "LLMVerifier", "label_of_text", "label_of_token", "verdict_distribution"]

DEFAULT_MODEL = "local/smollm2"
VerdictLabel = Literal["supported", "refuted", "not_enough_info"]
LABEL_WORDS: tuple[VerdictLabel, ...] = ("supported", "refuted", "not_enough_info")
_CUES = frozenset({"verdict", "answer", "label"})
_EDGES = re.compile(r"^[^\w]+|[^\w]+$")
_MARKERS = str.maketrans({"\u0120": " ", "\u2581": " "})  # BPE / sentencepiece space markers some providers leak
_TIE_ORDER = {"not_enough_info": 0, "refuted": 1, "supported": 2}  # equal mass: the more cautious label


def _word(token: str) -> str:
    return _EDGES.sub("", token.translate(_MARKERS).strip()).lower()


def label_of_token(token: str, min_prefix: int = 3) -> VerdictLabel | None:
    """The label a decoded token stands for: a prefix (>= `min_prefix` characters) of exactly one label,
    or a word starting with one."""
    word = _word(token)
    if not word:
        return None
    matches = [
        label
        for label in LABEL_WORDS
        if word.startswith(label) or (len(word) >= min_prefix and label.startswith(word))
    ]
    return matches[0] if len(matches) == 1 else None


def label_of_text(text: str) -> VerdictLabel | None:
    """The label a whole reply gives: its first word after an optional cue ("Verdict: refuted" -> refuted)."""
    words = re.findall(r"\w+", text.lower())[:4]
    while words and words[0] in _CUES:
        words = words[1:]
    return label_of_token(words[0]) if words else None


def _answer_position(logprobs: Sequence[TokenLogprob], search: int = 8) -> int | None:
    """Index of the answer token: the first token with letters that is not a cue word."""
    for index, entry in enumerate(logprobs[:search]):
        word = _word(entry.token)
        if word and word not in _CUES:
            return index
    return None


def verdict_distribution(logprobs: Sequence[TokenLogprob]) -> tuple[dict[VerdictLabel, float], float] | None:
    """P(label) at the answer token renormalised over the labels, and the raw mass the labels had there.

    None when there is no answer token or no alternative there reads as a label.
    """
    position = _answer_position(logprobs)
    if position is None:
        return None
    entry = logprobs[position]
    alternatives = {alt.token: math.exp(alt.logprob) for alt in entry.top}
    alternatives.setdefault(entry.token, math.exp(entry.logprob))
    generated = label_of_text("".join(t.token for t in logprobs[position:]).translate(_MARKERS))
    mass: dict[VerdictLabel, float] = {label: 0.0 for label in LABEL_WORDS}
    for token, prob in alternatives.items():
        label = generated if token == entry.token else label_of_token(token)
        if label is not None and math.isfinite(prob):
            mass[label] += prob
    total = sum(mass.values())
    if not total > 0.0:
        return None
    return {label: p / total for label, p in mass.items()}, min(1.0, total)


def _argmax(distribution: dict[VerdictLabel, float]) -> VerdictLabel:
    return max(distribution, key=lambda label: (distribution[label], _TIE_ORDER[label]))


def _spent(completions: list[Completion]) -> JudgeStats:
    """The LLM-stage cost of one call (nothing for a cache hit)."""
    if not completions or completions[0].cached:
        return JudgeStats()
    return JudgeStats(
        llm_calls=1,
        prompt_tokens=sum(c.usage.prompt_tokens for c in completions),
        completion_tokens=sum(c.usage.completion_tokens for c in completions),
        cost_usd=sum(c.usage.cost_usd for c in completions),
    )


class LLMVerifier:
    """Verifies claims against evidence with an LLM; a `Judge` (`verify`, `verify_many`).

    `model`: a litellm model string (default `local/smollm2`) or an `LLMClient` (any object with
    `acomplete`). `max_evidence_chars` bounds the evidence shown per claim (passages in the given order,
    the last one cut at a word). `min_label_mass`: below this share of the answer token's probability on
    the three labels, the claim is unscored rather than read from noise.
    """

    def __init__(
        self,
        model: str | CompletionClient = DEFAULT_MODEL,
        *,
        top_logprobs: int = 20,
        n_samples: int = 5,
        sample_temperature: float = 1.0,
        max_tokens: int = 8,
        max_evidence_chars: int = 4000,
        min_label_mass: float = 0.05,
        prompt_version: str | int = "latest",
        seed: int | None = None,
    ) -> None:
        if n_samples < 1:
            raise ValueError("n_samples must be >= 1")
        if not 0.0 <= min_label_mass < 1.0:
            raise ValueError("min_label_mass must be in [0, 1)")
        self.client = resolve_client(model or DEFAULT_MODEL)
        self.top_logprobs, self.n_samples, self.sample_temperature = top_logprobs, n_samples, sample_temperature
        self.max_tokens, self.max_evidence_chars, self.min_label_mass = max_tokens, max_evidence_chars, min_label_mass
        self.seed = seed
        self.prompt = load_prompt("verify", prompt_version)
        self._provider_logprobs = True  # set False once the provider answers without logprobs

    @property
    def model(self) -> str:
        return model_name(self.client)

    @property
    def name(self) -> str:
        return f"llm:{self.model}"

    def shown_evidence(self, evidence: Sequence[Evidence]) -> tuple[list[Evidence], str]:
        """The passages shown to the model (within `max_evidence_chars`) and their numbered block."""
        shown: list[Evidence] = []
        lines: list[str] = []
        left = self.max_evidence_chars
        for item in evidence:
            text = " ".join(item.passage.text.split())
            if not text:
                continue
            if left <= 0:
                break
            if len(text) > left:
                text = text[:left].rsplit(" ", 1)[0] + " ..."
            left -= len(text)
            shown.append(item)
            lines.append(f"[{len(shown)}] {text}")
        return shown, "\n".join(lines)

    def messages(self, claim: str, evidence_block: str) -> list[dict[str, str]]:
        """The chat messages sent for one claim."""
        return self.prompt.messages(evidence=evidence_block, claim=" ".join(claim.split()))

    # -- one claim ---------------------------------------------------------------------------------

    async def ajudge(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> tuple[Verdict, JudgeStats]:
        """The verdict on one claim and what it cost (`JudgeStats` with llm=1); never raises for the provider."""
        text = claim.text if isinstance(claim, Claim) else claim
        if not isinstance(text, str) or not text.strip():
            raise EmptyInputError("a claim to verify is empty")
        items = [as_evidence(e, j) for j, e in enumerate(evidence)]
        shown, block = self.shown_evidence(items)
        if not shown:
            verdict = Verdict(label="not_enough_info", probability=None, reason="no evidence passages to check against")
            return verdict, JudgeStats()
        messages = self.messages(text, block)
        spent = JudgeStats(llm=1)
        if self._provider_logprobs:
            try:
                (greedy,) = await self.client.acomplete(
                    messages, temperature=0.0, max_tokens=self.max_tokens, logprobs=True,
                    top_logprobs=self.top_logprobs, n=1, prompt_version=self.prompt.version, seed=self.seed,
                )  # fmt: skip
            except LLMError as exc:
                return self._unscored(Unscored.of_error(exc, self.name), shown), spent + JudgeStats(llm_calls=1)
            spent = spent + _spent([greedy])
            if greedy.logprobs is not None:
                return self._from_logprobs(greedy, shown), spent
            self._provider_logprobs = False
        try:
            samples = await self.client.acomplete(
                messages, temperature=self.sample_temperature, max_tokens=self.max_tokens, n=self.n_samples,
                prompt_version=self.prompt.version, seed=self.seed,
            )  # fmt: skip
        except LLMError as exc:
            return self._unscored(Unscored.of_error(exc, self.name), shown), spent + JudgeStats(llm_calls=1)
        return self._from_samples(samples, shown), spent + _spent(samples)

    def _unscored(self, why: Unscored | str, shown: list[Evidence]) -> Verdict:
        """An unscored verdict; a plain-text `why` is an output that could not be read."""
        if not isinstance(why, Unscored):
            why = Unscored(reason="unparseable_output", detail=f"{self.name}: {why}")
        return Verdict.unscored(why, evidence=shown)

    def _decided(self, distribution: dict[VerdictLabel, float], how: str, shown: list[Evidence]) -> Verdict:
        label = _argmax(distribution)
        p_support = min(1.0, max(0.0, round(float(distribution["supported"]), 6)))
        reason = f"{self.name} ({self.prompt.version}) answered {label}; P(supported)={p_support:.3f} {how}"
        return Verdict(label=label, probability=p_support, reason=reason, evidence=shown)

    def _from_logprobs(self, greedy: Completion, shown: list[Evidence]) -> Verdict:
        read = verdict_distribution(greedy.logprobs or [])
        if read is None:
            return self._unscored(f"no verdict label among the answer token's top logprobs (output {greedy.text!r})", shown)
        distribution, mass = read
        if mass < self.min_label_mass:
            return self._unscored(
                f"only {mass:.3f} of the answer token's probability is on a verdict label (output {greedy.text!r})", shown
            )
        return self._decided(distribution, f"from the answer token's top logprobs (label mass {mass:.2f})", shown)

    def _from_samples(self, samples: list[Completion], shown: list[Evidence]) -> Verdict:
        parsed = [label_of_text(c.text) for c in samples]
        counts = Counter(label for label in parsed if label is not None)
        total = sum(counts.values())
        if not total:
            return self._unscored(f"no verdict label in any of {len(samples)} samples (no logprobs from the provider)", shown)
        distribution = {label: counts[label] / total for label in LABEL_WORDS}
        return self._decided(distribution, f"from {total} of {len(samples)} samples (no logprobs from the provider)", shown)

    # -- the Judge protocol ------------------------------------------------------------------------

    async def ajudge_many(
        self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]
    ) -> list[tuple[Verdict, JudgeStats]]:
        """`ajudge` for many claims concurrently (the client bounds how many calls are in flight)."""
        if len(claims) != len(evidence):
            raise VeracityError(f"{len(claims)} claims but {len(evidence)} evidence lists")
        return list(await asyncio.gather(*(self.ajudge(c, e) for c, e in zip(claims, evidence))))

    def judge_many(
        self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]
    ) -> list[tuple[Verdict, JudgeStats]]:
        """Blocking `ajudge_many`: verdicts with their per-claim LLM cost."""
        return run_sync(self.ajudge_many(claims, evidence))

    async def averify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        return (await self.ajudge(claim, evidence))[0]

    async def averify_many(
        self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]
    ) -> list[Verdict]:
        return [verdict for verdict, _ in await self.ajudge_many(claims, evidence)]

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        """The verdict on one claim given its evidence passages (texts or retrieved `Evidence`)."""
        return self.verify_many([claim], [evidence])[0]

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        """Verdicts for many claims, their LLM calls made concurrently."""
        return [verdict for verdict, _ in self.judge_many(claims, evidence)]


register_judge("llm")(LLMVerifier)
