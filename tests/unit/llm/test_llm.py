"""veracity.llm against a real local HTTP server speaking the OpenAI chat-completions protocol.

Each provider failure (timeout, 429, 5xx, garbage, missing logprobs, unparseable structured output) is produced
at the HTTP level and must end in a retried success or a typed `unscored` result: no escaped exception, no NaN.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from veracity.errors import VeracityError
from veracity.llm import (
    Completion,
    LLMClient,
    LLMError,
    LLMProviderError,
    LLMRateLimited,
    LLMTimeout,
    LLMUnavailable,
    Request,
)

PV = "test-v1"
MESSAGES = [{"role": "user", "content": "Is the claim supported? Answer yes or no."}]


# -- the scripted server -----------------------------------------------------------------------------------


@dataclass
class Reply:
    """A 200 chat completion. `logprobs`: 'full', 'empty' (content: []), or 'missing' (no logprobs key)."""

    text: str = "yes"
    logprobs: str = "full"
    delay: float = 0.0
    nan: bool = False


@dataclass
class Status:
    code: int
    retry_after: str | None = None


@dataclass
class Raw:
    body: bytes


@dataclass
class Hang:
    seconds: float


Action = Reply | Status | Raw | Hang


def _completion_body(model: str, reply: Reply) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": reply.text},
        "finish_reason": "stop",
    }
    if reply.logprobs == "full":
        first = float("nan") if reply.nan else -0.105
        choice["logprobs"] = {
            "content": [
                {
                    "token": reply.text,
                    "logprob": first,
                    "bytes": None,
                    "top_logprobs": [
                        {"token": reply.text, "logprob": -0.105, "bytes": None},
                        {"token": "no", "logprob": -2.303, "bytes": None},
                    ],
                }
            ]
        }
    elif reply.logprobs == "empty":
        choice["logprobs"] = {"content": []}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": 11, "completion_tokens": 1, "total_tokens": 12},
    }


class FakeOpenAI:
    """Pops one scripted action per request (default: a good reply); counts requests and peak concurrency."""

    def __init__(self) -> None:
        self.script: deque[Action] = deque()
        self.default: Action = Reply()
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                    action = fake.script.popleft() if fake.script else fake.default
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    fake._respond(self, body, action)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        handler.send_response(code)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _respond(self, handler: BaseHTTPRequestHandler, body: dict[str, Any], action: Action) -> None:
        if isinstance(action, Hang):
            time.sleep(action.seconds)
            action = Reply()
        if isinstance(action, Reply):
            time.sleep(action.delay)
            self._send(handler, 200, json.dumps(_completion_body(body.get("model", "?"), action)).encode())
        elif isinstance(action, Status):
            error = {"error": {"message": f"scripted {action.code}", "type": "test", "code": str(action.code)}}
            headers = {"retry-after": action.retry_after} if action.retry_after else None
            self._send(handler, action.code, json.dumps(error).encode(), headers)
        else:
            self._send(handler, 200, action.body)

    @property
    def count(self) -> int:
        return len(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    yield fake
    fake.close()


@pytest.fixture
def fake(server: FakeOpenAI) -> FakeOpenAI:
    deadline = time.monotonic() + 10.0  # handlers a client gave up on (timeouts) may still be sleeping
    while server.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    server.script.clear()
    server.default = Reply()
    server.requests.clear()
    server.max_in_flight = 0
    return server


def make_client(fake: FakeOpenAI, tmp_path: Path, **overrides: Any) -> LLMClient:
    options: dict[str, Any] = {
        "api_base": fake.url,
        "api_key": "test",
        "cache": tmp_path / "llm.sqlite",
        "timeout": 5.0,
        "max_retries": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
    }
    options.update(overrides)
    return LLMClient("openai/fake-judge", **options)


def assert_no_nan(completions: list[Completion]) -> None:
    for c in completions:
        assert math.isfinite(c.usage.cost_usd)
        for t in c.logprobs or []:
            assert math.isfinite(t.logprob)
            assert all(math.isfinite(a.logprob) for a in t.top)


# -- retried successes -------------------------------------------------------------------------------------


def test_success_carries_text_logprobs_alternatives_and_usage(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = make_client(fake, tmp_path)
    [c] = client.complete(MESSAGES, prompt_version=PV, logprobs=True, top_logprobs=2, max_tokens=3)
    assert c.text == "yes" and c.model == "openai/fake-judge" and not c.cached
    assert c.logprobs is not None and c.logprobs[0].token == "yes"
    assert c.logprobs[0].logprob == pytest.approx(-0.105)
    assert [a.token for a in c.logprobs[0].top] == ["yes", "no"]
    assert c.usage.prompt_tokens == 11 and c.usage.completion_tokens == 1
    sent = fake.requests[0]
    assert sent["logprobs"] is True and sent["top_logprobs"] == 2 and sent["max_tokens"] == 3
    assert sent["temperature"] == 0.0
    assert client.stats.calls == 1 and client.stats.prompt_tokens == 11 and client.stats.completion_tokens == 1


def test_timeout_then_success(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([Hang(2.0), Reply(text="after-timeout")])
    client = make_client(fake, tmp_path, timeout=0.5)
    [c] = client.complete(MESSAGES, prompt_version=PV)
    assert c.text == "after-timeout"
    assert fake.count == 2 and client.stats.retries == 1 and client.stats.calls == 1


def test_rate_limit_then_success(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([Status(429, retry_after="0"), Reply(text="after-429")])
    client = make_client(fake, tmp_path)
    assert client.complete(MESSAGES, prompt_version=PV)[0].text == "after-429"
    assert fake.count == 2 and client.stats.retries == 1


def test_server_errors_twice_then_success(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([Status(500), Status(503), Reply(text="after-5xx")])
    client = make_client(fake, tmp_path)
    assert client.complete(MESSAGES, prompt_version=PV)[0].text == "after-5xx"
    assert fake.count == 3 and client.stats.retries == 2 and client.stats.attempts == 3


def test_garbage_once_then_success(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([Raw(b"<html>upstream proxy error</html>"), Reply(text="after-garbage")])
    client = make_client(fake, tmp_path)
    assert client.complete(MESSAGES, prompt_version=PV)[0].text == "after-garbage"
    assert fake.count == 2


# -- typed failures and unscored results -------------------------------------------------------------------


def test_retries_exhausted_raise_typed_errors(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = make_client(fake, tmp_path, max_retries=2)
    fake.default = Status(429)
    with pytest.raises(LLMRateLimited) as rate_limited:
        client.complete(MESSAGES, prompt_version=PV)
    assert fake.count == 3 and isinstance(rate_limited.value, VeracityError)
    fake.default = Status(502)
    with pytest.raises(LLMProviderError):
        client.complete(MESSAGES, prompt_version="other")
    fake.default = Hang(1.0)
    with pytest.raises(LLMTimeout):
        make_client(fake, tmp_path, max_retries=0, timeout=0.3).complete(MESSAGES, prompt_version="t")
    assert client.stats.failures == 2


def test_client_errors_are_not_retried(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = make_client(fake, tmp_path)
    fake.script.append(Status(400))
    with pytest.raises(LLMProviderError):
        client.complete(MESSAGES, prompt_version=PV)
    fake.script.append(Status(401))
    with pytest.raises(LLMUnavailable):
        client.complete(MESSAGES, prompt_version=PV)
    assert fake.count == 2


@pytest.mark.parametrize(
    "body",
    [
        b"this is not json",
        b'{"id": "x", "object": "chat.completion", "model": "fake-judge"}',
        b'{"choices": []}',
        b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": null}}]}',
    ],
    ids=["non-json", "no-choices", "empty-choices", "null-content"],
)
def test_garbage_always_ends_unscored(fake: FakeOpenAI, tmp_path: Path, body: bytes) -> None:
    fake.default = Raw(body)
    client = make_client(fake, tmp_path, max_retries=1)
    with pytest.raises(LLMError):
        client.complete(MESSAGES, prompt_version=PV)
    [result] = client.map([Request(MESSAGES, prompt_version=PV)])
    assert result.completions is None and result.unscored_reason
    structured = client.structured(MESSAGES, Verdict, prompt_version=PV)
    assert structured.value is None and structured.unscored_reason


@pytest.mark.parametrize("mode", ["empty", "missing"])
def test_missing_logprobs_are_none_and_unscored_for_judges(fake: FakeOpenAI, tmp_path: Path, mode: str) -> None:
    fake.default = Reply(logprobs=mode)
    client = make_client(fake, tmp_path)
    [c] = client.complete(MESSAGES, prompt_version=PV, logprobs=True, top_logprobs=2)
    assert c.text == "yes" and c.logprobs is None
    [result] = client.map([Request(MESSAGES, prompt_version=PV, logprobs=True, top_logprobs=2)])
    assert result.completions is None and "no token logprobs" in (result.unscored_reason or "")


def test_nan_logprob_from_provider_is_dropped_not_passed_on(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.default = Reply(nan=True)  # json.dumps writes a bare NaN, which Python's json accepts
    client = make_client(fake, tmp_path)
    [c] = client.complete(MESSAGES, prompt_version=PV, logprobs=True, top_logprobs=2)
    assert c.logprobs is None
    assert_no_nan([c])


def test_unknown_provider_and_missing_key_are_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LLMUnavailable):
        LLMClient("no-such-provider/some-model", cache=None)
    with pytest.raises(LLMUnavailable):
        LLMClient("local/does-not-exist", cache=None)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = LLMClient("gpt-4o-mini", cache=None)
    with pytest.raises(LLMUnavailable, match="OPENAI_API_KEY"):
        client.complete(MESSAGES, prompt_version=PV)
    [result] = client.map([Request(MESSAGES, prompt_version=PV)])
    assert result.unscored_reason and "OPENAI_API_KEY" in result.unscored_reason


# -- structured output -------------------------------------------------------------------------------------


class Verdict(BaseModel):
    label: str
    confidence: float


def test_structured_parses_and_repairs_locally(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.default = Reply(text='Sure! ```json\n{"label": "supported", "confidence": 0.8,}\n```')
    result = make_client(fake, tmp_path).structured(MESSAGES, Verdict, prompt_version=PV)
    assert result.value == Verdict(label="supported", confidence=0.8)
    assert result.attempts == 1 and fake.count == 1


def test_structured_reask_succeeds(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([Reply(text="I think it is supported."), Reply(text='{"label": "supported", "confidence": 0.7}')])
    result = make_client(fake, tmp_path).structured(MESSAGES, Verdict, prompt_version=PV)
    assert result.value == Verdict(label="supported", confidence=0.7) and result.attempts == 2
    reask = fake.requests[1]["messages"]
    assert reask[-2] == {"role": "assistant", "content": "I think it is supported."}
    assert "could not be parsed" in reask[-1]["content"] and "confidence" in reask[-1]["content"]


def test_structured_twice_unparseable_is_unscored(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([Reply(text="no idea"), Reply(text='{"label": "supported"}')])
    result = make_client(fake, tmp_path).structured(MESSAGES, Verdict, prompt_version=PV)
    assert result.value is None and result.attempts == 2 and fake.count == 2
    assert result.unscored_reason and "confidence" in result.unscored_reason
    assert result.raw == '{"label": "supported"}'


@pytest.mark.parametrize("text", ['{"label": "x", "confidence": NaN}', '{"label": "x", "confidence": "nan"}'])
def test_structured_never_returns_nan(fake: FakeOpenAI, tmp_path: Path, text: str) -> None:
    fake.default = Reply(text=text)
    result = make_client(fake, tmp_path).structured(MESSAGES, Verdict, prompt_version=PV)
    assert result.value is None and result.unscored_reason


# -- cache, accounting, dry run, concurrency ---------------------------------------------------------------


def test_second_identical_run_makes_zero_model_calls(fake: FakeOpenAI, tmp_path: Path) -> None:
    requests = [Request([{"role": "user", "content": f"claim {i}"}], prompt_version=PV) for i in range(5)]
    requests.append(Request(MESSAGES, prompt_version=PV, logprobs=True, top_logprobs=2))
    first = make_client(fake, tmp_path)
    assert all(r.ok for r in first.map(requests))
    run1 = first.reset_stats()
    assert run1.calls == 6 and run1.cache_hits == 0 and fake.count == 6
    first.close()

    second = make_client(fake, tmp_path)  # a new process would see the same SQLite file
    before = fake.count
    results = second.map(requests)
    assert fake.count == before, "the second run must not reach the server"
    assert second.stats.cache_hits == run1.calls and second.stats.calls == 0
    assert all(r.completions and r.completions[0].cached for r in results)
    assert results[-1].completions and results[-1].completions[0].logprobs is not None
    assert second.estimate(requests).calls == 0

    changed = make_client(fake, tmp_path).complete(MESSAGES, prompt_version="test-v2")  # new prompt version
    assert not changed[0].cached and fake.count == before + 1


def test_cache_disabled_calls_every_time(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = make_client(fake, tmp_path, cache=None)
    client.complete(MESSAGES, prompt_version=PV)
    client.complete(MESSAGES, prompt_version=PV)
    assert fake.count == 2 and client.stats.cache_hits == 0


def test_estimate_is_a_dry_run(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = make_client(fake, tmp_path)
    requests = [Request([{"role": "user", "content": "word " * 40}], prompt_version=PV, max_tokens=8) for _ in range(3)]
    estimate = client.estimate(requests)
    assert fake.count == 0
    assert estimate.calls == 3 and estimate.cached == 0 and estimate.max_completion_tokens == 24
    assert 3 * 30 <= estimate.prompt_tokens <= 3 * 80
    gpt = LLMClient("gpt-4o-mini", cache=None).estimate(requests)
    assert gpt.max_cost_usd is not None and 0 < gpt.max_cost_usd < 0.01


def test_concurrency_is_bounded(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.default = Reply(delay=0.2)
    client = make_client(fake, tmp_path, max_concurrency=3)
    requests = [Request([{"role": "user", "content": f"claim {i}"}], prompt_version=PV) for i in range(9)]
    started = time.monotonic()
    results = client.map(requests)
    assert all(r.ok for r in results) and fake.count == 9
    assert fake.max_in_flight == 3
    assert time.monotonic() - started >= 0.55


def test_sync_wrapper_inside_a_running_loop(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = make_client(fake, tmp_path)

    async def main() -> tuple[str, str]:
        sync_text = client.complete(MESSAGES, prompt_version=PV)[0].text  # blocks this loop, works anyway
        async_text = (await client.acomplete(MESSAGES, prompt_version="async"))[0].text
        return sync_text, async_text

    assert asyncio.run(main()) == ("yes", "yes")
    assert asyncio.run(client.acomplete(MESSAGES, prompt_version="second-loop"))[0].text == "yes"
