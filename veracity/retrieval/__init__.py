"""Evidence retrieval: passages, BM25 + dense hybrid search, document loading."""

from veracity.retrieval.documents import load_documents
from veracity.retrieval.errors import IndexMismatchError, InvalidArgumentError
from veracity.retrieval.fusion import rrf
from veracity.retrieval.hybrid import HybridIndex, SearchMode
from veracity.retrieval.passages import split_document
from veracity.retrieval.protocol import Retriever, available_retrievers, get_retriever, register_retriever
from veracity.types import Document, Evidence, Passage

__all__ = [
    "Document",
    "Evidence",
    "HybridIndex",
    "IndexMismatchError",
    "InvalidArgumentError",
    "Passage",
    "Retriever",
    "SearchMode",
    "available_retrievers",
    "get_retriever",
    "load_documents",
    "register_retriever",
    "rrf",
    "split_document",
]
