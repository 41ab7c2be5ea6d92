"""`FactChecker`: claims -> evidence -> verdicts -> `Report`."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veracity.claims import ClaimExtractor, Extraction, extract_claims_and_skipped, get_extractor
from veracity.claims.limits import ClaimLimits
from veracity.errors import InvalidArgumentError, VeracityError
from veracity.inputs import as_contexts, kind, require_positive_int, require_text, require_texts
from veracity.judges import Judge, get_judge
from veracity.judges.registry import StagedVerdicts, verify_with_stats
from veracity.provenance import Provenance, RunSpec, run_spec
from veracity.kg.load import as_kg_retriever
from veracity.types import Claim, ClaimResult, Document, Evidence, JudgeStats, Passage, Report

if TYPE_CHECKING:
    from veracity.attribution.rag import RAGReport

Context = str | Document | Passage


def context_evidence(contexts: Sequence[Context]) -> list[Evidence]:
    """Evidence from the passages a RAG pipeline supplied (1-based ids `ctx1`, `ctx2`, ...)."""
    evidence = []
    for i, context in enumerate(contexts, 1):
        if isinstance(context, Passage):
            passage = context
        elif isinstance(context, Document):
            passage = Passage(id=context.id, doc_id=context.id, text=context.text, start=0, end=len(context.text))
        elif isinstance(context, str):
            passage = Passage(id=f"ctx{i}", doc_id=f"ctx{i}", text=context, start=0, end=len(context))
        else:
            raise VeracityError(f"context {i} must be text, a Document or a Passage, not {type(context).__name__}")
        if passage.text.strip():
            evidence.append(Evidence(passage=passage, score=1.0, source="context"))
    return evidence


def __getattr__(name: str) -> Any:
    if name == "load_kg":  # moved in 0.x: veracity.kg.load_kg
        warnings.warn("veracity.pipeline.load_kg moved to veracity.kg.load_kg", DeprecationWarning, stacklevel=2)
        from veracity.kg.load import load_kg

        return load_kg
    raise AttributeError(f"module 'veracity.pipeline' has no attribute {name!r}")


def _check_components(index: object, judge: object, extractor: object, limits: object) -> None:
    """InvalidArgumentError, naming the argument, for a component of the wrong type."""
    if index is not None and not isinstance(index, (str, Path)) and not callable(getattr(index, "search_many", None)):
        raise InvalidArgumentError(f"index must be a HybridIndex, a saved index's path or None, not {kind(index)}")
    if not isinstance(judge, str) and not callable(getattr(judge, "verify_many", None)):
        raise InvalidArgumentError(f"judge must be a judge name (e.g. 'default', 'llm:<model>') or a Judge, not {kind(judge)}")
    if not isinstance(extractor, str) and not callable(getattr(extractor, "extract", None)):
        raise InvalidArgumentError(f"extractor must be an extractor name ('spacy', 'llm:<model>') or a ClaimExtractor, not {kind(extractor)}")
    if limits is not None and not isinstance(limits, ClaimLimits):
        raise InvalidArgumentError(f"claim_limits must be a ClaimLimits or None, not {kind(limits)}")


def _passage_ids(contexts: Sequence[Context]) -> list[str]:
    return [c.id if isinstance(c, (Passage, Document)) else f"ctx{i}" for i, c in enumerate(contexts, 1)]


class FactChecker:
    """Checks every atomic claim of a text against given contexts or a retrieval index.

    `index`: a `HybridIndex` (or anything with `search_many(queries, k)`), or a path to a saved one.
    `judge`: a `Judge`, or a judge spec for `get_judge` ("default" = our offline verifier; "llm:<model>";
    "cascade:<model>" = ours first, the LLM for the claims it is unsure of, counts in `Report.judge_stats`).
    `extractor`: "spacy" (offline), "llm" / "llm:<model>" (an LLM writes the claims), or a `ClaimExtractor`.
    `kg`: a `KnowledgeGraph` (or a `KGRetriever`, or a path to a saved graph). A claim the graph decides
    (its triple is present, or a functional relation holds another object) gets the graph's verdict;
    otherwise the graph's verbalised triples join the evidence the judge reads. `Evidence.source`
    and the verdict's reason say which one decided.

    Construction loads no model: a judge given by name is built on first use of `judge` (once, even
    from several threads; the models themselves are loaded once per process and shared), the spaCy
    pipeline on the first extraction and the embedder on the first search.
    """

    def __init__(
        self,
        index=None,
        judge: str | Judge = "default",
        k: int = 5,
        extractor: str | ClaimExtractor = "spacy",
        kg=None,
        claim_limits: ClaimLimits | None = None,
    ) -> None:
        _check_components(index, judge, extractor, claim_limits)
        require_positive_int(k, "k")
        self.claim_limits = claim_limits or ClaimLimits()
        if isinstance(index, (str, Path)):
            from veracity.retrieval import HybridIndex

            index = HybridIndex.load(index)
        self.index = index
        self.kg = as_kg_retriever(kg) if kg is not None else None
        self._judge: str | Judge = judge
        self._judge_lock = threading.Lock()
        self.k = k
        # "spacy" stays a name (loaded on first use); other extractors are built once (an LLM client, say).
        self.extractor = extractor if extractor == "spacy" else get_extractor(extractor)

    @property
    def judge(self) -> Judge:
        """The judge; one given by name is built (its model loaded) on first access."""
        judge = self._judge
        if isinstance(judge, str):
            with self._judge_lock:
                if isinstance(self._judge, str):
                    self._judge = get_judge(self._judge)
                judge = self._judge
        return judge

    @judge.setter
    def judge(self, judge: str | Judge) -> None:
        _check_components(None, judge, "spacy", None)
        self._judge = judge

    def check(self, text: str, *, contexts: Sequence[Context] | None = None) -> Report:
        """A report on `text`; with `contexts`, claims are checked against those passages only.

        `contexts`: a list of texts, `Document`s, `Passage`s or mappings with `text` and optional `id`,
        `title` (`veracity.inputs.as_contexts`); anything else raises `InvalidArgumentError`."""
        require_text(text, "text to check")
        return self.check_many([text], None if contexts is None else [as_contexts(contexts)])[0]

    def check_many(self, texts: Sequence[str], contexts: Sequence[Sequence[Context] | None] | None = None) -> list[Report]:
        """Reports for many texts, with one batched verifier pass over all their claims."""
        texts = require_texts(texts, "texts")
        if contexts is not None and (isinstance(contexts, (str, bytes)) or not isinstance(contexts, Sequence)):
            raise InvalidArgumentError(f"contexts must be a list with one list of contexts (or None) per text, not {kind(contexts)}")
        contexts = [None if c is None else as_contexts(c, f"contexts[{i}]") for i, c in enumerate(contexts)] if contexts is not None else [None] * len(texts)
        if len(contexts) != len(texts):
            raise VeracityError(f"{len(texts)} texts but {len(contexts)} context lists")
        extractions = [self._claims(text, ctx) for text, ctx in zip(texts, contexts)]
        claims_per_text = [e.claims for e in extractions]
        evidence_per_text = [self._evidence(claims, ctx) for claims, ctx in zip(claims_per_text, contexts)]
        flat_claims = [c for claims in claims_per_text for c in claims]
        flat_evidence = [e for evidence in evidence_per_text for e in evidence]
        all_verdicts, stats = self._verdicts(flat_claims, flat_evidence)
        verdicts, per_claim = iter(all_verdicts), iter(stats or [])
        spec = self.run_spec()
        reports = []
        for text, claims, ctx, extraction in zip(texts, claims_per_text, contexts, extractions):
            results = [ClaimResult(claim=claim, verdict=next(verdicts)) for claim in claims]
            own = None
            if stats is not None:
                own = JudgeStats.total([s for s in (next(per_claim) for _ in claims) if s is not None])
            report = Report.of(text, results, judge_stats=own, skipped=extraction.skipped, fallbacks=extraction.fallbacks)
            reports.append(report.model_copy(update={"provenance": self._provenance(spec, ctx)}))
        return reports

    def run_spec(self) -> RunSpec:
        """What this checker is: versions, models, weights hashes, settings (`veracity.provenance`).

        Computed once, and again when the index or knowledge graph has changed."""
        key = (getattr(self.index, "generation", None), getattr(getattr(self.index, "index", None), "generation", None),
               self.kg.kg.num_triples if self.kg is not None else None, self.k)
        if getattr(self, "_spec", None) is None or self._spec[0] != key:
            self._spec = (key, run_spec(self))
        return self._spec[1]

    def _provenance(self, spec: RunSpec, contexts: Sequence[Context] | None) -> Provenance:
        evidence = "contexts" if contexts is not None else "retriever" if self.index is not None else "kg"
        return Provenance.of(spec, evidence)

    def _verdicts(self, claims: list[Claim], evidence: list[list[Evidence]]) -> StagedVerdicts:
        """The verdicts, and each claim's stage counts from a staged judge (None for other judges).

        With a knowledge graph, a `KGJudge` over this checker's judge decides (built per call, so a
        judge replaced after construction, e.g. by the server's time budget, is the one used)."""
        judge: Judge = self.judge
        if self.kg is not None:
            from veracity.kg.judge import KGJudge

            judge = KGJudge(self.kg, fallback=self.judge, k=self.k)
        return verify_with_stats(judge, claims, evidence)

    def check_rag(
        self, question: str | None, answer: str, contexts: Sequence[Context], reference: str | Sequence[str] | None = None,
        *, at_most_citations: int = 3, answerable: bool | None = None,
    ) -> "RAGReport":
        """Claims of a RAG answer checked against its contexts, with citation quality, answer metrics and
        Trust-Score components (`report.trust`; `reference`: the expected answer, a string or a list of
        facts; `answerable`: whether the contexts hold the answer, found from `reference` when not given)."""
        contexts = as_contexts(contexts)
        return self.rag_report(
            question, self.check(answer, contexts=contexts), contexts, at_most_citations=at_most_citations,
            reference=reference, answerable=answerable,
        )

    def rag_report(
        self, question: str | None, report: Report, contexts: Sequence[Context], *, at_most_citations: int = 3,
        reference: str | Sequence[str] | None = None, answerable: bool | None = None,
    ) -> "RAGReport":
        """Extend a report on an answer with ALCE citation scores (when it cites), answer metrics and
        Trust-Score components (`veracity.attribution.trust_score`)."""
        from veracity.attribution import answer_metrics, attribution_score, citation_scores, parse_citations
        from veracity.attribution.citations import mask_citation_markers
        from veracity.attribution.rag import RAGReport
        from veracity.attribution.trust_score import trust_components

        if question is not None and not isinstance(question, str):
            raise InvalidArgumentError(f"question must be a str or None, not {kind(question)}")
        if at_most_citations is not None:
            require_positive_int(at_most_citations, "at_most_citations")
        contexts = as_contexts(contexts)
        passages = [e.passage for e in context_evidence(contexts)]
        cites = any(s.markers for s in parse_citations(report.text, _passage_ids(contexts)))
        citations = (
            citation_scores(report.text, passages, entails=self.entails, at_most_citations=at_most_citations)
            if cites
            else None
        )
        trust = trust_components(
            mask_citation_markers(report.text, _passage_ids(contexts)), [p.text for p in passages], citations,
            reference=reference, answerable=answerable, supports=self.supports, split=self._claim_texts,
        )
        return RAGReport(
            **report.model_dump(),
            question=question,
            citations=citations,
            metrics=answer_metrics(report),
            attribution_score=attribution_score(report),
            trust=trust,
        )

    def supports(self, claims: Sequence[str], passages: Sequence[str]) -> list[bool]:
        """For each claim, whether `passages` together support it according to this checker's judge."""
        if not claims:
            return []
        return [v.label == "supported" for v in self.judge.verify_many(list(claims), [list(passages)] * len(claims))]

    def _claim_texts(self, text: str) -> list[str]:
        return [c.text for c in extract_claims_and_skipped(text, extractor=self.extractor, limits=self.claim_limits).claims]

    def entails(self, premise: str, hypothesis: str) -> bool:
        """Whether `premise` supports `hypothesis` according to this checker's judge."""
        return self.judge.verify(hypothesis, [premise]).label == "supported"

    def _claims(self, text: str, contexts: Sequence[Context] | None) -> Extraction:
        require_text(text, "text to check")
        if contexts is not None:
            from veracity.attribution.citations import mask_citation_markers

            # Citation markers are not part of any claim; blanking them keeps the spans valid.
            text = mask_citation_markers(text, _passage_ids(contexts))
        return extract_claims_and_skipped(text, extractor=self.extractor, limits=self.claim_limits)

    def _evidence(self, claims: list[Claim], contexts: Sequence[Context] | None) -> list[list[Evidence]]:
        if not claims:
            return []
        if contexts is not None:
            given = context_evidence(contexts)
            return [given for _ in claims]
        if self.index is None:
            if self.kg is not None:
                return [[] for _ in claims]  # the knowledge graph brings its own evidence
            raise VeracityError("no evidence to check against: give contexts, an index (veracity index build) or a kg")
        return self.index.search_many([c.text for c in claims], k=self.k)
