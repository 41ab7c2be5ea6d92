"""Evidence retrieval: document ingestion, passages, a persistent BM25 + dense hybrid index."""

from veracity.retrieval.errors import IndexCorruptError, IndexMismatchError, InvalidArgumentError
from veracity.retrieval.hybrid import HybridIndex, SearchMode
from veracity.retrieval.ingest.documents import SUPPORTED_SUFFIXES, content_id, load_documents
from veracity.retrieval.ingest.passages import Chunker, split_document
from veracity.retrieval.protocol import Retriever, available_retrievers, get_retriever, register_retriever
from veracity.retrieval.search.dense import DenseConfig
from veracity.retrieval.search.embedder import Embedder, MiniLMEmbedder, default_embedder
from veracity.retrieval.search.fusion import format_source, parse_source, rrf, weighted_fusion
from veracity.retrieval.search.query import ClaimQuery
from veracity.retrieval.storage.changes import ChangeSummary
from veracity.retrieval.storage.settings import IndexSettings
from veracity.types import Document, Evidence, Passage

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ChangeSummary",
    "Chunker",
    "ClaimQuery",
    "DenseConfig",
    "Document",
    "Embedder",
    "Evidence",
    "HybridIndex",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexSettings",
    "InvalidArgumentError",
    "MiniLMEmbedder",
    "Passage",
    "Retriever",
    "SearchMode",
    "available_retrievers",
    "content_id",
    "default_embedder",
    "format_source",
    "get_retriever",
    "load_documents",
    "parse_source",
    "register_retriever",
    "rrf",
    "split_document",
    "weighted_fusion",
]
