"""Errors specific to retrieval; all are `VeracityError`s."""

from __future__ import annotations

from veracity.errors import InputFormatError, InvalidArgumentError, VeracityError

__all__ = ["IndexCorruptError", "IndexMismatchError", "InvalidArgumentError"]
# `InvalidArgumentError` is the package-wide one (a retrieval argument out of range raises it too).


class IndexMismatchError(VeracityError):
    """A saved index was built with another embedder or an unsupported format version."""


class IndexCorruptError(InputFormatError):
    """A saved index's parts disagree (counts or rows of the store, FAISS and BM25 files)."""
