"""Server settings: defaults, overridden by `VERACITY_*` environment variables, then by arguments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator

from veracity._model import FrozenModel
from veracity.claims.limits import DEFAULT_MAX_PER_SENTENCE, DEFAULT_MAX_PER_TEXT, ClaimLimits
from veracity.errors import VeracityError

ENV_PREFIX = "VERACITY_"
TOKEN_ENV = "VERACITY_API_TOKEN"
MIN_TOKEN_CHARS = 8


class Settings(FrozenModel):
    """Everything `create_app` needs. Limits bound request sizes, concurrency and the work queue.

    `token`: bearer token every request but `/healthz` and `/readyz` must carry (None: no auth).
    `max_concurrency`: model work run at once (one verifier copy per worker).
    `max_queue`: requests allowed to wait for a worker; more are answered 429 with Retry-After.
    `llm_concurrency` / `llm_queue`: the same for LLM judge calls (network-bound, separate pool).
    `torch_threads`: the verifier's intra-op threads (default: CPUs / `max_concurrency`).
    `judge_model`: the litellm model the judge endpoints use when a request names none;
    `judge_models`: the models a request may name (empty: any).
    `allow_degraded`: listen at once and load the models in the background, reporting a failed load by
    `/readyz` and 503s; by default the models load before the server listens and a failure stops it.
    `time_budget_s`: model work one request may take; past it the work stops and the answer is 503
    `time_budget_exceeded`. `max_evidence`: evidence passages listed per verdict in a response.
    `max_claims_per_sentence` / `max_claims_per_text`: claims checked per request (`ClaimLimits`).
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    index: Path | None = None
    judge: str = "default"
    k: int = Field(default=5, ge=1, le=100)
    token: SecretStr | None = None
    max_text_chars: int = Field(default=20_000, ge=1)
    max_contexts: int = Field(default=50, ge=1)
    max_context_chars: int = Field(default=20_000, ge=1)
    max_answers: int = Field(default=10, ge=2)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    max_concurrency: int = Field(default=2, ge=1)
    max_queue: int = Field(default=8, ge=0)
    llm_concurrency: int = Field(default=8, ge=1)
    llm_queue: int = Field(default=32, ge=0)
    torch_threads: int | None = Field(default=None, ge=1)
    judge_model: str | None = None
    judge_models: tuple[str, ...] = ()
    allow_degraded: bool = False
    time_budget_s: float = Field(default=30.0, gt=0, le=3600)
    max_evidence: int = Field(default=3, ge=1, le=100)
    max_claims_per_sentence: int = Field(default=DEFAULT_MAX_PER_SENTENCE, ge=1)
    max_claims_per_text: int = Field(default=DEFAULT_MAX_PER_TEXT, ge=1)

    @field_validator("token", mode="before")
    @classmethod
    def _valid_token(cls, token: object) -> object:
        """Surrounding whitespace (a token read from a file ends with a newline) is dropped; a blank
        token, one with whitespace inside, or one under MIN_TOKEN_CHARS characters is refused."""
        if isinstance(token, SecretStr):
            token = token.get_secret_value()
        if token is None:
            return None
        if not isinstance(token, str):
            raise ValueError("the token must be a string")
        token = token.strip()
        if not token:
            raise ValueError(f"{TOKEN_ENV} is blank: set a token, or unset it to serve without one")
        if any(c.isspace() for c in token):
            raise ValueError(f"{TOKEN_ENV} holds whitespace: a bearer token is one word")
        if len(token) < MIN_TOKEN_CHARS:
            raise ValueError(f"{TOKEN_ENV} is shorter than {MIN_TOKEN_CHARS} characters")
        return token

    @property
    def claim_limits(self) -> ClaimLimits:
        return ClaimLimits(max_per_sentence=self.max_claims_per_sentence, max_per_text=self.max_claims_per_text)

    @field_validator("index")
    @classmethod
    def _index_exists(cls, index: Path | None) -> Path | None:
        if index is not None and not index.is_dir():
            raise ValueError(f"no index directory at {index}")
        return index

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from `VERACITY_<FIELD>` variables (`VERACITY_API_TOKEN` for the token), then `overrides`.

        Raises `VeracityError` naming the variable when a value is invalid.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(TOKEN_ENV if name == "token" else ENV_PREFIX + name.upper())
            if raw is None or raw == "":
                continue
            values[name] = tuple(m.strip() for m in raw.split(",") if m.strip()) if name == "judge_models" else raw
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls(**values)
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            raise VeracityError(f"invalid server settings: {problems}") from None

    @property
    def token_value(self) -> str | None:
        """The bearer token in clear, or None when auth is off."""
        return self.token.get_secret_value() if self.token is not None else None
