"""`LLMClient`: the one way veracity calls a language model (hosted or local), through litellm."""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from veracity.llm import local
from veracity.llm._litellm import litellm
from veracity.llm.cache import CompletionCache, cache_key, default_cache_path
from veracity.llm.convert import to_completions
from veracity.llm.errors import LLMError, LLMUnavailable
from veracity.llm.loop import on_background, run_sync
from veracity.llm.results import CompletionResult, Estimate, Message, Request, StructuredResult, T
from veracity.llm.retry import RetryPolicy, classify
from veracity.llm.stats import Stats
from veracity.llm.structured import ParseFailure, parse_reply, repair_messages
from veracity.llm.tokens import count_prompt_tokens
from veracity.llm.types import Completion
from veracity.unscored import Unscored

log = logging.getLogger(__name__)


CacheSetting = Path | str | None | Literal["default"]



class Sampling(TypedDict, total=False):
    """Sampling keywords of `LLMClient.complete` / `acomplete` (defaults in `LLMClient._params`)."""

    temperature: float
    max_tokens: int
    logprobs: bool
    top_logprobs: int
    n: int
    seed: int | None

class LLMClient:
    """Async-first LLM client with bounded concurrency, retries, a persistent cache and per-run accounting.

    `model` is any litellm model string (`gpt-4o-mini`, `anthropic/...`, `ollama/...`, `hosted_vllm/...`) or
    `local/smollm2` / `local/<path>.gguf` for an in-process llama.cpp model. `cache="default"` uses
    `$VERACITY_CACHE_DIR/llm.sqlite` (else `~/.cache/veracity/llm.sqlite`); `None` disables caching.
    """

    def __init__(
        self,
        model: str,
        *,
        max_concurrency: int = 4,
        max_retries: int = 3,
        timeout: float = 60.0,
        cache: CacheSetting = "default",
        api_base: str | None = None,
        api_key: str | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.model = model
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.api_base = api_base
        self.api_key = api_key
        self.retry = RetryPolicy(max_retries=max(0, max_retries), base_delay=backoff_base, max_delay=backoff_max)
        self.stats = Stats()
        self._semaphore = asyncio.Semaphore(max_concurrency)  # used only on the background loop
        self._key_ok = False
        self._check_model()
        path = default_cache_path() if cache == "default" else cache
        self.cache = CompletionCache(path) if path is not None else None

    def _check_model(self) -> None:
        if local.is_local(self.model):
            local.resolve(self.model.split("/", 1)[1])
            local.check_runtime()
            local.register()
            return
        try:
            litellm.get_llm_provider(self.model, api_base=self.api_base)
        except Exception as exc:  # litellm raises BadRequestError for a string it cannot route
            raise LLMUnavailable(f"unknown model or provider {self.model!r}: {exc}") from exc

    def _check_key(self) -> None:
        if self._key_ok or self.api_key is not None or local.is_local(self.model):
            return
        try:
            env = litellm.validate_environment(model=self.model, api_base=self.api_base)
        except Exception:  # no opinion on this provider: let the call itself decide
            return
        # Only credentials: an unset *_API_BASE has a working default (Ollama on localhost, for one).
        missing = [k for k in env.get("missing_keys") or [] if any(w in k for w in ("KEY", "TOKEN", "SECRET"))]
        if missing:
            raise LLMUnavailable(f"{self.model}: set {', '.join(missing)} (or pass api_key=)")
        self._key_ok = True

    # -- the core call -------------------------------------------------------------------------------------

    @staticmethod
    def _params(
        temperature: float = 0.0,
        max_tokens: int = 512,
        logprobs: bool = False,
        top_logprobs: int = 0,
        n: int = 1,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """The provider parameters of a call (see `Sampling`); defaults are left out of the request and its cache key."""
        params: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
        if logprobs:
            params["logprobs"] = True
            if top_logprobs > 0:
                params["top_logprobs"] = top_logprobs
        if n != 1:
            params["n"] = n
        if seed is not None:
            params["seed"] = seed
        return params

    def _cache_get(self, key: str) -> list[Completion] | None:
        if self.cache is None:
            return None
        try:
            return self.cache.get(key)
        except sqlite3.Error as exc:
            log.warning("LLM cache read failed (%s); calling the model", exc)
            return None

    def _cache_put(self, key: str, prompt_version: str, completions: list[Completion]) -> None:
        if self.cache is None:
            return
        try:
            self.cache.put(key, self.model, prompt_version, completions)
        except sqlite3.Error as exc:
            log.warning("LLM cache write failed (%s); the result is not cached", exc)

    def _cost(self, response: Any) -> float:
        if local.is_local(self.model):
            return 0.0
        try:
            cost = float(litellm.completion_cost(completion_response=response, model=self.model))
        except Exception:  # no price known for this model (self-hosted, fake, new)
            return 0.0
        return cost if math.isfinite(cost) and cost >= 0 else 0.0

    async def _call(self, messages: list[Message], params: dict[str, Any]) -> list[Completion]:
        try:
            self._check_key()
        except LLMUnavailable:
            self.stats.add(failures=1)
            raise
        for attempt in range(self.retry.max_retries + 1):
            self.stats.add(attempts=1)
            try:
                response = await litellm.acompletion(
                    model=self.model,
                    messages=messages,
                    api_base=self.api_base,
                    api_key=self.api_key,
                    timeout=self.timeout,
                    num_retries=0,
                    max_retries=0,
                    drop_params=True,  # a provider without logprobs (Anthropic) answers logprobs=None, not an error
                    **params,
                )
                completions = to_completions(response, self.model, self._cost(response))
            except Exception as exc:  # every provider failure becomes a typed LLMError below
                error = classify(exc, self.model)
                if not error.retryable or attempt >= self.retry.max_retries:
                    self.stats.add(failures=1)
                    raise error from exc
                delay = self.retry.delay(attempt, error)
                log.info("%s; retry %d/%d in %.2fs", error, attempt + 1, self.retry.max_retries, delay)
                self.stats.add(retries=1)
                await asyncio.sleep(delay)
                continue
            self.stats.add_usage(completions)
            return completions
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def acomplete(self, messages: list[Message], *, prompt_version: str, **sampling: Unpack[Sampling]) -> list[Completion]:
        """One chat completion (n choices), from the cache when possible; raises `LLMError` once retries are spent.

        `sampling`: temperature (0.0), max_tokens (512), logprobs (False), top_logprobs (0), n (1), seed (None).
        """
        return await on_background(self._complete(messages, self._params(**sampling), prompt_version))

    async def _complete(self, messages: list[Message], params: dict[str, Any], prompt_version: str) -> list[Completion]:
        key = cache_key(self.model, messages, params, prompt_version)
        cached = self._cache_get(key)
        if cached is not None:
            self.stats.add(cache_hits=1)
            return cached
        async with self._semaphore:
            self.stats.add(calls=1)
            completions = await self._call(messages, params)
        self._cache_put(key, prompt_version, completions)
        return completions

    def complete(self, messages: list[Message], *, prompt_version: str, **sampling: Unpack[Sampling]) -> list[Completion]:
        """Blocking `acomplete` (same `sampling` keywords); safe to call with or without a running event loop."""
        return run_sync(self._complete(messages, self._params(**sampling), prompt_version))

    # -- judge-facing helpers: they never raise LLMError ---------------------------------------------------

    async def arequest(self, request: Request) -> CompletionResult:
        """`acomplete` for one `Request`, as a `CompletionResult`: failures and missing logprobs become unscored."""
        try:
            completions = await self.acomplete(
                request.messages,
                prompt_version=request.prompt_version,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                logprobs=request.logprobs,
                top_logprobs=request.top_logprobs,
                n=request.n,
                seed=request.seed,
            )
        except LLMError as exc:
            return CompletionResult(None, why_unscored=Unscored.of_error(exc))
        if request.logprobs and any(c.logprobs is None for c in completions):
            return CompletionResult(None, why_unscored=Unscored(reason="no_logprobs", detail=f"{self.model} returned no token logprobs"))
        return CompletionResult(completions)

    async def amap(self, requests: Sequence[Request]) -> list[CompletionResult]:
        """All requests concurrently (at most `max_concurrency` in flight), results in input order."""
        return list(await asyncio.gather(*(self.arequest(r) for r in requests)))

    def map(self, requests: Sequence[Request]) -> list[CompletionResult]:
        """Blocking `amap`."""
        return run_sync(self.amap(requests))

    async def astructured(
        self,
        messages: list[Message],
        schema: type[T],
        *,
        prompt_version: str,
        temperature: float = 0.0,
        max_tokens: int = 512,
        seed: int | None = None,
    ) -> StructuredResult[T]:
        """A reply validated as `schema`: parsed (with local repair), else re-asked once, else unscored."""
        conversation = messages
        seen: list[Completion] = []
        reason = ""
        for attempt in (1, 2):
            try:
                completions = await self.acomplete(
                    conversation,
                    prompt_version=prompt_version,
                    temperature=temperature,
                    max_tokens=max_tokens,
                    seed=seed,
                )
            except LLMError as exc:
                raw = seen[-1].text if seen else None
                return StructuredResult(None, why_unscored=Unscored.of_error(exc), raw=raw, attempts=attempt, completions=seen)
            seen.append(completions[0])
            text = completions[0].text
            try:
                value = parse_reply(text, schema)
            except ParseFailure as exc:
                reason = str(exc)
                conversation = repair_messages(messages, text, reason, schema)
                continue
            return StructuredResult(value, raw=text, attempts=attempt, completions=seen)
        return StructuredResult(
            None,
            why_unscored=Unscored(
                reason="unparseable_output", detail=f"unparseable {schema.__name__} output after one repair re-ask: {reason}"
            ),
            raw=seen[-1].text,
            attempts=2,
            completions=seen,
        )

    def structured(
        self,
        messages: list[Message],
        schema: type[T],
        *,
        prompt_version: str,
        temperature: float = 0.0,
        max_tokens: int = 512,
        seed: int | None = None,
    ) -> StructuredResult[T]:
        """Blocking `astructured`."""
        return run_sync(
            self.astructured(
                messages, schema, prompt_version=prompt_version, temperature=temperature, max_tokens=max_tokens, seed=seed
            )
        )

    # -- dry run and accounting ----------------------------------------------------------------------------

    def estimate(self, requests: Sequence[Request]) -> Estimate:
        """Dry run: how many requests would reach the provider (cache misses) and their token budget; no calls."""
        calls = cached = prompt_tokens = completion_tokens = 0
        for r in requests:
            params = self._params(r.temperature, r.max_tokens, r.logprobs, r.top_logprobs, r.n, r.seed)
            key = cache_key(self.model, r.messages, params, r.prompt_version)
            if self._cache_get(key) is not None:
                cached += 1
                continue
            calls += 1
            prompt_tokens += count_prompt_tokens(self.model, r.messages)
            completion_tokens += r.max_tokens * max(1, r.n)
        return Estimate(
            calls=calls,
            prompt_tokens=prompt_tokens,
            max_completion_tokens=completion_tokens,
            cached=cached,
            max_cost_usd=self._price(prompt_tokens, completion_tokens),
        )

    def _price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if local.is_local(self.model):
            return 0.0
        try:
            cost_in, cost_out = litellm.cost_per_token(
                model=self.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:  # no price known for this model
            return None
        total = float(cost_in) + float(cost_out)
        return total if math.isfinite(total) and total >= 0 else None

    def reset_stats(self) -> Stats:
        """Start a new run: zero the counters and return the finished run's."""
        return self.stats.reset()

    def close(self) -> None:
        """Close the cache file."""
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
