"""`create_app(settings)`: the FastAPI app. Models load in the background; `/readyz` says when they have."""

# No `from __future__ import annotations`: FastAPI reads the route signatures, whose request
# classes are built per app by `request_models`.
import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import FastAPI, Response

from veracity import __version__
from veracity.attribution import CitationScores
from veracity.attribution.rag import RAGReport
from veracity.errors import EmptyInputError, ModelNotAvailableError, VeracityError
from veracity.judges.llm import Preference, Ranking, Score
from veracity.server.docs import install_docs
from veracity.server.engine import Engine
from veracity.server.errors import ApiError, install_error_handlers
from veracity.server.limiter import Overloaded, WorkLimiter
from veracity.server.llm import ClientFactory, JudgeService
from veracity.server.metrics import Metrics
from veracity.server.middleware import RequestContextMiddleware
from veracity.server.schemas import ClaimsResponse, ErrorResponse, Health, Readiness, as_context, request_models
from veracity.server.settings import Settings
from veracity.server.ui import PAGE_PATHS, install_ui
from veracity.types import Report

log = logging.getLogger("veracity.server")
T = TypeVar("T")
EngineLoader = Callable[[Settings, Callable[[str, int], None]], Engine]

_ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 413, 422, 429, 503)}
_JUDGE_ERRORS = {**_ERRORS, 501: {"model": ErrorResponse}, 502: {"model": ErrorResponse}}


class Runtime:
    """The app's mutable state: the engine once loaded, the work pools, the LLM judges."""

    def __init__(self, settings: Settings, metrics: Metrics, judges: JudgeService) -> None:
        self.settings = settings
        self.metrics = metrics
        self.judges = judges
        self.engine: Engine | None = None
        self.status = "loading"
        self.error: str | None = None
        self.pools = {
            "model": WorkLimiter(settings.max_concurrency, settings.max_queue),
            "llm": WorkLimiter(settings.llm_concurrency, settings.llm_queue),
        }

    async def load(self, loader: EngineLoader) -> None:
        try:
            self.engine = await _in_daemon_thread(loader, self.settings, self.record_model_calls)
        except Exception as err:  # reported by /readyz, and by 503s on the work endpoints
            log.exception("loading the models failed")
            # Our errors are written for users; anything else may name internals: the log has it.
            detail = str(err) if isinstance(err, VeracityError) else f"{type(err).__name__} (see the server log)"
            self.status, self.error = "failed", detail
            return
        self.status = "ready"
        self.metrics.ready.set(1)
        log.info("models loaded; ready")

    def record_model_calls(self, model: str, calls: int) -> None:
        self.metrics.observe_model(model, calls)

    def require_engine(self) -> Engine:
        if self.engine is not None:
            return self.engine
        if self.status == "failed":
            raise ApiError(503, "load_failed", f"the models failed to load: {self.error}")
        raise ApiError(503, "not_ready", "the models are still loading; retry shortly", headers={"Retry-After": "2"})

    async def work(self, func: Callable[..., T], *args: object) -> T:
        """`func(*args)` on a model worker thread, or 429 when the queue is full."""
        return await self._admitted("model", self.pools["model"].run(func, *args))

    async def llm(self, func: Callable[[], Awaitable[T]]) -> T:
        """An LLM judge call within the LLM pool's bounds, or 429 when its queue is full."""
        return await self._admitted("llm", self.pools["llm"].run_async(func))

    async def _admitted(self, pool: str, work: Awaitable[T]) -> T:
        try:
            return await work
        except Overloaded as busy:
            self.metrics.rejected.labels(pool).inc()
            raise ApiError(
                429, "overloaded", f"server busy; retry after {busy.retry_after} s", headers={"Retry-After": str(busy.retry_after)}
            ) from None


async def _in_daemon_thread(func: Callable[..., T], *args: object) -> T:
    """`func(*args)` in a daemon thread, so that stopping the server never waits for a slow load."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: object = None, error: BaseException | None = None) -> None:
        def apply() -> None:
            if done.cancelled():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)  # type: ignore[arg-type]

        try:
            loop.call_soon_threadsafe(apply)
        except RuntimeError:  # the loop is closed: the server stopped meanwhile
            pass

    def target() -> None:
        try:
            result = func(*args)
        except BaseException as err:
            settle(error=err)
        else:
            settle(result)

    threading.Thread(target=target, name="veracity-load", daemon=True).start()
    return await done


def create_app(
    settings: Settings | None = None,
    *,
    engine_loader: EngineLoader | None = None,
    llm_client_factory: ClientFactory | None = None,
) -> FastAPI:
    """The veracity HTTP API. `engine_loader` and `llm_client_factory` replace how the verifier is
    loaded and how LLM clients are made (tests use them); by default `Engine.load` and litellm."""
    settings = settings or Settings.from_env()
    metrics = Metrics()
    runtime = Runtime(settings, metrics, JudgeService(settings, metrics, llm_client_factory))
    models = request_models(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(runtime.load(engine_loader or Engine.load))
        if not settings.allow_degraded:
            # Fail fast: listen only once the models have loaded, and not at all when they cannot.
            await task
            if runtime.status == "failed":
                log.error("the models failed to load: %s", runtime.error)
                raise ModelNotAvailableError(
                    f"the models failed to load: {runtime.error} (allow_degraded / --allow-degraded serves anyway)"
                )
        try:
            yield
        finally:
            task.cancel()

    app = FastAPI(
        title="veracity",
        version=__version__,
        lifespan=lifespan,
        description="Claim-level fact checking over HTTP.",
        docs_url=None,  # served by install_docs from this package, so /docs works offline
        redoc_url=None,
    )
    install_docs(app)
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        token=settings.token_value,
        max_body_bytes=settings.max_body_bytes,
        route_paths=lambda: {getattr(route, "path", "") for route in app.routes},
        open_paths=("/healthz", "/readyz", *PAGE_PATHS),  # the page holds no data; its API calls need the token
    )
    install_ui(app, runtime)

    @app.get("/healthz", response_model=Health, tags=["ops"])
    async def healthz() -> Health:
        """Liveness: the process answers."""
        return Health()

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["ops"])
    async def readyz(response: Response) -> Readiness:
        """Readiness: true once the models have loaded (503 until then)."""
        if runtime.status != "ready":
            response.status_code = 503
        return Readiness(ready=runtime.status == "ready", status=runtime.status, error=runtime.error)  # type: ignore[arg-type]

    @app.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}}, tags=["ops"])
    async def prometheus_metrics() -> Response:
        """Prometheus metrics: requests, latency, queue, verdicts, model calls and cost."""
        return Response(metrics.render(runtime.pools), media_type=metrics.content_type)

    @app.post("/v1/verify", response_model=RAGReport | Report, responses=_ERRORS, tags=["verify"])
    async def verify(body: models.verify) -> Report:  # type: ignore[valid-type]
        """Check every claim of `text` against `contexts`, or the server's index when none are given.

        With a `question` (even null), the answer is a RAG report: the claims plus citation scores
        (when `text` cites its contexts) and answer metrics, as `FactChecker.check_rag` gives.
        """
        engine = runtime.require_engine()
        if not body.text.strip():
            raise EmptyInputError("text to check is empty")
        contexts = None if body.contexts is None else [as_context(c, i) for i, c in enumerate(body.contexts, 1)]
        if contexts is None and not engine.has_index:
            raise ApiError(400, "no_evidence", "give `contexts`: this server has no index (start it with --index DIR)")
        rag = (body.question, body.at_most_citations) if "question" in body.model_fields_set else None
        report = await runtime.work(engine.verify, body.text, contexts, rag)
        metrics.observe_report(report)
        return report

    @app.post("/v1/claims", response_model=ClaimsResponse, responses=_ERRORS, tags=["verify"])
    async def claims(body: models.claims) -> ClaimsResponse:  # type: ignore[valid-type]
        """The atomic claims of `text`, with their spans."""
        engine = runtime.require_engine()
        found = await runtime.work(engine.claims, body.text)
        metrics.claims.inc(len(found))
        return ClaimsResponse(claims=found)

    @app.post("/v1/citations", response_model=CitationScores, responses=_ERRORS, tags=["verify"])
    async def citations(body: models.citations) -> CitationScores:  # type: ignore[valid-type]
        """ALCE citation recall and precision of `answer` against the `passages` it cites."""
        engine = runtime.require_engine()
        passages = [as_context(p, i) for i, p in enumerate(body.passages, 1)]
        return await runtime.work(engine.citations, body.answer, passages, body.at_most_citations)

    @app.post("/v1/judge/score", response_model=Score, responses=_JUDGE_ERRORS, tags=["judge"])
    async def judge_score(body: models.score) -> Score:  # type: ignore[valid-type]
        """Rate `answer` to `question` on 1..`scale` with an LLM judge."""
        options: dict[str, Any] = {"model": body.model, "scale": body.scale, "method": body.method, "rubric": body.rubric}
        return await runtime.llm(lambda: runtime.judges.score(body.question, body.answer, body.reference, **options))

    @app.post("/v1/judge/compare", response_model=Preference, responses=_JUDGE_ERRORS, tags=["judge"])
    async def judge_compare(body: models.compare) -> Preference:  # type: ignore[valid-type]
        """Which of `a` and `b` answers `question` better, judged in both orders."""
        options: dict[str, Any] = {"model": body.model, "method": body.method, "allow_tie": body.allow_tie}
        return await runtime.llm(lambda: runtime.judges.compare(body.question, body.a, body.b, **options))

    @app.post("/v1/judge/rank", response_model=Ranking, responses=_JUDGE_ERRORS, tags=["judge"])
    async def judge_rank(body: models.rank) -> Ranking:  # type: ignore[valid-type]
        """Rank `answers` to `question`, best first, from all pairwise preferences."""
        options: dict[str, Any] = {"model": body.model, "method": body.method, "allow_tie": body.allow_tie}
        answers: Sequence[str] = body.answers
        return await runtime.llm(lambda: runtime.judges.rank(body.question, answers, **options))

    return app
