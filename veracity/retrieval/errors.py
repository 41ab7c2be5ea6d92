"""Errors specific to retrieval; all are `VeracityError`s."""

from __future__ import annotations

from veracity.errors import InputFormatError, VeracityError


class InvalidArgumentError(VeracityError, ValueError):
    """A retrieval argument (search mode, k, window size...) is out of range."""


class IndexMismatchError(VeracityError):
    """A saved index was built with another embedder or an unsupported format version."""


class IndexCorruptError(InputFormatError):
    """A saved index's parts disagree (counts or rows of the store, FAISS and BM25 files)."""
