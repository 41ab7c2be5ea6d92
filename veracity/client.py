"""Python client for `veracity serve`: the library's calls over HTTP, returning the library's types.

    from veracity.client import Client
    with Client("http://127.0.0.1:8000", token=None) as client:
        report = client.check("The Eiffel Tower was completed in 1889.", contexts=["..."])

`AsyncClient` has the same methods as coroutines. Server errors raise `ApiError` (also an instance
of the matching library error, e.g. `EmptyInputError`); a full queue raises `ServerBusyError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import BaseModel

from veracity.errors import (
    ApiError,
    EmptyInputError,
    InputFormatError,
    InvalidArgumentError,
    ModelNotAvailableError,
    VeracityError,
)
from veracity.inputs import kind
from veracity.provenance import RunSpec
from veracity.types import Claim, Document, Passage, Report

if TYPE_CHECKING:
    from veracity.attribution import CitationScores
    from veracity.attribution.rag import RAGReport
    from veracity.judges.llm import Preference, Ranking, Score

__all__ = ["ApiError", "AsyncClient", "Client", "ServerBusyError"]

M = TypeVar("M", bound=BaseModel)
ContextLike = str | Document | Passage | Mapping[str, Any]
DEFAULT_URL = "http://127.0.0.1:8000"


class ServerBusyError(ApiError):
    """HTTP 429: the server's queue is full; retry after `retry_after` seconds."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None, retry_after: float) -> None:
        super().__init__(status, code, message, request_id)
        self.retry_after = retry_after


class _EmptyInput(ApiError, EmptyInputError):
    pass


class _InvalidInput(ApiError, InputFormatError):
    pass


class _ModelNotAvailable(ApiError, ModelNotAvailableError):
    pass


_BY_CODE: dict[str, type[ApiError]] = {
    "empty_input": _EmptyInput,
    "invalid_input": _InvalidInput,
    "model_not_available": _ModelNotAvailable,
}


def _error(response: httpx.Response) -> ApiError:
    request_id = response.headers.get("x-request-id")
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", response.text[:500] or response.reason_phrase
    if response.status_code == 429:
        retry_after = float(response.headers.get("retry-after", "1") or 1)
        return ServerBusyError(429, code, message, request_id, retry_after)
    return _BY_CODE.get(code, ApiError)(response.status_code, code, message, request_id)


def _context(item: ContextLike) -> str | dict[str, Any]:
    if isinstance(item, str):
        return item
    if isinstance(item, Passage):
        return {"id": item.id, "doc_id": item.doc_id, "text": item.text, "start": item.start}
    if isinstance(item, Document):
        return {"id": item.id, "text": item.text, "title": item.title}
    if isinstance(item, Mapping):
        return {key: item[key] for key in ("id", "text", "title", "doc_id", "start") if item.get(key) is not None}
    raise VeracityError(f"a context must be text, a Document, a Passage or a mapping, not {type(item).__name__}")


def _contexts(items: Sequence[ContextLike] | None) -> list[str | dict[str, Any]] | None:
    if items is not None and (isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence)):
        raise InvalidArgumentError(f"contexts must be a list of texts, Documents, Passages or mappings, not {kind(items)}")
    return None if items is None else [_context(item) for item in items]


def _drop_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


class _Calls:
    """Request payloads and result types shared by `Client` and `AsyncClient`."""

    @staticmethod
    def check(text: str, contexts: Sequence[ContextLike] | None) -> tuple[str, dict[str, Any]]:
        return "/v1/verify", _drop_none({"text": text, "contexts": _contexts(contexts)})

    @staticmethod
    def check_rag(question: str | None, answer: str, contexts: Sequence[ContextLike], at_most: int) -> tuple[str, dict[str, Any]]:
        # `question` is always sent (null included): its presence asks for the RAG report.
        return "/v1/verify", {"text": answer, "question": question, "contexts": _contexts(contexts), "at_most_citations": at_most}

    @staticmethod
    def citations(answer: str, passages: Sequence[ContextLike], at_most_citations: int | None) -> tuple[str, dict[str, Any]]:
        return "/v1/citations", {"answer": answer, "passages": _contexts(passages), "at_most_citations": at_most_citations}

    @staticmethod
    def score(question: str, answer: str, reference: str | None, **options: Any) -> tuple[str, dict[str, Any]]:
        return "/v1/judge/score", _drop_none({"question": question, "answer": answer, "reference": reference, **options})

    @staticmethod
    def compare(question: str, a: str, b: str, **options: Any) -> tuple[str, dict[str, Any]]:
        return "/v1/judge/compare", _drop_none({"question": question, "a": a, "b": b, **options})

    @staticmethod
    def rank(question: str, answers: Sequence[str], **options: Any) -> tuple[str, dict[str, Any]]:
        return "/v1/judge/rank", _drop_none({"question": question, "answers": list(answers), **options})


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _parsed(response: httpx.Response, model: type[M]) -> M:
    if response.status_code >= 400:
        raise _error(response)
    return model.model_validate_json(response.content)


def _rag_report() -> type[RAGReport]:
    from veracity.attribution.rag import RAGReport

    return RAGReport


def _citation_scores() -> type[CitationScores]:
    from veracity.attribution import CitationScores

    return CitationScores


def _judge_types() -> tuple[type[Score], type[Preference], type[Ranking]]:
    from veracity.judges.llm import Preference, Ranking, Score

    return Score, Preference, Ranking


def _claims(response: httpx.Response) -> list[Claim]:
    if response.status_code >= 400:
        raise _error(response)
    return [Claim.model_validate(claim) for claim in response.json()["claims"]]


def _run_spec(response: httpx.Response) -> RunSpec | None:
    if response.status_code >= 400:
        raise _error(response)
    run = response.json().get("run")
    return None if run is None else RunSpec.model_validate(run)


class Client:
    """A synchronous client. `token`: the server's bearer token (`VERACITY_API_TOKEN`), if it has one."""

    def __init__(self, base_url: str = DEFAULT_URL, token: str | None = None, *, timeout: float = 120.0, **httpx_options: Any) -> None:
        self._http = httpx.Client(base_url=base_url, headers=_headers(token), timeout=timeout, **httpx_options)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _post(self, call: tuple[str, dict[str, Any]]) -> httpx.Response:
        path, payload = call
        return self._http.post(path, json=payload)

    def check(self, text: str, *, contexts: Sequence[ContextLike] | None = None) -> Report:
        """`FactChecker.check` on the server: against `contexts`, or the server's index when None."""
        return _parsed(self._post(_Calls.check(text, contexts)), Report)

    def check_rag(self, question: str | None, answer: str, contexts: Sequence[ContextLike], *, at_most_citations: int = 3) -> RAGReport:
        """`FactChecker.check_rag` on the server: claims, citation scores and answer metrics."""
        return _parsed(self._post(_Calls.check_rag(question, answer, contexts, at_most_citations)), _rag_report())

    def extract_claims(self, text: str) -> list[Claim]:
        """`veracity.claims.extract_claims` on the server."""
        return _claims(self._http.post("/v1/claims", json={"text": text}))

    def citation_scores(self, answer: str, passages: Sequence[ContextLike], at_most_citations: int | None = 3) -> CitationScores:
        """`veracity.attribution.citation_scores`, entailment judged by the server's verifier."""
        return _parsed(self._post(_Calls.citations(answer, passages, at_most_citations)), _citation_scores())

    def score(
        self, question: str, answer: str, reference: str | None = None, *, model: str | None = None,
        scale: int = 5, method: str = "distribution", rubric: str | None = None,
    ) -> Score:  # fmt: skip
        """`PointwiseJudge(model, scale, method).score(question, answer, reference)` on the server."""
        call = _Calls.score(question, answer, reference, model=model, scale=scale, method=method, rubric=rubric)
        return _parsed(self._post(call), _judge_types()[0])

    def compare(
        self, question: str, a: str, b: str, *, model: str | None = None, method: str = "likelihood", allow_tie: bool = True
    ) -> Preference:
        """`PairwiseJudge(model, method).compare(question, a, b)` on the server."""
        call = _Calls.compare(question, a, b, model=model, method=method, allow_tie=allow_tie)
        return _parsed(self._post(call), _judge_types()[1])

    def rank(
        self, question: str, answers: Sequence[str], *, model: str | None = None, method: str = "likelihood", allow_tie: bool = True
    ) -> Ranking:
        """`rank(question, answers, PairwiseJudge(model, method))` on the server."""
        call = _Calls.rank(question, answers, model=model, method=method, allow_tie=allow_tie)
        return _parsed(self._post(call), _judge_types()[2])

    def health(self) -> bool:
        """True when the server process answers `/healthz`."""
        return self._http.get("/healthz").status_code == 200

    def ready(self) -> bool:
        """True once the server's models have loaded."""
        return self._http.get("/readyz").status_code == 200

    def wait_ready(self, timeout: float = 120.0, interval: float = 0.2) -> None:
        """Block until the server is ready; raises `VeracityError` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.ready():
                    return
            except httpx.TransportError:
                pass
            time.sleep(interval)
        raise VeracityError(f"server at {self._http.base_url} not ready after {timeout:.0f} s")

    def run_spec(self) -> RunSpec | None:
        """What the server's reports are made with (`GET /v1/info`: versions, models, weights hashes,
        settings); None while its models are loading. Each `Report.provenance` repeats it."""
        return _run_spec(self._http.get("/v1/info"))

    def metrics(self) -> str:
        """The Prometheus metrics text."""
        response = self._http.get("/metrics")
        if response.status_code >= 400:
            raise _error(response)
        return response.text


class AsyncClient:
    """The asynchronous twin of `Client`: the same methods, awaited."""

    def __init__(self, base_url: str = DEFAULT_URL, token: str | None = None, *, timeout: float = 120.0, **httpx_options: Any) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, headers=_headers(token), timeout=timeout, **httpx_options)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _post(self, call: tuple[str, dict[str, Any]]) -> httpx.Response:
        path, payload = call
        return await self._http.post(path, json=payload)

    async def check(self, text: str, *, contexts: Sequence[ContextLike] | None = None) -> Report:
        return _parsed(await self._post(_Calls.check(text, contexts)), Report)

    async def check_rag(
        self, question: str | None, answer: str, contexts: Sequence[ContextLike], *, at_most_citations: int = 3
    ) -> RAGReport:
        return _parsed(await self._post(_Calls.check_rag(question, answer, contexts, at_most_citations)), _rag_report())

    async def extract_claims(self, text: str) -> list[Claim]:
        return _claims(await self._http.post("/v1/claims", json={"text": text}))

    async def citation_scores(self, answer: str, passages: Sequence[ContextLike], at_most_citations: int | None = 3) -> CitationScores:
        return _parsed(await self._post(_Calls.citations(answer, passages, at_most_citations)), _citation_scores())

    async def score(
        self, question: str, answer: str, reference: str | None = None, *, model: str | None = None,
        scale: int = 5, method: str = "distribution", rubric: str | None = None,
    ) -> Score:  # fmt: skip
        call = _Calls.score(question, answer, reference, model=model, scale=scale, method=method, rubric=rubric)
        return _parsed(await self._post(call), _judge_types()[0])

    async def compare(
        self, question: str, a: str, b: str, *, model: str | None = None, method: str = "likelihood", allow_tie: bool = True
    ) -> Preference:
        call = _Calls.compare(question, a, b, model=model, method=method, allow_tie=allow_tie)
        return _parsed(await self._post(call), _judge_types()[1])

    async def rank(
        self, question: str, answers: Sequence[str], *, model: str | None = None, method: str = "likelihood", allow_tie: bool = True
    ) -> Ranking:
        call = _Calls.rank(question, answers, model=model, method=method, allow_tie=allow_tie)
        return _parsed(await self._post(call), _judge_types()[2])

    async def health(self) -> bool:
        return (await self._http.get("/healthz")).status_code == 200

    async def ready(self) -> bool:
        return (await self._http.get("/readyz")).status_code == 200

    async def wait_ready(self, timeout: float = 120.0, interval: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if await self.ready():
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(interval)
        raise VeracityError(f"server at {self._http.base_url} not ready after {timeout:.0f} s")

    async def run_spec(self) -> RunSpec | None:
        return _run_spec(await self._http.get("/v1/info"))

    async def metrics(self) -> str:
        response = await self._http.get("/metrics")
        if response.status_code >= 400:
            raise _error(response)
        return response.text
