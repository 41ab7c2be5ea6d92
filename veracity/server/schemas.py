"""Request and response bodies. Request models are built per app so their limits come from `Settings`."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from veracity.server.settings import Settings
from veracity.types import Claim, Document, Passage

PointwiseMethodName = Literal["distribution", "geval", "argmax"]
PairwiseMethodName = Literal["likelihood", "ppl", "baseline"]
MAX_ID_CHARS = 256
MAX_TITLE_CHARS = 1000
MAX_MODEL_CHARS = 200
MAX_RUBRIC_CHARS = 2000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorDetail(_Response):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str
    details: list[dict[str, object]] | None = None


class ErrorResponse(_Response):
    error: ErrorDetail
    request_id: str | None


class Health(_Response):
    status: Literal["ok"] = "ok"


class Readiness(_Response):
    ready: bool
    status: Literal["loading", "ready", "failed"]
    error: str | None = None


class ClaimsResponse(_Response):
    claims: list[Claim]


@dataclass(frozen=True)
class RequestModels:
    """The request body classes of one app."""

    context: type[BaseModel]
    verify: type[BaseModel]
    claims: type[BaseModel]
    citations: type[BaseModel]
    score: type[BaseModel]
    compare: type[BaseModel]
    rank: type[BaseModel]


def as_context(item: "str | BaseModel", position: int) -> str | Document | Passage:
    """A request context as the library takes it: text, a `Document`, or a `Passage` when `doc_id` is given."""
    if isinstance(item, str):
        return item
    data = item.model_dump()
    pid = data["id"] or f"ctx{position}"
    if data["doc_id"] is not None:
        start = data["start"] or 0
        return Passage(id=pid, doc_id=data["doc_id"], text=data["text"], start=start, end=start + len(data["text"]))
    return Document(id=pid, text=data["text"], title=data["title"])


def request_models(settings: Settings) -> RequestModels:
    """Request classes whose size limits are `settings`' (so the OpenAPI schema states them)."""
    text_limit = settings.max_text_chars
    context_limit = settings.max_context_chars

    class ContextIn(_Request):
        """A passage to check against: its text, and optionally its id, title, and source document."""

        text: str = Field(max_length=context_limit)
        id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_CHARS)
        title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
        doc_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_CHARS, description="Makes it a Passage of that document.")
        start: int | None = Field(default=None, ge=0, le=2**31, description="Offset of the passage in its document.")

    Context = Annotated[str, Field(max_length=context_limit)] | ContextIn
    Answer = Annotated[str, Field(min_length=1, max_length=text_limit)]

    class VerifyRequest(_Request):
        """Check every claim of `text` against `contexts`, or against the server's index when omitted."""

        text: str = Field(min_length=1, max_length=text_limit)
        question: str | None = Field(default=None, max_length=text_limit, description="The question `text` answers: present (even null), the answer is a RAG report.")
        contexts: list[Context] | None = Field(default=None, max_length=settings.max_contexts)
        at_most_citations: int = Field(default=3, ge=1, le=settings.max_contexts, description="Citations counted per sentence in a RAG report.")

    class ClaimsRequest(_Request):
        text: str = Field(min_length=1, max_length=text_limit)

    class CitationsRequest(_Request):
        """ALCE citation recall and precision of `answer` against the passages it was given."""

        answer: str = Field(min_length=1, max_length=text_limit)
        passages: list[Context] = Field(max_length=settings.max_contexts)
        at_most_citations: int | None = Field(default=3, ge=1, le=settings.max_contexts)

    def model_field() -> Any:
        return Field(default=None, min_length=1, max_length=MAX_MODEL_CHARS, description="A litellm model string.")

    class ScoreRequest(_Request):
        question: str = Field(min_length=1, max_length=text_limit)
        answer: str = Field(min_length=1, max_length=text_limit)
        reference: str | None = Field(default=None, max_length=text_limit)
        model: str | None = model_field()
        scale: Literal[5, 10, 100] = 5
        method: PointwiseMethodName = "distribution"
        rubric: str | None = Field(default=None, min_length=1, max_length=MAX_RUBRIC_CHARS)

    class CompareRequest(_Request):
        question: str = Field(min_length=1, max_length=text_limit)
        a: str = Field(min_length=1, max_length=text_limit)
        b: str = Field(min_length=1, max_length=text_limit)
        model: str | None = model_field()
        method: PairwiseMethodName = "likelihood"
        allow_tie: bool = True

    class RankRequest(_Request):
        question: str = Field(min_length=1, max_length=text_limit)
        answers: list[Answer] = Field(min_length=2, max_length=settings.max_answers)
        model: str | None = model_field()
        method: PairwiseMethodName = "likelihood"
        allow_tie: bool = True

    return RequestModels(ContextIn, VerifyRequest, ClaimsRequest, CitationsRequest, ScoreRequest, CompareRequest, RankRequest)
