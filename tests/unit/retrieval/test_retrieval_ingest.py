"""Ingestion: every file format from a real fixture, stable ids, errors, duplicate detection."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from _paths import DATA

from veracity.errors import InputFormatError
from veracity.retrieval import Document, content_id, load_documents, split_document
from veracity.retrieval.ingest.dedup import fingerprint, near_duplicates, normalise

INGEST = DATA / "ingest"
FIXTURE_FILES = ("abstract.txt", "abstract.md", "article.html", "paper.pdf", "records.jsonl", "records.csv")


def _generator():
    spec = importlib.util.spec_from_file_location("make_fixtures", INGEST / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _generator()
ABSTRACTS = MAKE.abstracts()


def _words(text: str) -> list[str]:
    return text.split()


def _only(path: Path) -> Document:
    docs = load_documents(path)
    assert len(docs) == 1
    return docs[0]


def test_fixtures_are_reproducible(tmp_path: Path) -> None:
    MAKE.main(tmp_path)
    for name in FIXTURE_FILES:
        assert (tmp_path / name).read_bytes() == (INGEST / name).read_bytes(), name


def test_txt() -> None:
    doc = _only(INGEST / "abstract.txt")
    assert doc.text == ABSTRACTS[MAKE.TXT]["text"] + "\n"
    assert doc.id == content_id("abstract", doc.text) and doc.id.startswith("abstract-")
    assert doc.title == "abstract"
    assert doc.metadata == {"path": "abstract.txt", "format": "txt"}


def test_markdown() -> None:
    doc = _only(INGEST / "abstract.md")
    row = ABSTRACTS[MAKE.MD]
    assert doc.title == row["title"]
    assert _words(doc.text) == ["#", *_words(row["title"]), *_words(row["text"])]
    assert doc.metadata["format"] == "md"


def test_html_keeps_the_article_and_drops_boilerplate() -> None:
    doc = _only(INGEST / "article.html")
    row = ABSTRACTS[MAKE.HTML]
    assert doc.title == row["title"]
    assert _words(doc.text) == _words(row["title"]) + _words(row["text"])
    for boilerplate in ("cookies", "Sign in", "Browse issues", "Related articles", "Copyright", "tracking",
                        "Share on social", "footer script", "font-family", "Home"):
        assert boilerplate not in doc.text
    assert doc.metadata == {"path": "article.html", "format": "html"}
    # heading and paragraphs are separate blocks, so no passage joins the title to a sentence
    assert doc.text.startswith(row["title"] + "\n\n")


def test_html_without_main_element_uses_the_body(tmp_path: Path) -> None:
    page = tmp_path / "plain.htm"
    page.write_text(
        "<html><head><title>T</title></head><body><ul><li><a href='/x'>Home</a></li><li><a href='/y'>News</a></li></ul>"
        "<div class='content'><p>First real sentence.</p><p>Second one &amp; more.</p></div></body></html>",
        encoding="latin-1",
    )
    doc = _only(page)
    assert doc.text == "First real sentence.\n\nSecond one & more."
    assert doc.title == "T"


def test_pdf_text_layer() -> None:
    doc = _only(INGEST / "paper.pdf")
    row = ABSTRACTS[MAKE.PDF]
    assert doc.title == row["title"]
    assert _words(doc.text) == _words(row["text"])
    starts = doc.metadata["page_starts"]
    assert starts[0] == 0 and len(starts) == 2
    assert doc.text[starts[1] :].startswith("disseminated from the mosquito midgut")
    passages = split_document(doc, max_chars=None, max_tokens=128)
    assert all(doc.text[p.start : p.end] == p.text for p in passages)
    # the page break falls inside a sentence: no passage ends there
    assert not any(p.end == starts[1] - 1 for p in passages)


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a PDF\n")
    with pytest.raises(InputFormatError, match="broken.pdf"):
        load_documents(broken)


def test_jsonl_records() -> None:
    docs = load_documents(INGEST / "records.jsonl")
    assert [d.text for d in docs] == [ABSTRACTS[i]["text"] for i in MAKE.JSONL]
    assert [d.id for d in docs[:2]] == [f"scifact-{i}" for i in MAKE.JSONL[:2]]
    assert docs[2].id == content_id("records", docs[2].text)
    assert [d.metadata for d in docs] == [{"source": "SciFact", "rank": i} for i in range(3)]
    assert docs[0].title == ABSTRACTS[MAKE.JSONL[0]]["title"]


def test_csv_records() -> None:
    docs = load_documents(INGEST / "records.csv")
    assert [d.text for d in docs] == [ABSTRACTS[i]["text"] for i in MAKE.CSV]
    assert [d.id for d in docs[:2]] == [f"scifact-{i}" for i in MAKE.CSV[:2]]
    assert docs[2].id == content_id("records", docs[2].text)
    assert all(d.metadata == {"source": "SciFact"} for d in docs)
    assert [d.title for d in docs] == [ABSTRACTS[i]["title"] for i in MAKE.CSV]


def test_csv_errors(tmp_path: Path) -> None:
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="'text' column"):
        load_documents(no_text)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,text\n1,hello,extra\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"ragged\.csv, line 2"):
        load_documents(ragged)


def test_folder_with_every_format() -> None:
    docs = load_documents(INGEST)
    assert len(docs) == 10 and len({d.id for d in docs}) == 10
    formats = {d.metadata.get("format") for d in docs if "path" in d.metadata}
    assert formats == {"txt", "md", "html", "pdf"}
    again = load_documents(INGEST)
    assert [d.id for d in again] == [d.id for d in docs]  # stable across reads


def test_the_same_file_twice_is_one_document(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "note.txt").write_text("Identical text. In two folders.", encoding="utf-8")
    docs = load_documents(tmp_path)
    assert len(docs) == 1 and docs[0].metadata["path"] == "a/note.txt"


# -- duplicate detection ----------------------------------------------------------------------


def test_fingerprint_ignores_case_spacing_and_punctuation() -> None:
    assert normalise("  The  P53 gene, (again)!") == "the p53 gene again"
    assert fingerprint("The p53 gene, again.") == fingerprint("the P53  gene again")
    assert fingerprint("The p53 gene.") != fingerprint("The p63 gene.")


def test_near_duplicates_folds_only_close_texts() -> None:
    base = ABSTRACTS[MAKE.TXT]["text"]
    one_word = base.replace("deadly", "lethal", 1)
    assert one_word != base
    other = ABSTRACTS[MAKE.MD]["text"]
    half = " ".join(base.split()[: len(base.split()) // 2])
    result = near_duplicates([base, other, one_word, half, one_word])
    assert result == [None, None, 0, None, 0]
    assert near_duplicates([]) == [] and near_duplicates(["x"]) == [None]


def test_records_keep_numbers_and_json_types(tmp_path: Path) -> None:
    path = tmp_path / "typed.jsonl"
    path.write_text(json.dumps({"text": "A.", "year": 2020, "peer_reviewed": True, "tags": ["x"]}) + "\n")
    (doc,) = load_documents(path)
    assert doc.metadata == {"year": 2020, "peer_reviewed": True, "tags": ["x"]}
