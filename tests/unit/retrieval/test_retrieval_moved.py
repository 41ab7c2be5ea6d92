"""`veracity.retrieval` is grouped into ingest/, storage/ and search/; the old flat paths stay, as warning aliases."""

from __future__ import annotations

import importlib
import sys

import pytest

GROUPS = {
    "ingest": ["dedup", "documents", "html_text", "passages", "pdf_text", "records", "sentences"],
    "storage": ["changes", "encoding", "files", "locking", "manifest", "settings", "store"],
    "search": ["by_document", "dense", "embedder", "fusion", "hybrid_search", "lexical", "query"],
}
MOVED = {f"veracity.retrieval.{m}": f"veracity.retrieval.{g}.{m}" for g, ms in GROUPS.items() for m in ms}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_is_the_new_module(old: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=MOVED[old]):
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])


def test_patching_the_old_path_patches_the_new_module(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(DeprecationWarning):
        monkeypatch.delitem(sys.modules, "veracity.retrieval.fusion", raising=False)
        old = importlib.import_module("veracity.retrieval.fusion")
    monkeypatch.setattr(old, "RRF_K", 7)
    assert importlib.import_module("veracity.retrieval.search.fusion").RRF_K == 7
