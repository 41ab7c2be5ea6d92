"""Load documents from files or folders: .txt, .md, .html, .pdf, .jsonl and .csv.

Document ids are stable: a record's own `id` when it has one, otherwise derived from the content,
`<file stem>-<first 16 hex digits of sha256(text)>`, so re-reading unchanged files gives the same
ids and an edited file gets a new one. Whole-file documents keep their relative path and format in
`metadata["path"]` / `metadata["format"]`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError
from veracity.retrieval.ingest.html_text import html_to_text
from veracity.retrieval.ingest.pdf_text import pdf_text
from veracity.retrieval.ingest.records import read_csv, read_jsonl
from veracity.types import Document

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
RECORD_SUFFIXES = (".jsonl", ".csv")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".pdf", *RECORD_SUFFIXES)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SLUG = re.compile(r"[^a-z0-9]+")


def content_id(name: str, text: str) -> str:
    """`<slug of name>-<16 hex digits of sha256(text)>`: the id of a document that has none."""
    slug = _SLUG.sub("-", name.lower()).strip("-")[:40].strip("-") or "doc"
    return f"{slug}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def load_documents(path: str | Path) -> list[Document]:
    """Read `path` (a supported file, or a folder searched recursively) into documents.

    .txt/.md/.html/.pdf files give one document each; title = first Markdown heading (.md), the
    page title (.html), the PDF's title, else the file stem. HTML keeps the main text only; PDF the
    text layer, with `metadata["page_starts"]` (character offset of each page). A .jsonl line or a
    .csv row gives one document: `text` required, `id` and `title` optional, other fields go to
    `metadata`. Hidden files and folders and other suffixes are skipped when reading a folder.
    The same document read twice is kept once. Raises InputFormatError for a missing path, an
    unreadable or malformed file, or one id given to two different documents.
    """
    root = Path(path)
    if root.is_dir():
        files = sorted(_supported_files(root))
        base = root
    elif root.is_file():
        if root.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise InputFormatError(
                f"{root}: unsupported file type {root.suffix or '(none)'!r}; "
                f"expected one of {', '.join(SUPPORTED_SUFFIXES)}"
            )
        files = [root]
        base = root.parent
    else:
        raise InputFormatError(f"no such file or folder: {root}")
    documents: dict[str, Document] = {}
    seen: dict[str, Path] = {}
    for file in files:
        for doc in _read_file(file, file.relative_to(base).as_posix()):
            if doc.id in documents:
                if documents[doc.id].text == doc.text and documents[doc.id].title == doc.title:
                    continue
                raise InputFormatError(f"{file}: document id {doc.id!r} already used in {seen[doc.id]}")
            documents[doc.id] = doc
            seen[doc.id] = file
    return list(documents.values())


def _supported_files(root: Path) -> Iterator[Path]:
    for file in root.rglob("*"):
        relative = file.relative_to(root).parts
        if any(part.startswith(".") for part in relative):
            continue
        if file.is_file() and file.suffix.lower() in SUPPORTED_SUFFIXES:
            yield file


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InputFormatError(f"cannot read {file}: {exc.strerror or exc}") from exc


def _read_text(file: Path) -> str:
    try:
        return _read_bytes(file).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _read_file(file: Path, relative: str) -> Iterator[Document]:
    suffix = file.suffix.lower()
    if suffix == ".jsonl":
        yield from read_jsonl(file, _read_text(file), lambda text: content_id(file.stem, text))
        return
    if suffix == ".csv":
        yield from read_csv(file, _read_text(file), lambda text: content_id(file.stem, text))
        return
    metadata: dict[str, Any] = {"path": relative, "format": suffix.lstrip(".")}
    if suffix in HTML_SUFFIXES:
        from bs4 import UnicodeDammit

        markup = UnicodeDammit(_read_bytes(file), is_html=True).unicode_markup
        if markup is None:
            raise InputFormatError(f"{file}: cannot decode the HTML text")
        text, title = html_to_text(markup)
        metadata["format"] = "html"
    elif suffix == ".pdf":
        extracted = pdf_text(file)
        text, title = extracted.text, extracted.title
        metadata["page_starts"] = extracted.page_starts
    else:
        text = _read_text(file)
        title = _markdown_title(text) if suffix in (".md", ".markdown") else None
        metadata["format"] = "md" if suffix == ".markdown" else metadata["format"]
    yield Document(id=content_id(file.stem, text), text=text, title=title or file.stem, metadata=metadata)


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        match = _MD_HEADING.match(line)
        if match:
            return match.group(1)
    return None
