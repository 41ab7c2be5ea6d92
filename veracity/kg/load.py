"""Opening a knowledge graph: from a saved graph directory or a file of triples, as a `KGRetriever`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from veracity.errors import VeracityError

if TYPE_CHECKING:
    from veracity.retrieval.kg import KGRetriever, KnowledgeGraph


def load_kg(path: Path | str) -> "KnowledgeGraph":
    """A knowledge graph from a saved graph directory, or a .tsv / .nt / .jsonl file of triples."""
    from veracity.retrieval.kg import KnowledgeGraph, load_jsonl, load_ntriples, load_tsv

    path = Path(path)
    if path.is_dir():
        return KnowledgeGraph.load(path)
    loaders = {".tsv": load_tsv, ".txt": load_tsv, ".nt": load_ntriples, ".jsonl": load_jsonl}
    if path.suffix not in loaders:
        raise VeracityError(f"cannot read a knowledge graph from {path}: use a saved graph directory, .tsv, .nt or .jsonl")
    if not path.is_file():
        raise VeracityError(f"knowledge graph file not found: {path}")
    return loaders[path.suffix](path)


def as_kg_retriever(kg: object) -> "KGRetriever":
    """A `KGRetriever` from a retriever (kept), a `KnowledgeGraph`, or a saved graph's path."""
    from veracity.retrieval.kg import KGRetriever, KnowledgeGraph

    if isinstance(kg, KGRetriever):
        return kg
    if isinstance(kg, (str, Path)):
        kg = load_kg(Path(kg))
    if not isinstance(kg, KnowledgeGraph):
        raise VeracityError(f"kg must be a KnowledgeGraph, a KGRetriever or a saved graph's path, not {type(kg).__name__}")
    return KGRetriever(kg)
