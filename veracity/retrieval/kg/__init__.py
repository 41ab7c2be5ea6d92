"""Knowledge-graph evidence: triples in a networkx graph, entity linking, claim-level KG verdicts.

Importing this package registers the `"kg"` retriever (`get_retriever("kg", kg=...)`).
"""

from veracity.retrieval.kg.evidence import KG_SOURCE, path_evidence, triple_evidence
from veracity.retrieval.kg.linking import EntityLinker, Mention, normalise
from veracity.retrieval.kg.loaders import (
    LabelledTriple,
    load_aliases,
    load_codex,
    load_fb13,
    load_jsonl,
    load_ntriples,
    load_tsv,
    read_labelled_triples,
)
from veracity.retrieval.kg.relations import DEFAULT_RELATION_PHRASES, RelationMatcher
from veracity.retrieval.kg.retriever import KGRetriever, open_kg_retriever
from veracity.retrieval.kg.store import DEFAULT_FUNCTIONAL_LABELS, KGPath, KnowledgeGraph, Triple
from veracity.retrieval.kg.verdicts import KGDecision, decide_triple, kg_verdict, kg_verdicts

__all__ = [
    "DEFAULT_FUNCTIONAL_LABELS",
    "DEFAULT_RELATION_PHRASES",
    "EntityLinker",
    "KGDecision",
    "KGPath",
    "KGRetriever",
    "KG_SOURCE",
    "KnowledgeGraph",
    "LabelledTriple",
    "Mention",
    "RelationMatcher",
    "Triple",
    "decide_triple",
    "kg_verdict",
    "kg_verdicts",
    "load_aliases",
    "load_codex",
    "load_fb13",
    "load_jsonl",
    "load_ntriples",
    "load_tsv",
    "normalise",
    "open_kg_retriever",
    "path_evidence",
    "read_labelled_triples",
    "triple_evidence",
]
