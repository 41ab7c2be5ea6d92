"""`NLIJudge`: verdicts from a cross-encoder NLI model (ours by default, any HF NLI model by name)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from veracity.errors import EmptyInputError, InvalidArgumentError, VeracityError
from veracity.text.words import content_tokens, lexical_overlap
from veracity.verifier.calibration import Calibrator, calibrator_from_dict
from veracity.judges.decision import decision_in_window, sharpen
from veracity.judges.evidence import as_evidence
from veracity.inputs import kind, require_claim, require_evidence, require_positive_int, require_sequence, require_texts
from veracity.verifier.quotes import QUOTED_ENTAILMENT, is_quoted
from veracity.judges.registry import register_judge
from veracity.verifier.windows import Window, digest_window, select_windows, sentence_spans, split_windows
from veracity.types import Claim, Evidence, Passage, Verdict

if TYPE_CHECKING:
    from veracity.verifier.base import NLIBackend

DEFAULT_REFUTE_THRESHOLD = 0.5
MIN_REFUTING_OVERLAP = 0.3  # share of the claim's content words a window needs before it may refute
WINDOW_MODES = ("digest", "packed")  # how long evidence is read (`NLIJudge(windows=...)`)
DIGEST_TOKENS = 160  # with windows="digest": a long evidence text's sentences read, up to this many tokens (benchmarks/long_evidence.py)
DEFAULT_MAX_WINDOWS = 6  # with windows="packed": windows of a long evidence text scored per claim; None: all
RARE_WINDOWS = 3  # a claim word in at most this many windows keeps its windows (a window and its sentence share words)
# How an evidence text's windows give one raw P(supported) (`NLIJudge(support_rule=...)`; a model's metadata names
# the rule its calibration was fitted on). "entailment": the most decisive window's entailment (a related window
# that contradicts more strongly decides). "entailment_x_coverage": the strongest entailment times the largest
# share of the claim's content words in one window (benchmarks/verifier_aggregation.py, docs/verifier.md).
SUPPORT_RULES = ("entailment", "entailment_x_coverage")


class NLIScores(BaseModel):
    """Probabilities of entailment, neutral and contradiction; they sum to 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entailment: float
    neutral: float
    contradiction: float


@dataclass(frozen=True)
class WindowScores:
    """The scores of the most decisive window of a premise and where it lies; the premise's raw support
    (under the judge's support rule) and the window with the strongest entailment."""

    scores: NLIScores
    window: Window
    support: float
    support_window: Window


class NLIJudge:
    """Verifies claims against evidence texts with an NLI cross-encoder.

    `model`: "default" (our packaged verifier), a local model directory, or a Hugging Face id.
    `threshold`: P(supported) at or above which a claim is supported (default: the model's tuned value, else 0.5).
    `calibrated`: map P(entailment) through the calibration shipped with the model (if any), so that
    `Verdict.probability` is a calibrated P(supported).
    `windows`: how evidence longer than the model's window is read. "packed" (default): cut into windows of
    consecutive sentences (and each sentence alone), of which `max_windows` are scored (the most relevant to
    the claim by BM25 within the document, plus windows with its rare words: `select_windows`; None scores
    every window). "digest" (faster on long documents, opt-in): one window of the sentences that share the
    claim's words, best first up to `digest_tokens` tokens, read together in document order
    (`digest_window`); it ranks long evidence better, but the shipped threshold was fitted on packed
    scores (docs/verifier.md, "Reading long evidence"). Evidence that fits the model's window is read
    whole either way.
    `early_exit` (with windows="packed"): a number in (0.5, 1] scores the most relevant window of each long
    evidence first and the others only where that window neither entails the claim nor (sharing its words)
    contradicts it with at least this probability (the verdict can only differ where a later window would have won).
    `quote_rule`: a claim the evidence states word for word, not denied or questioned just before, is
    scored as entailed (`veracity.verifier.quotes`); False leaves every pair to the model.
    `support_rule`: how an evidence text's window scores give its raw P(supported) (`SUPPORT_RULES`); by
    default the rule the model's calibration was fitted on (its metadata), else "entailment".
    """

    def __init__(
        self,
        model: str = "default",
        *,
        batch_size: int = 32,
        threshold: float | None = None,
        refute_threshold: float = DEFAULT_REFUTE_THRESHOLD,
        threads: int | None = None,
        runtime: str = "auto",
        calibrated: bool = True,
        windows: str = "packed",
        digest_tokens: int = DIGEST_TOKENS,
        max_windows: int | None = DEFAULT_MAX_WINDOWS,
        quote_rule: bool = True,
        support_rule: str | None = None,
        early_exit: float | None = None,
    ) -> None:
        if not isinstance(model, (str, os.PathLike)):
            raise InvalidArgumentError(f"model must be a model name or a local path, not {kind(model)}")
        require_positive_int(batch_size, "batch_size")
        for name, value in (("threshold", threshold), ("refute_threshold", refute_threshold)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0):
                raise InvalidArgumentError(f"{name} must be a number in [0, 1], not {kind(value)}")
        if early_exit is not None and (isinstance(early_exit, bool) or not isinstance(early_exit, (int, float)) or not 0.5 < early_exit <= 1.0):
            raise InvalidArgumentError(f"early_exit must be None or a number in (0.5, 1], not {kind(early_exit)}")
        if windows not in WINDOW_MODES:
            raise InvalidArgumentError(f"windows must be one of {', '.join(WINDOW_MODES)}, not {windows!r}")
        require_positive_int(digest_tokens, "digest_tokens")
        if early_exit is not None and windows != "packed":
            raise InvalidArgumentError('early_exit applies to windows="packed" (a digest is one window)')
        if max_windows is not None and (isinstance(max_windows, bool) or not isinstance(max_windows, int) or max_windows < 1):
            raise InvalidArgumentError(f"max_windows must be None or a positive integer, not {kind(max_windows)}")
        if support_rule is not None and support_rule not in SUPPORT_RULES:
            raise InvalidArgumentError(f"support_rule must be one of {', '.join(SUPPORT_RULES)}, not {support_rule!r}")
        from veracity.verifier.loading import load_nli_model, set_threads  # the model code, only when a judge is built

        set_threads(threads)
        self.windows = windows
        self.digest_tokens = digest_tokens
        self.max_windows = max_windows
        self.early_exit = early_exit
        self.quote_rule = quote_rule  # a claim stated word for word is entailed (veracity.verifier.quotes)
        self.loaded: NLIBackend = load_nli_model(model, runtime)
        self.batch_size = batch_size
        self.refute_threshold = refute_threshold
        tuned = _tuning_for(self.loaded.metadata, support_rule, model, calibrated)
        self.support_rule = tuned.get("support_rule", support_rule or "entailment")
        calibration = tuned.get("calibration")
        self.calibration_spec: dict | None = calibration if calibrated and calibration else None  # as serialised
        self.calibrator: Calibrator | None = calibrator_from_dict(calibration) if self.calibration_spec else None
        tuned_key = "threshold" if self.calibrator is not None else "threshold_raw"  # the tuned cut, on the scale in use
        self.threshold = threshold if threshold is not None else float(tuned.get(tuned_key, 0.5))

    @property
    def name(self) -> str:
        return self.loaded.name

    # -- scoring ---------------------------------------------------------------------------------

    def predict(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[NLIScores]:
        """Scores for each (premise, hypothesis) pair; a long premise is split into windows (most decisive kept)."""
        return [w.scores for w in self.predict_windows(premises, hypotheses)]

    def predict_windows(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[WindowScores]:
        premises, hypotheses = require_texts(premises, "premises"), require_texts(hypotheses, "hypotheses")
        if len(premises) != len(hypotheses):
            raise VeracityError(f"{len(premises)} premises but {len(hypotheses)} hypotheses")
        windows_per_pair = [self._windows(p, h) for p, h in zip(premises, hypotheses)]
        if self.early_exit is None:
            scored = self._score_windows(windows_per_pair, hypotheses)
        else:
            # Early exit: the most relevant window of each pair first; the others only where it decided nothing.
            first = [select_windows(ws, h, 1, rare=0) for ws, h in zip(windows_per_pair, hypotheses)]
            scored = self._score_windows(first, hypotheses)
            rest = [
                [] if self._decided(done, h) else [w for w in ws if w not in chosen]
                for ws, chosen, done, h in zip(windows_per_pair, first, scored, hypotheses)
            ]
            scored = [done + more for done, more in zip(scored, self._score_windows(rest, hypotheses))]
        return [_most_decisive(s, h, self.support_rule) for s, h in zip(scored, hypotheses)]

    def _score_windows(self, windows_per_pair: list[list[Window]], hypotheses: Sequence[str]) -> list[list[tuple[NLIScores, Window]]]:
        """Every window of every pair scored in one batched pass, grouped back by pair."""
        flat = [(w, h) for windows, h in zip(windows_per_pair, hypotheses) for w in windows]
        flat_scores = self._score([w.input_text for w, _ in flat], [h for _, h in flat])
        grouped, i = [], 0
        for windows in windows_per_pair:
            grouped.append(list(zip(flat_scores[i : i + len(windows)], windows)))
            i += len(windows)
        return grouped

    def _decided(self, scored: list[tuple[NLIScores, Window]], hypothesis: str) -> bool:
        """Whether a window already entails the claim, or (sharing its words) contradicts it, beyond `early_exit`."""
        assert self.early_exit is not None
        return any(
            s.entailment >= self.early_exit
            or (s.contradiction >= self.early_exit and lexical_overlap(w.input_text, hypothesis) >= MIN_REFUTING_OVERLAP)
            for s, w in scored
        )

    def raw_support(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[float]:
        """Uncalibrated P(supported) of each (evidence, claim) pair under the judge's support rule."""
        return [w.support for w in self.predict_windows(premises, hypotheses)]

    def p_supported(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[float]:
        """Calibrated P(supported) of each (evidence, claim) pair: what `Verdict.probability` reports."""
        return self.calibrate_support(self.raw_support(premises, hypotheses))

    def calibrate_support(self, raw: Sequence[float]) -> list[float]:
        """The model's calibration map applied to raw support scores (unchanged where there is none)."""
        raw = [float(r) for r in raw]
        if self.calibrator is None or not raw:
            return raw
        return [float(p) for p in self.calibrator.predict(raw)]

    def _windows(self, premise: str, hypothesis: str) -> list[Window]:
        claim_tokens = self._count_tokens(hypothesis)
        budget = self.loaded.max_length - claim_tokens - 4  # [CLS] [SEP] [SEP] and a margin
        if budget < 16:
            # The claim alone fills the window: the model sees it whole with the start of the evidence.
            budget = 16
        if self.windows == "digest":
            if self._count_tokens(premise) <= budget:
                return [Window(premise, 0, len(premise))]
            return [digest_window(premise, hypothesis, min(budget, self.digest_tokens), self._count_tokens)]
        windows = split_windows(premise, budget, self._count_tokens)
        if len(windows) == 1:
            return windows
        # Long evidence: also score each sentence alone, so that one supporting sentence is not
        # drowned by the unrelated sentences packed into the same window.
        packed = {(w.start, w.end) for w in windows}
        sentences = [Window(premise[s:e], s, e) for s, e in sentence_spans(premise) if (s, e) not in packed]
        candidates = windows + [w for w in sentences if self._count_tokens(w.text) <= budget]
        if self.max_windows is None:
            return candidates
        # Pre-selection: only the windows that share the claim's words (see `select_windows`).
        return select_windows(candidates, hypothesis, self.max_windows, rare=RARE_WINDOWS)

    def _count_tokens(self, text: str) -> int:
        return len(self.loaded.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def _score(self, premises: list[str], hypotheses: list[str]) -> list[NLIScores]:
        """Score pairs in length-sorted batches (less padding), results in input order."""
        order = sorted(range(len(premises)), key=lambda i: len(premises[i]) + len(hypotheses[i]))
        out: dict[int, NLIScores] = {}
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            rows = self.loaded.probabilities([premises[i] for i in idx], [hypotheses[i] for i in idx])
            for i, (entail, neutral, contra) in zip(idx, rows):
                if self.quote_rule and entail < QUOTED_ENTAILMENT and is_quoted(premises[i], hypotheses[i]):
                    # Stated word for word (veracity.verifier.quotes): entailed, the rest scaled down.
                    rest = (1.0 - QUOTED_ENTAILMENT) / max(neutral + contra, 1e-9)
                    entail, neutral, contra = QUOTED_ENTAILMENT, neutral * rest, contra * rest
                out[i] = NLIScores(entailment=entail, neutral=neutral, contradiction=contra)
        return [out[i] for i in range(len(premises))]

    def support_probabilities(self, scores: Sequence[NLIScores]) -> list[float]:
        """The calibration map applied to P(entailment) alone: P(supported) under the "entailment" rule.

        Under another support rule the map expects that rule's raw scores: use `p_supported(premises,
        hypotheses)`, which applies the judge's rule.
        """
        return self.calibrate_support([s.entailment for s in scores])

    # -- verdicts --------------------------------------------------------------------------------

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        """The verdict on one claim given its evidence passages (texts or retrieved `Evidence`)."""
        require_claim(claim)
        require_evidence(evidence)
        return self.verify_many([claim], [evidence])[0]

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        """Verdicts for many claims in one batched model pass."""
        for i, claim in enumerate(require_sequence(claims, "claims")):
            require_claim(claim, f"claims[{i}]")
        for i, ev in enumerate(require_sequence(evidence, "evidence")):
            require_evidence(ev, f"evidence[{i}]")
        if len(claims) != len(evidence):
            raise VeracityError(f"{len(claims)} claims but {len(evidence)} evidence lists")
        texts = [c.text if isinstance(c, Claim) else c for c in claims]
        for text in texts:
            if not text or not text.strip():
                raise EmptyInputError("a claim to verify is empty")
        items = [[as_evidence(e, j) for j, e in enumerate(ev)] for ev in evidence]
        pairs = [(i, e) for i, ev in enumerate(items) for e in ev]
        scored = self.predict_windows([e.passage.text for _, e in pairs], [texts[i] for i, _ in pairs])
        per_claim: list[list[tuple[Evidence, WindowScores]]] = [[] for _ in claims]
        for (i, e), ws in zip(pairs, scored):
            per_claim[i].append((e, ws))
        decided = [self._decide(found, text) for found, text in zip(per_claim, texts)]
        return sharpen([v for v, _ in decided], texts, self._score, [parts for _, parts in decided])

    def _decide(self, found: list[tuple[Evidence, WindowScores]], claim: str) -> tuple[Verdict, list[tuple[int, int]] | None]:
        """The verdict, and the sentences of its deciding window the verifier read (offsets into that window;
        None where it read the whole window)."""
        if not found:
            return Verdict(label="not_enough_info", probability=None, reason="no evidence passages to check against"), None
        support = max(found, key=lambda f: f[1].support)
        related = [f for f in found if lexical_overlap(f[1].window.input_text, claim) >= MIN_REFUTING_OVERLAP]
        refute = max(related, key=lambda f: f[1].scores.contradiction) if related else None
        p_support = self.calibrate_support([support[1].support])[0]
        if p_support >= self.threshold:
            label, decider, reason = "supported", support, "entailed by the evidence"
        elif refute is not None and refute[1].scores.contradiction >= self.refute_threshold:
            label, decider, reason = "refuted", refute, "contradicted by the evidence"
        else:
            label, decider, reason = "not_enough_info", support, "the evidence neither entails nor contradicts it"
        ranked = [decider] + sorted(
            (f for f in found if f is not decider), key=lambda f: -max(f[1].scores.entailment, f[1].scores.contradiction)
        )
        decisive = decider[1].window if label == "refuted" else decider[1].support_window
        window = (decisive.start, decisive.end)
        verdict = Verdict(
            label=label,
            probability=round(float(p_support), 6),
            reason=reason,
            evidence=[_narrow(e, ws) for e, ws in ranked],
            decided_by=decision_in_window(0, decider[0].passage, window, claim, decisive.parts),
        )
        read = None if decisive.parts is None else [(s - decisive.start, e - decisive.start) for s, e in decisive.parts]
        return verdict, read


def _tuning_for(metadata: dict, rule: str | None, model: object, calibrated: bool) -> dict:
    """The calibration map and thresholds a model's metadata holds for a support rule (with "support_rule" set).

    The top level holds those of the model's own rule (`support_rule`, "entailment" if absent); `support_rules`
    may hold those of other rules, fitted the same way (`python -m veracity.verifier.calibrate --support-rule`).
    """
    own = str(metadata.get("support_rule", "entailment"))
    if own not in SUPPORT_RULES:
        raise VeracityError(f"model {model!r} names an unknown support_rule {own!r} in its metadata")
    if rule is None or rule == own:
        return {**metadata, "support_rule": own}
    others = metadata.get("support_rules") or {}
    if rule in others:
        return {**others[rule], "support_rule": rule}
    if calibrated and metadata.get("calibration"):
        raise InvalidArgumentError(
            f"model {model!r} is calibrated for support_rule {own!r}, not {rule!r}: calibrate it for that rule "
            f"(python -m veracity.verifier.calibrate --support-rule {rule} ...) or pass calibrated=False"
        )
    return {"support_rule": rule}


def _most_decisive(scored: list[tuple[NLIScores, Window]], hypothesis: str, rule: str = "entailment") -> WindowScores:
    """The window with the strongest support, unless a related window contradicts more strongly; and the
    premise's raw support under `rule` (`SUPPORT_RULES`).

    Only windows that share enough of the claim's content words may refute it: NLI models trained on
    related sentence pairs call unrelated text "contradiction", which would turn every long document
    with an off-topic window into a refutation.
    """
    coverage = [lexical_overlap(w.input_text, hypothesis) for _, w in scored]
    covered = max(coverage) if content_tokens(hypothesis) else 1.0  # a claim of stopwords only has nothing to cover
    support = max(scored, key=lambda s: s[0].entailment)
    related = [s for s, c in zip(scored, coverage) if c >= MIN_REFUTING_OVERLAP] or [support]
    contra = max(related, key=lambda s: s[0].contradiction)
    best = support if support[0].entailment >= contra[0].contradiction else contra
    if rule == "entailment_x_coverage":
        return WindowScores(best[0], best[1], support[0].entailment * covered, support[1])
    return WindowScores(best[0], best[1], best[0].entailment, best[1])


def _narrow(evidence: Evidence, ws: WindowScores) -> Evidence:
    """Evidence re-scored by the verifier (P(supported)) and narrowed to the window that decided it."""
    passage = evidence.passage
    if (ws.window.start, ws.window.end) != (0, len(passage.text)):
        passage = Passage(
            id=f"{passage.id}@{ws.window.start}",
            doc_id=passage.doc_id,
            text=ws.window.text,
            start=passage.start + ws.window.start,
            end=passage.start + ws.window.end,
        )
    return Evidence(passage=passage, score=round(ws.scores.entailment, 6), source=evidence.source)


register_judge("nli")(NLIJudge)


@register_judge("nli-digest")
def digest_judge(model: str = "default", **options: object) -> NLIJudge:
    """`NLIJudge(model, windows="digest")`: the spec "nli-digest:<model>" (e.g. `veracity check --judge nli-digest:default`)."""
    return NLIJudge(model or "default", windows="digest", **options)  # type: ignore[arg-type]
