"""Parse a model reply into a pydantic model: strict JSON, then a local repair, then a re-ask prompt."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from veracity.llm.results import Message, T

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


class ParseFailure(ValueError):
    """The reply is not valid JSON for the schema; the message says why, briefly."""


def _reject_constant(name: str) -> Any:
    raise ParseFailure(f"non-finite number {name} is not allowed")


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(v) for v in value)
    return False


def _validate(text: str, schema: type[T]) -> T:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ParseFailure(f"invalid JSON ({exc.msg} at char {exc.pos})") from exc
    try:
        value = schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()[:5])
        raise ParseFailure(f"does not match the schema ({problems})") from exc
    if _has_non_finite(value.model_dump()):
        raise ParseFailure("contains a NaN or infinite number")
    return value


def _candidates(text: str) -> list[str]:
    """The raw reply, fenced blocks, and the outermost {...} span, each also without trailing commas."""
    found: list[str] = [text.strip()]
    found += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        found.append(text[start : end + 1])
    found += [_TRAILING_COMMA.sub(r"\1", c) for c in list(found)]
    unique: list[str] = []
    for c in found:
        if c and c not in unique:
            unique.append(c)
    return unique


def parse_reply(text: str, schema: type[T]) -> T:
    """Validate `text` against `schema`, repairing fences, surrounding prose and trailing commas; else raise."""
    if not text.strip():
        raise ParseFailure("empty reply")
    first_error: ParseFailure | None = None
    for candidate in _candidates(text):
        try:
            return _validate(candidate, schema)
        except ParseFailure as exc:
            first_error = first_error or exc
    raise first_error or ParseFailure("no JSON object found")


def repair_messages(messages: list[Message], reply: str, error: str, schema: type[BaseModel]) -> list[Message]:
    """The conversation plus the bad reply and one request to answer again with valid JSON."""
    schema_json = json.dumps(schema.model_json_schema(), sort_keys=True)
    return [
        *messages,
        {"role": "assistant", "content": reply},
        {
            "role": "user",
            "content": (
                f"Your reply could not be parsed: {error}. Reply again with only one JSON object, "
                f"no prose and no code fences, matching this JSON schema:\n{schema_json}"
            ),
        },
    ]
