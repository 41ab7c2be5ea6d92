"""Evidence as judges receive it: `Evidence` objects, or plain texts given by the caller."""

from __future__ import annotations

from veracity.errors import VeracityError
from veracity.types import Evidence, Passage


def as_evidence(item: Evidence | str, j: int) -> Evidence:
    """`item` as `Evidence`; a plain text becomes given evidence `e{j+1}` spanning the whole text."""
    if isinstance(item, Evidence):
        return item
    if not isinstance(item, str):
        raise VeracityError(f"evidence must be text or Evidence, got {type(item).__name__}")
    passage = Passage(id=f"e{j + 1}", doc_id=f"e{j + 1}", text=item, start=0, end=len(item))
    return Evidence(passage=passage, score=0.0, source="given")
