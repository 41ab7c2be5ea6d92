"""The RAG plugins inside their host libraries (LangChain, LlamaIndex, Inspect AI), on real objects."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

import pytest

from veracity import FactChecker
from veracity.attribution.rag import RAGReport
from veracity.errors import EmptyInputError
from veracity.plugins import guard_answer, unsupported_spans
from veracity.types import Claim, Evidence, Verdict

CURIE = (
    "Marie Curie was a Polish and naturalised-French physicist and chemist who conducted pioneering research on "
    "radioactivity. She was the first woman to win a Nobel Prize."
)
EIFFEL = "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889."
CONTEXTS = [CURIE, EIFFEL]
QUESTION = "What do we know about Marie Curie and the Eiffel Tower?"
ANSWER = (
    "Marie Curie conducted pioneering research on radioactivity [1]. "
    "The Eiffel Tower was completed in 1889 [2]. "
    "The Eiffel Tower is made of chocolate [2]. Hope this helps!"
)
FALSE_SENTENCE = "The Eiffel Tower is made of chocolate [2]."

WHEN = {"provenance": {"created_at"}}  # reports made at different moments are otherwise equal


class LexicalJudge:
    """A transparent judge for exact expectations: supported iff every word of the claim occurs in
    the evidence (case and punctuation aside), else not enough information."""

    @staticmethod
    def _words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9]+", text.lower()))

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        text = claim.text if isinstance(claim, Claim) else claim
        found = self._words(" ".join(e.passage.text if isinstance(e, Evidence) else e for e in evidence))
        if self._words(text) <= found:
            return Verdict(label="supported", probability=1.0, evidence=[e for e in evidence if isinstance(e, Evidence)])
        return Verdict(label="not_enough_info", probability=0.0)

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        return [self.verify(c, e) for c, e in zip(claims, evidence)]


@pytest.fixture(scope="module")
def checker(judge):
    return FactChecker(judge=judge)


@pytest.fixture(scope="module")
def lexical():
    return FactChecker(judge=LexicalJudge())


def _sentences_with_unsupported_claims(report: RAGReport) -> set[str]:
    return {r.claim.sentence for r in report.results if r.verdict.label in ("refuted", "not_enough_info")}


# --- LangChain -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lc():
    return pytest.importorskip("langchain_core")


def _lc_chain(runnable, answer: str = ANSWER):
    """question -> retriever (a real in-memory vector store over both documents) -> fixed answer -> runnable."""
    from langchain_core.documents import Document
    from langchain_core.embeddings import DeterministicFakeEmbedding
    from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough
    from langchain_core.vectorstores import InMemoryVectorStore

    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=32))
    store.add_documents([Document(page_content=CURIE), Document(page_content=EIFFEL)], ids=["curie", "eiffel"])
    retrieve = store.as_retriever(search_kwargs={"k": 2}) | RunnableLambda(lambda docs: sorted(docs, key=lambda d: d.id))
    generate = RunnableLambda(lambda question: answer)  # the LLM's place; no model needed
    return RunnableParallel(question=RunnablePassthrough(), documents=retrieve, answer=generate) | runnable


def test_langchain_runnable_in_an_lcel_chain(lc, checker):
    from veracity.plugins.langchain import VeracityRunnable, to_contexts

    report = _lc_chain(VeracityRunnable(checker=checker)).invoke(QUESTION)
    assert isinstance(report, RAGReport) and report.question == QUESTION
    assert [r.claim.text for r in report.results] == [
        "Marie Curie conducted pioneering research on radioactivity.",
        "The Eiffel Tower was completed in 1889.",
        "The Eiffel Tower is made of chocolate.",
    ]
    assert report.citations is not None and report.citations.n_sentences == 4 and report.citations.n_citations == 3
    assert report.metrics.n_claims == 3
    # The same as calling the checker directly with the retrieved documents (ids "curie", "eiffel").
    from langchain_core.documents import Document

    documents = [Document(id="curie", page_content=CURIE), Document(id="eiffel", page_content=EIFFEL)]
    direct = checker.check_rag(QUESTION, ANSWER, to_contexts(documents))
    assert report.model_dump(exclude=WHEN) == direct.model_dump(exclude=WHEN)


def test_langchain_named_citations_resolve_to_document_ids(lc, lexical):
    from veracity.plugins.langchain import VeracityRunnable

    answer = "The Eiffel Tower was completed in 1889 [eiffel]. Marie Curie conducted research on radioactivity [curie]."
    report = _lc_chain(VeracityRunnable(checker=lexical), answer).invoke(QUESTION)
    assert report.citations is not None
    assert [s.counted for s in report.citations.sentences] == [[1], [0]]
    assert report.citations.recall == 1.0 and report.citations.precision == 1.0


def test_langchain_batch_is_one_pass_and_keeps_errors_apart(lc, checker):
    from langchain_core.documents import Document

    from veracity.plugins.langchain import VeracityRunnable

    runnable = VeracityRunnable(checker=checker)
    docs = [Document(page_content=CURIE), Document(page_content=EIFFEL)]
    good = {"question": QUESTION, "answer": ANSWER, "documents": docs}
    single = runnable.invoke(good)
    out = runnable.batch([good, {"answer": "  ", "documents": docs}, good], return_exceptions=True)
    assert out[0].model_dump(exclude=WHEN) == single.model_dump(exclude=WHEN) == out[2].model_dump(exclude=WHEN)
    assert isinstance(out[1], EmptyInputError)
    with pytest.raises(EmptyInputError):
        runnable.invoke({"answer": "", "documents": docs})


@pytest.mark.parametrize("mode", ["drop", "flag"])
def test_langchain_guard_drops_or_flags_unsupported_sentences(lc, lexical, mode):
    from veracity.plugins.langchain import VeracityGuard

    out = _lc_chain(VeracityGuard(checker=lexical, mode=mode)).invoke(QUESTION)
    supported = "Marie Curie conducted pioneering research on radioactivity [1]. The Eiffel Tower was completed in 1889 [2]."
    if mode == "drop":
        assert out["answer"] == f"{supported} Hope this helps!"
    else:
        assert out["answer"] == f"{supported} {FALSE_SENTENCE} [unsupported] Hope this helps!"
    assert out["question"] == QUESTION and len(out["documents"]) == 2, "the rest of the input passes through"
    meta = out["metadata"]
    assert meta["original_answer"] == ANSWER and meta["unsupported_sentences"] == [FALSE_SENTENCE]
    assert isinstance(meta["veracity_report"], RAGReport) and meta["veracity_report"].metrics.n_supported == 2


def test_langchain_guard_agrees_with_the_real_verifier(lc, checker):
    from langchain_core.runnables import RunnableLambda

    from veracity.plugins.langchain import VeracityGuard, VeracityRunnable

    chain = _lc_chain(VeracityGuard(checker=checker)) | RunnableLambda(lambda out: (out["answer"], out["metadata"]))
    answer, meta = chain.invoke(QUESTION)
    report = meta["veracity_report"]
    flagged = _sentences_with_unsupported_claims(report)
    assert len(meta["unsupported_sentences"]) == len(flagged)
    assert answer == guard_answer(ANSWER, unsupported_spans(ANSWER, report, CONTEXTS))
    assert "Hope this helps!" in answer, "a sentence without claims is never dropped"
    # Re-checking the guarded answer finds nothing left to drop.
    if answer.replace("Hope this helps!", "").strip():
        again = _lc_chain(VeracityRunnable(checker=checker), answer).invoke(QUESTION)
        assert all(r.claim.sentence not in flagged for r in again.results)


def test_guard_text_edits():
    text = "One. Two. Three."
    assert guard_answer(text, []) == text
    assert guard_answer(text, [(5, 9)]) == "One. Three."
    assert guard_answer(text, [(10, 16)]) == "One. Two."
    assert guard_answer(text, [(0, 4), (5, 9)], "flag", "(?)") == "One. (?) Two. (?) Three."


# --- LlamaIndex ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama():
    return pytest.importorskip("llama_index.core")


def _llama_response(answer: str = ANSWER):
    from llama_index.core.base.response.schema import Response
    from llama_index.core.schema import NodeWithScore, TextNode

    nodes = [
        NodeWithScore(node=TextNode(id_="curie", text=CURIE), score=0.9),
        NodeWithScore(node=TextNode(id_="eiffel", text=EIFFEL), score=0.8),
    ]
    return Response(response=answer, source_nodes=nodes)


def test_llamaindex_evaluator_returns_their_result_with_claim_detail(llama, checker):
    from llama_index.core.evaluation import BaseEvaluator, EvaluationResult

    from veracity.plugins.llamaindex import VeracityEvaluator

    evaluator = VeracityEvaluator(checker, threshold=0.5)
    assert isinstance(evaluator, BaseEvaluator) and evaluator.get_prompts() == {}
    result = evaluator.evaluate(query=QUESTION, response=ANSWER, contexts=CONTEXTS)
    assert isinstance(result, EvaluationResult) and not result.invalid_result
    report = checker.check_rag(QUESTION, ANSWER, CONTEXTS)
    assert result.report.model_dump(exclude=WHEN) == report.model_dump(exclude=WHEN)
    assert result.score == report.summary.factual_precision
    assert result.passing == (result.score >= 0.5)
    assert result.contexts == CONTEXTS and result.query == QUESTION and result.response == ANSWER
    lines = result.feedback.splitlines()
    assert lines[0].startswith("factual precision")
    for claim_result in report.results:
        assert any(claim_result.claim.text in line and line.startswith(f"- {claim_result.verdict.label}") for line in lines)


def test_llamaindex_evaluate_response_takes_contexts_from_source_nodes(llama, checker):
    from veracity.plugins.llamaindex import VeracityEvaluator

    evaluator = VeracityEvaluator(checker)
    from_response = evaluator.evaluate_response(query=QUESTION, response=_llama_response())
    direct = evaluator.evaluate(query=QUESTION, response=ANSWER, contexts=CONTEXTS)
    assert from_response.model_dump(exclude={"report": WHEN}) == direct.model_dump(exclude={"report": WHEN})
    assert from_response.passing == (from_response.score == 1.0), "the default threshold is 1.0"
    asynchronous = asyncio.run(evaluator.aevaluate_response(query=QUESTION, response=_llama_response()))
    assert asynchronous.score == direct.score


def test_llamaindex_batch_eval_runner(llama, lexical):
    from llama_index.core.evaluation import BatchEvalRunner

    from veracity.plugins.llamaindex import VeracityEvaluator

    runner = BatchEvalRunner({"veracity": VeracityEvaluator(lexical)}, workers=2)
    answers = [ANSWER, "The Eiffel Tower was completed in 1889 [2].", "Hope this helps!"]
    results = runner.evaluate_responses(queries=[QUESTION] * 3, responses=[_llama_response(a) for a in answers])["veracity"]
    assert [r.score for r in results] == [pytest.approx(2 / 3), 1.0, None]
    assert [r.passing for r in results] == [False, True, None]
    assert results[2].invalid_result and results[2].invalid_reason == "no checkable claim"


# --- Inspect AI ------------------------------------------------------------------------------------

SAMPLES = [
    (ANSWER, CONTEXTS),
    ("Marie Curie was the first woman to win a Nobel Prize [1][2]. The Eiffel Tower is in Paris.", CONTEXTS),
    ("", CONTEXTS),
    ("Thanks for asking, I hope this helps!", CONTEXTS),
]


def _inspect_task(*scorers):
    from inspect_ai import Task
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ModelOutput
    from inspect_ai.solver import Generate, TaskState, solver

    @solver
    def fixed_answer():
        """The answer under test comes from the sample (an offline stand-in for a RAG model)."""

        async def solve(state: TaskState, generate: Generate) -> TaskState:
            state.output = ModelOutput.from_content(model=str(state.model), content=state.metadata["answer"])
            return state

        return solve

    dataset = MemoryDataset(
        [Sample(id=i, input=QUESTION, metadata={"answer": a, "contexts": c}) for i, (a, c) in enumerate(SAMPLES, 1)]
    )
    return Task(dataset=dataset, solver=fixed_answer(), scorer=list(scorers))


def test_inspect_scorers_in_a_real_eval(tmp_path, lexical):
    pytest.importorskip("inspect_ai")
    from inspect_ai import eval as inspect_eval

    from veracity.plugins.inspect_ai import citation_quality_scorer, factual_precision_scorer

    task = _inspect_task(factual_precision_scorer(lexical), citation_quality_scorer(lexical))
    [log] = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    scores = {s.name: s for s in log.results.scores}
    precision = scores["factual_precision_scorer"].metrics
    assert precision["mean"].value == pytest.approx((2 / 3 + 1.0) / 2), "the empty answer is left out"
    by_sample = {s.id: s.scores for s in log.samples}
    first = by_sample[1]["factual_precision_scorer"]
    assert first.value == pytest.approx(2 / 3)
    assert [c["label"] for c in first.metadata["claims"]] == ["supported", "supported", "not_enough_info"]
    cited = by_sample[1]["citation_quality_scorer"]
    assert cited.value == {"citation_recall": pytest.approx(2 / 4), "citation_precision": pytest.approx(2 / 3)}
    second = by_sample[2]["citation_quality_scorer"]
    assert second.value["citation_recall"] == 0.5, "the uncited second sentence counts as unsupported"
    assert second.value["citation_precision"] == 0.5, "[2] is irrelevant: [1] alone supports the sentence"
    assert second.metadata["sentences"][1]["citation_needed"]
    assert by_sample[3]["factual_precision_scorer"].reason == "no_response"
    # An answer that needs no citation is left out by both scorers (KNOWN-FAILURES: it was recall 0 / precision 0).
    assert by_sample[4]["factual_precision_scorer"].reason == "no_claims"
    assert by_sample[4]["citation_quality_scorer"].reason == "no_citation_needed"
    assert scores["citation_recall"].scorer == "citation_quality_scorer"
    assert scores["citation_recall"].metrics["mean"].value == pytest.approx(0.5)
    assert scores["citation_precision"].metrics["mean"].value == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_inspect_factual_precision_with_the_real_verifier(tmp_path, checker):
    pytest.importorskip("inspect_ai")
    from inspect_ai import eval as inspect_eval

    from veracity.plugins.inspect_ai import factual_precision_scorer

    [log] = inspect_eval(
        _inspect_task(factual_precision_scorer(checker)), model="mockllm/model", log_dir=str(tmp_path), display="none"
    )
    assert log.status == "success", log.error
    score = {s.id: s.scores["factual_precision_scorer"] for s in log.samples}[1]
    report = checker.check(ANSWER, contexts=CONTEXTS)
    assert score.value == pytest.approx(report.summary.factual_precision)
    assert [c["claim"] for c in score.metadata["claims"]] == [r.claim.text for r in report.results]
