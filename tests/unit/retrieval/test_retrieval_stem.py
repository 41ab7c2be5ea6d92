"""BM25 plural folding (`IndexSettings.stem`): saved with the index, applied to passages and queries alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.retrieval import Document, HybridIndex
from veracity.retrieval.search.lexical import plural_stem


@pytest.mark.parametrize(
    ("token", "stem"),
    [("cells", "cell"), ("studies", "study"), ("processes", "process"), ("genes", "gene"), ("boxes", "box"),
     ("virus", "virus"), ("analysis", "analysis"), ("class", "class"), ("has", "has"), ("1990s", "1990s"), ("cell", "cell")],
)
def test_plural_stem(token: str, stem: str) -> None:
    assert plural_stem(token) == stem


DOCS = [
    Document(id="a", text="Stem cells divide rapidly in culture."),
    Document(id="b", text="The weather was mild and the market was quiet."),
]


def test_stemmed_index_matches_singular_and_plural_and_survives_save(tmp_path: Path) -> None:
    plain = HybridIndex.build(DOCS, stem=False)
    stemmed = HybridIndex.build(DOCS)  # stemming is the default
    assert stemmed.settings.stem is True
    assert plain.search("a stem cell divides", k=2, mode="bm25")[0].passage.doc_id == "a"
    assert not plain.search("cell", k=2, mode="bm25")  # "cell" is not "cells" without stemming
    assert [e.passage.doc_id for e in stemmed.search("cell", k=2, mode="bm25")] == ["a"]
    loaded = HybridIndex.load(stemmed.save(tmp_path / "idx"))
    assert loaded.settings.stem is True
    assert [e.passage.doc_id for e in loaded.search("cell", k=2, mode="bm25")] == ["a"]
    assert HybridIndex.load(plain.save(tmp_path / "plain")).settings.stem is False
