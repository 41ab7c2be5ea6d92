"""The HTTP service: a real uvicorn server on 127.0.0.1, real models, real HTTP (LLM judges faked)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from _paths import REPO

from veracity.attribution import CitationScores
from veracity.attribution.rag import RAGReport
from veracity.errors import ModelNotAvailableError, VeracityError
from veracity.judges.llm import Preference, Ranking, Score
from veracity.llm.types import Completion, TokenLogprob, TopLogprob, Usage
from veracity.server import BindRefusedError, Settings, check_bind, create_app, is_loopback
from veracity.server.engine import Engine
from veracity.server.runner import BackgroundServer
from veracity.types import Claim, Report

ROOT = REPO
TEXT = "The Eiffel Tower was completed in 1889. Marie Curie researched radioactivity."
CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
    "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity.",
]
LIMITS = {"max_text_chars": 1000, "max_contexts": 4, "max_context_chars": 1000, "max_answers": 4}


class FakeLLM:
    """A completion client with well-formed judge output and logprobs (no network): it rates every
    answer 4 of 5 and prefers the longer of two answers."""

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
        usage = Usage(prompt_tokens=len(prompt) // 4, completion_tokens=5, cost_usd=0.001)
        text = f"{cue}: [{label}]"
        return [Completion(text=text, logprobs=tokens if logprobs else None, usage=usage, model=self.model) for _ in range(n)]


def wait_ready(url: str, timeout: float = 120.0) -> None:
    from veracity.client import Client

    with Client(url) as client:
        client.wait_ready(timeout)


def body_ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"]
    return response.json()


def error_of(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"} and body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


@pytest.fixture(scope="module", autouse=True)
def _keep_torch_threads():
    """The server sets torch's (process-wide) thread count; give other test modules theirs back."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def server():
    app = create_app(Settings(judge_model="fake/judge", **LIMITS), llm_client_factory=FakeLLM)
    with BackgroundServer(app) as running:
        wait_ready(running.url)
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


# -- ops ------------------------------------------------------------------------------------------


def test_health_and_readiness(http):
    assert body_ok(http.get("/healthz")) == {"status": "ok"}
    assert body_ok(http.get("/readyz")) == {"ready": True, "status": "ready", "error": None}


def test_request_id_is_echoed_or_made(http):
    assert http.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = http.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert made and made != "bad id\twith spaces"
    assert http.get("/nowhere").headers["x-request-id"]


def test_unknown_path_and_method_are_json(http):
    error_of(http.get("/nowhere"), 404, "not_found")
    error_of(http.get("/v1/verify"), 405, "method_not_allowed")


# -- verify, claims, citations --------------------------------------------------------------------


def test_verify_against_contexts_returns_a_report(http):
    report = Report.model_validate(body_ok(http.post("/v1/verify", json={"text": TEXT, "contexts": CONTEXTS})))
    assert report.text == TEXT and report.summary.n_claims == 2
    assert {e.passage.doc_id for r in report.results for e in r.verdict.evidence} <= {"ctx1", "ctx2"}


def test_verify_takes_documents_and_passages(http):
    contexts = [{"id": "eiffel", "title": "Eiffel Tower", "text": CONTEXTS[0]}, {"id": "p7", "doc_id": "curie", "text": CONTEXTS[1], "start": 40}]
    report = Report.model_validate(body_ok(http.post("/v1/verify", json={"text": TEXT, "contexts": contexts})))
    passages = {e.passage.doc_id: e.passage for r in report.results for e in r.verdict.evidence}
    assert set(passages) == {"eiffel", "curie"}
    assert passages["curie"].start >= 40


def test_verify_with_a_question_gives_a_rag_report(http):
    answer = "The Eiffel Tower was completed in 1889 [1]. Marie Curie researched radioactivity [2]."
    body = body_ok(http.post("/v1/verify", json={"text": answer, "question": None, "contexts": CONTEXTS}))
    report = RAGReport.model_validate(body)
    assert report.question is None and report.citations is not None and report.citations.n_citations == 2
    assert report.metrics.n_claims == 2
    assert "citations" not in body_ok(http.post("/v1/verify", json={"text": answer, "contexts": CONTEXTS}))


def test_verify_without_evidence_or_text_is_a_client_error(http):
    assert "index" in error_of(http.post("/v1/verify", json={"text": TEXT}), 400, "no_evidence")["message"]
    error_of(http.post("/v1/verify", json={"text": "   ", "contexts": CONTEXTS}), 422, "empty_input")


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "x" * 1001, "contexts": CONTEXTS},
        {"text": TEXT, "contexts": ["a context"] * 5},
        {"text": TEXT, "contexts": ["y" * 1001]},
        {"text": TEXT, "contexts": [{"text": "y" * 1001}]},
        {"text": TEXT, "contexts": CONTEXTS, "surprise": 1},
        {"text": 42, "contexts": CONTEXTS},
        {"contexts": CONTEXTS},
    ],
    ids=["long-text", "many-contexts", "long-context", "long-context-object", "extra-field", "wrong-type", "missing-text"],
)
def test_invalid_or_oversized_input_is_422(http, payload):
    error = error_of(http.post("/v1/verify", json=payload), 422, "invalid_request")
    assert error["details"] and "input" not in error["details"][0]


def test_malformed_json_and_huge_body(http):
    error_of(http.post("/v1/verify", content=b"{not json", headers={"content-type": "application/json"}), 422, "invalid_request")
    error_of(http.post("/v1/verify", content=b"x" * (9 * 1024 * 1024)), 413, "payload_too_large")
    chunks = (b"x" * 1024 * 1024 for _ in range(9))  # no Content-Length: counted as it arrives
    error_of(http.post("/v1/verify", content=chunks, headers={"content-type": "application/json"}), 413, "payload_too_large")


def test_claims(http):
    claims = [Claim.model_validate(c) for c in body_ok(http.post("/v1/claims", json={"text": TEXT}))["claims"]]
    assert [c.text for c in claims] == ["The Eiffel Tower was completed in 1889.", "Marie Curie researched radioactivity."]
    assert TEXT[claims[1].start : claims[1].end].startswith("Marie Curie")


def test_citations(http):
    answer = "The Eiffel Tower was completed in 1889 [1]. Marie Curie researched radioactivity [2]. It is tall."
    scores = CitationScores.model_validate(body_ok(http.post("/v1/citations", json={"answer": answer, "passages": CONTEXTS})))
    assert scores.n_sentences == 3 and scores.n_citations == 2
    assert [s.sentence.citations for s in scores.sentences] == [[0], [1], []]
    error_of(http.post("/v1/citations", json={"answer": answer, "passages": CONTEXTS, "at_most_citations": 0}), 422)


# -- LLM judges (a fake client: the server's plumbing is what is tested) ----------------------------


def test_judge_score(http):
    score = Score.model_validate(body_ok(http.post("/v1/judge/score", json={"question": "Q?", "answer": "An answer."})))
    assert score.value is not None and 3.5 < score.value < 4.6 and score.model == "fake/judge" and score.source == "logprobs"
    argmax = Score.model_validate(body_ok(http.post("/v1/judge/score", json={"question": "Q?", "answer": "A.", "scale": 10, "method": "argmax"})))
    assert argmax.value == 4.0 and argmax.scale == 10
    error_of(http.post("/v1/judge/score", json={"question": "Q?", "answer": "A.", "scale": 7}), 422, "invalid_request")


def test_judge_compare_and_rank(http):
    preference = Preference.model_validate(body_ok(http.post("/v1/judge/compare", json={"question": "Q?", "a": "short", "b": "a longer answer"})))
    assert preference.outcome == "B" and len(preference.per_order) == 2
    answers = ["mid length", "the longest answer of all", "short"]
    ranking = Ranking.model_validate(body_ok(http.post("/v1/judge/rank", json={"question": "Q?", "answers": answers})))
    assert ranking.order == [1, 0, 2]
    error_of(http.post("/v1/judge/rank", json={"question": "Q?", "answers": ["only one"]}), 422)
    error_of(http.post("/v1/judge/rank", json={"question": "Q?", "answers": ["a"] * 5}), 422)


def test_metrics_count_requests_verdicts_and_model_calls(http):
    http.post("/v1/verify", json={"text": TEXT, "contexts": CONTEXTS})
    http.post("/v1/judge/score", json={"question": "Q?", "answer": "An answer."})
    response = http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'veracity_http_requests_total{method="POST",route="/v1/verify",status="200"}' in text
    assert 'veracity_http_request_duration_seconds_bucket{le="0.5",method="POST",route="/v1/verify"}' in text
    assert "veracity_verdicts_total{label=" in text
    assert 'veracity_model_calls_total{model="fake/judge"}' in text
    assert 'veracity_model_cost_usd_total{model="fake/judge"}' in text
    assert 'veracity_work_queued{pool="model"} 0.0' in text


# -- schema fuzzing ---------------------------------------------------------------------------------


OPERATIONS = [
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("POST", "/v1/verify"), ("POST", "/v1/claims"),
    ("POST", "/v1/citations"), ("POST", "/v1/judge/score"), ("POST", "/v1/judge/compare"), ("POST", "/v1/judge/rank"),
    ("GET", "/v1/info"), ("POST", "/v1/report/html"),
]  # fmt: skip


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def test_every_operation_is_fuzzed(api_schema):
    listed = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert listed == set(OPERATIONS)


FUZZ_CASES = [
    pytest.param(method, path, mode, id=f"{method} {path} {mode}")
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if method == "POST" or mode is GenerationMode.POSITIVE  # a GET without parameters has no invalid form
]


@pytest.mark.parametrize(("method", "path", "mode"), FUZZ_CASES)
def test_fuzzed_requests_never_get_a_5xx(api_schema, method, path, mode):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case) -> None:
        response = case.call(timeout=60)
        assert response.status_code < 500, f"{method} {path}: {response.status_code} {response.text[:500]}"
        assert response.headers.get("x-request-id")

    check()


# -- auth, overload, start-up -------------------------------------------------------------------------


def test_bearer_token_auth():
    app = create_app(Settings(token="s3cret-token", allow_degraded=True), engine_loader=_never_loads)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url) as http:
        _UNBLOCK.set()  # nothing loads: the loader fails (in the background) once released
        assert body_ok(http.get("/healthz")) == {"status": "ok"}
        missing = http.post("/v1/claims", json={"text": TEXT})
        error_of(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"] == "Bearer"
        error_of(http.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
        error_of(http.get("/openapi.json", headers={"Authorization": "Basic s3cret-token"}), 401)
        assert http.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        authorised = http.post("/v1/claims", json={"text": TEXT}, headers={"Authorization": "Bearer s3cret-token"})
        assert authorised.status_code == 503  # past auth; no models in this server


def test_overload_answers_429_with_retry_after():
    app = create_app(Settings(max_concurrency=1, max_queue=1))
    payload = {"text": TEXT, "contexts": [" ".join(CONTEXTS * 3)]}
    with BackgroundServer(app) as running:
        wait_ready(running.url)
        with httpx.Client(base_url=running.url, timeout=120, limits=httpx.Limits(max_connections=16)) as http:
            send = lambda _: http.post("/v1/verify", json=payload)  # noqa: E731
            with ThreadPoolExecutor(8) as pool:
                responses = list(pool.map(send, range(8)))
            statuses = sorted(r.status_code for r in responses)
            assert set(statuses) == {200, 429} and statuses.count(200) >= 2, statuses
            for busy in (r for r in responses if r.status_code == 429):
                error_of(busy, 429, "overloaded")
                assert int(busy.headers["retry-after"]) >= 1
            assert 'veracity_rejected_total{pool="model"}' in http.get("/metrics").text
            body_ok(http.post("/v1/verify", json={"text": TEXT, "contexts": CONTEXTS}))


_UNBLOCK = threading.Event()


def _never_loads(settings: Settings, model_calls) -> Engine:
    _UNBLOCK.wait(60)
    raise RuntimeError("this test server loads no models")


def test_degraded_start_answers_while_models_load_and_reports_load_failures():
    release = threading.Event()

    def slow_loader(settings: Settings, model_calls) -> Engine:
        release.wait(60)
        return Engine.load(settings, model_calls)

    with BackgroundServer(create_app(Settings(allow_degraded=True), engine_loader=slow_loader)) as running, httpx.Client(base_url=running.url, timeout=60) as http:
        assert body_ok(http.get("/healthz")) == {"status": "ok"}
        assert http.get("/readyz").json() == {"ready": False, "status": "loading", "error": None}
        busy = http.post("/v1/verify", json={"text": TEXT, "contexts": CONTEXTS})
        error_of(busy, 503, "not_ready")
        assert busy.headers["retry-after"]
        release.set()
        wait_ready(running.url)
        body_ok(http.post("/v1/verify", json={"text": TEXT, "contexts": CONTEXTS}))

    def broken_loader(settings: Settings, model_calls) -> Engine:
        raise ModelNotAvailableError("weights file is corrupt")

    with BackgroundServer(create_app(Settings(allow_degraded=True), engine_loader=broken_loader)) as running, httpx.Client(base_url=running.url) as http:
        for _ in range(100):
            if http.get("/readyz").json()["status"] != "loading":
                break
            threading.Event().wait(0.05)
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "failed" and "corrupt" in ready.json()["error"]
        error_of(http.post("/v1/claims", json={"text": TEXT}), 503, "load_failed")


class _Exploding:
    """An engine whose work fails with an unexpected error naming internals."""

    has_index = True

    def verify(self, *args: object) -> Report:
        raise RuntimeError("secret /internal/path")

    def claims(self, text: str) -> list[Claim]:
        raise KeyError("secret")


def test_unexpected_errors_are_a_bare_500():
    with BackgroundServer(create_app(Settings(), engine_loader=lambda settings, calls: _Exploding())) as running:  # type: ignore[arg-type, return-value]
        wait_ready(running.url)
        with httpx.Client(base_url=running.url) as http:
            for path in ("/v1/verify", "/v1/claims"):
                response = http.post(path, json={"text": TEXT}, headers={"X-Request-ID": "trace-me"})
                error = error_of(response, 500, "internal_error")
                assert "secret" not in response.text and response.headers["x-request-id"] == "trace-me"
                assert "request id" in error["message"]
            assert 'status="500"' in http.get("/metrics").text


# -- binding ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "localhost", "::1", "[::1]"])
def test_loopback_hosts_need_no_token(host):
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com"])
def test_exposed_hosts_need_a_token_or_insecure(host):
    with pytest.raises(BindRefusedError, match="VERACITY_API_TOKEN"):
        check_bind(host, None)
    check_bind(host, "a-token")
    check_bind(host, None, insecure=True)


def test_cli_refuses_a_public_address_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "VERACITY_API_TOKEN"}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "veracity.cli", "serve", "--host", "0.0.0.0", "--port", str(port)],
        capture_output=True, text=True, timeout=60, env=env, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "refusing to listen on 0.0.0.0" in output and "--insecure" in output
    assert "Traceback" not in output


def test_cli_serves_with_the_token_from_the_environment():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "VERACITY_API_TOKEN": "cli-token", "VERACITY_MAX_QUEUE": "3"}
    command = [sys.executable, "-m", "veracity.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 300  # it listens once the models have loaded
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    threading.Event().wait(0.2)
            assert body_ok(http.get("/healthz")) == {"status": "ok"}
            error_of(http.get("/metrics"), 401, "unauthorized")
            assert http.get("/metrics", headers={"Authorization": "Bearer cli-token"}).status_code == 200
    finally:
        server.terminate()
        assert server.wait(timeout=30) is not None


def test_settings_from_environment():
    env = {"VERACITY_API_TOKEN": "s3cr3t-value", "VERACITY_MAX_QUEUE": "3", "VERACITY_JUDGE_MODELS": "a/b, c/d"}
    loaded = Settings.from_env(env, port=9000)
    assert loaded.token_value == "s3cr3t-value" and loaded.max_queue == 3 and loaded.judge_models == ("a/b", "c/d") and loaded.port == 9000
    assert "s3cr3t" not in repr(loaded)
    defaults = Settings.from_env({})
    assert (defaults.max_text_chars, defaults.max_contexts, defaults.max_context_chars) == (20_000, 50, 20_000)
    assert (defaults.max_concurrency, defaults.max_queue, defaults.token) == (2, 8, None)
    with pytest.raises(VeracityError, match="max_queue"):
        Settings.from_env({"VERACITY_MAX_QUEUE": "lots"})
