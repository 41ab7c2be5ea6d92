"""`KGRetriever`: the knowledge graph behind the `Retriever` protocol, registered as `"kg"`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from veracity.retrieval.errors import InvalidArgumentError
from veracity.retrieval.kg.evidence import merge_evidence, triple_evidence
from veracity.retrieval.kg.linking import EntityLinker, Mention
from veracity.retrieval.kg.relations import RelationMatcher
from veracity.retrieval.kg.store import KnowledgeGraph
from veracity.retrieval.kg.verdicts import KGDecision, kg_verdict
from veracity.retrieval.protocol import register_retriever
from veracity.types import Evidence

NEIGHBOUR_SCORE = 0.25


class KGRetriever:
    """Verbalised triples about a query's entities: deciding and connecting triples, 2-hop paths,
    then the entities' other triples (score 0.25) until `k` are found."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        linker: EntityLinker | None = None,
        *,
        phrases: Mapping[str, Sequence[str]] | None = None,
        max_paths: int = 5,
    ) -> None:
        self.kg = kg
        self.linker = linker if linker is not None else EntityLinker(kg)
        self.matcher = RelationMatcher(kg, phrases)
        self.max_paths = max_paths

    def decide(self, claim_text: str, mentions: Sequence[Mention] | None = None, k: int = 10) -> KGDecision:
        """The `kg_verdict` of one claim with this retriever's linker and relation phrases."""
        return kg_verdict(
            claim_text, self.kg, self.linker, matcher=self.matcher, mentions=mentions,
            max_paths=self.max_paths, max_evidence=k,
        )

    def decide_many(self, claim_texts: Sequence[str], k: int = 10) -> list[KGDecision]:
        """`decide` for many claims, linking them in one batched spaCy pass."""
        texts = list(claim_texts)
        return [self.decide(t, m, k) for t, m in zip(texts, self.linker.link_many(texts))]

    def search(self, query: str, k: int = 10) -> list[Evidence]:
        """At most `k` evidence passages for `query`, best first."""
        return self.evidence_for(self.decide(query, k=k), k)

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Evidence]]:
        """`search` for each query."""
        return [self.evidence_for(d, k) for d in self.decide_many(queries, k)]

    def evidence_for(self, decision: KGDecision, k: int) -> list[Evidence]:
        """The decision's evidence, topped up with its entities' other triples until `k` are found."""
        if k < 1:
            raise InvalidArgumentError(f"k must be at least 1, got {k}")
        found = list(decision.evidence)
        if len(found) < k:
            for mention in decision.mentions:
                neighbours = self.kg.triples_of(mention.entity_id)[:k]
                found += [triple_evidence(self.kg, t, NEIGHBOUR_SCORE) for t in neighbours]
        return merge_evidence(found, k)


@register_retriever("kg")
def open_kg_retriever(
    kg: KnowledgeGraph | None = None, path: str | Path | None = None, max_paths: int = 5
) -> KGRetriever:
    """Registry factory: a retriever over `kg`, or over the graph saved at `path`."""
    if (kg is None) == (path is None):
        raise InvalidArgumentError("the 'kg' retriever takes exactly one of kg= or path=")
    graph = kg if kg is not None else KnowledgeGraph.load(path)  # type: ignore[arg-type]
    return KGRetriever(graph, max_paths=max_paths)
