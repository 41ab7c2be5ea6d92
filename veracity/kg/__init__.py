"""The knowledge graph as a judge: `KGJudge` decides the claims the graph settles and passes the rest,
with the graph's verbalised triples, to a fallback judge. `load_kg` opens a saved graph or a file of triples.

The graph itself (store, loaders, entity linking, the `"kg"` retriever) lives in `veracity.retrieval.kg`.
Names are imported lazily: importing this package loads neither networkx nor spaCy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from veracity._lazy import lazy_getattr

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from veracity.kg.judge import KGJudge, decision_verdict
    from veracity.kg.load import as_kg_retriever, load_kg
    from veracity.retrieval.kg import KGDecision, KGRetriever, KnowledgeGraph

_EXPORTS = {
    "KGJudge": "veracity.kg.judge",
    "decision_verdict": "veracity.kg.judge",
    "as_kg_retriever": "veracity.kg.load",
    "load_kg": "veracity.kg.load",
    "KGDecision": "veracity.retrieval.kg",
    "KGRetriever": "veracity.retrieval.kg",
    "KnowledgeGraph": "veracity.retrieval.kg",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
