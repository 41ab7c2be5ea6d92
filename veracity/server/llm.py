"""The LLM judge endpoints' backend: metered litellm clients and the pointwise/pairwise/rank judges."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from veracity.server.errors import ApiError
from veracity.server.metrics import Metrics
from veracity.server.settings import Settings

if TYPE_CHECKING:
    from veracity.judges.llm import Preference, Ranking, Score
    from veracity.judges.llm._client import CompletionClient
    from veracity.llm.types import Completion

ClientFactory = Callable[[str], "CompletionClient"]
MAX_CLIENTS = 32


def litellm_client(model: str) -> CompletionClient:
    """`veracity.llm.LLMClient(model)`; 501 `not_available` when the LLM layer is not installed."""
    try:
        from veracity.llm import LLMClient
    except ImportError as err:
        raise ApiError(501, "not_available", f"LLM judges are not available on this server: {err}") from None
    return LLMClient(model)


class MeteredClient:
    """Wraps a completion client to count its calls, tokens and cost in the metrics."""

    def __init__(self, inner: CompletionClient, model: str, metrics: Metrics) -> None:
        self.inner = inner
        self.model = model
        self.metrics = metrics

    async def acomplete(self, messages: list[dict[str, str]], **kwargs: Any) -> list[Completion]:
        completions = await self.inner.acomplete(messages, **kwargs)
        fresh = [c for c in completions if not c.cached]
        if not fresh:
            self.metrics.cache_hits.labels(self.model).inc()
        self.metrics.observe_model(
            self.model,
            calls=1 if fresh else 0,
            cost_usd=sum(c.usage.cost_usd for c in fresh),
            prompt_tokens=sum(c.usage.prompt_tokens for c in fresh),
            completion_tokens=sum(c.usage.completion_tokens for c in fresh),
        )
        return completions


class JudgeService:
    """Builds the LLM judges for a request's model, within the models this server allows.

    With no `judge_models` list any litellm model string is allowed except `local/<path>.gguf`
    (a file on the server), which must be listed explicitly.
    """

    def __init__(self, settings: Settings, metrics: Metrics, client_factory: ClientFactory | None = None) -> None:
        self.default_model = settings.judge_model
        self.allowed = frozenset(settings.judge_models)
        self.metrics = metrics
        self.client_factory = client_factory or litellm_client
        self._clients: OrderedDict[str, MeteredClient] = OrderedDict()

    async def client(self, model: str | None) -> MeteredClient:
        """The metered client for `model` (or the default), made once, in a thread: the first one imports litellm."""
        name = model or self.default_model
        if name is None:
            raise ApiError(400, "no_judge_model", "name a `model`: this server has no default (set VERACITY_JUDGE_MODEL)")
        if self.allowed and name not in self.allowed:
            raise ApiError(400, "model_not_allowed", f"model {name!r} is not served here; allowed: {', '.join(sorted(self.allowed))}")
        if not self.allowed and name.startswith("local/") and name != "local/smollm2":
            # A local model is a file on this machine: only an explicit VERACITY_JUDGE_MODELS entry may name one.
            raise ApiError(400, "model_not_allowed", "local model files must be listed in VERACITY_JUDGE_MODELS")
        if name not in self._clients:
            inner = await anyio.to_thread.run_sync(self.client_factory, name)
            self._clients[name] = MeteredClient(inner, name, self.metrics)
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
        self._clients.move_to_end(name)
        return self._clients[name]

    async def score(
        self, question: str, answer: str, reference: str | None, *, model: str | None, scale: int, method: str, rubric: str | None
    ) -> Score:
        from veracity.judges.llm import PointwiseJudge

        options: dict[str, Any] = {"rubric": rubric} if rubric else {}
        judge = PointwiseJudge(await self.client(model), scale=scale, method=method, on_provider_error="raise", **options)  # type: ignore[arg-type]
        return await judge.ascore(question, answer, reference)

    async def compare(self, question: str, a: str, b: str, *, model: str | None, method: str, allow_tie: bool) -> Preference:
        from veracity.judges.llm import PairwiseJudge

        judge = PairwiseJudge(await self.client(model), method=method, allow_tie=allow_tie, on_provider_error="raise")  # type: ignore[arg-type]
        return await judge.acompare(question, a, b)

    async def rank(self, question: str, answers: Sequence[str], *, model: str | None, method: str, allow_tie: bool) -> Ranking:
        from veracity.judges.llm import PairwiseJudge, arank

        judge = PairwiseJudge(await self.client(model), method=method, allow_tie=allow_tie, on_provider_error="raise")  # type: ignore[arg-type]
        return await arank(question, answers, judge)
