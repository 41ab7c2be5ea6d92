"""Verbalised triples and paths as `Evidence` passages (source `"kg"`)."""

from __future__ import annotations

from collections.abc import Iterable

from veracity.retrieval.kg.store import KGPath, KnowledgeGraph, Triple
from veracity.types import Evidence, Passage

KG_SOURCE = "kg"
KG_DOC_ID = "kg"


def passage_id(path: Iterable[Triple]) -> str:
    """`kg:<s>|<r>|<o>` for one triple; the triples of a path are joined by `;`."""
    return "kg:" + ";".join(f"{s}|{r}|{o}" for s, r, o in path)


def path_evidence(kg: KnowledgeGraph, path: KGPath, score: float) -> Evidence:
    """One passage holding the sentences of a path (or of a single triple)."""
    text = kg.verbalise_path(path)
    passage = Passage(id=passage_id(path), doc_id=KG_DOC_ID, text=text, start=0, end=len(text))
    return Evidence(passage=passage, score=score, source=KG_SOURCE)


def triple_evidence(kg: KnowledgeGraph, triple: Triple, score: float = 1.0) -> Evidence:
    """One passage holding the sentence of a triple."""
    return path_evidence(kg, (triple,), score)


def merge_evidence(items: Iterable[Evidence], limit: int | None = None) -> list[Evidence]:
    """Best score per passage id, best first (stable among ties), at most `limit`."""
    best: dict[str, Evidence] = {}
    for item in items:
        kept = best.get(item.passage.id)
        if kept is None or item.score > kept.score:
            best[item.passage.id] = item
    ordered = sorted(best.values(), key=lambda e: -e.score)
    return ordered if limit is None else ordered[:limit]
