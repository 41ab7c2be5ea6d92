"""Prometheus metrics, one registry per app: requests, latency, queue, verdicts, model calls and cost."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from veracity.server.limiter import WorkLimiter
from veracity.types import Report

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The server's metrics. `route` labels are route templates (unknown paths are "other")."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "veracity_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "veracity_http_request_duration_seconds",
            "Time to answer a request.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.rejected = Counter("veracity_rejected", "Requests answered 429 because the queue was full.", ["pool"], registry=r)
        self.in_flight = Gauge("veracity_work_running", "Work items running in worker threads.", ["pool"], registry=r)
        self.queued = Gauge("veracity_work_queued", "Work items waiting for a worker.", ["pool"], registry=r)
        self.verdicts = Counter("veracity_verdicts", "Claim verdicts returned, by label.", ["label"], registry=r)
        self.claims = Counter("veracity_claims_extracted", "Claims extracted.", registry=r)
        self.model_calls = Counter("veracity_model_calls", "Model calls made, by model.", ["model"], registry=r)
        self.model_cost = Counter("veracity_model_cost_usd", "Reported cost of model calls in USD.", ["model"], registry=r)
        self.cache_hits = Counter("veracity_model_cache_hits", "LLM calls answered from the cache.", ["model"], registry=r)
        self.model_tokens = Counter("veracity_model_tokens", "LLM tokens used.", ["model", "kind"], registry=r)
        self.ready = Gauge("veracity_ready", "1 once the models have loaded.", registry=r)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_report(self, report: Report) -> None:
        for label, count in report.summary.counts.items():
            if count:
                self.verdicts.labels(label).inc(count)

    def observe_model(self, model: str, calls: int = 1, cost_usd: float = 0.0, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        self.model_calls.labels(model).inc(calls)
        if cost_usd:
            self.model_cost.labels(model).inc(cost_usd)
        if prompt_tokens:
            self.model_tokens.labels(model, "prompt").inc(prompt_tokens)
        if completion_tokens:
            self.model_tokens.labels(model, "completion").inc(completion_tokens)

    def render(self, pools: dict[str, WorkLimiter]) -> bytes:
        """The exposition text, with the queue gauges read now."""
        for name, pool in pools.items():
            self.in_flight.labels(name).set(pool.running)
            self.queued.labels(name).set(pool.waiting)
        return generate_latest(self.registry)
