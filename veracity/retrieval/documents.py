"""Load user documents from .txt, .md and .jsonl files or folders of them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError
from veracity.types import Document

SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def load_documents(path: str | Path) -> list[Document]:
    """Read `path` (a supported file, or a folder searched recursively) into documents.

    .txt/.md files give one document each, id = path relative to the folder (the file name for a
    single file) and title = first Markdown heading (for .md) or the file stem. A .jsonl file gives
    one document per line: `text` is required, `id` (default f"{stem}:{line_no}") and `title` are
    optional, other keys go to `metadata`. Hidden files and folders and other suffixes are skipped
    when reading a folder. Raises InputFormatError for a missing path, an unreadable or malformed
    file, or a duplicate document id.
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
    documents: list[Document] = []
    seen: dict[str, Path] = {}
    for file in files:
        for doc in _read_file(file, file.relative_to(base).as_posix()):
            if doc.id in seen:
                raise InputFormatError(f"{file}: document id {doc.id!r} already used in {seen[doc.id]}")
            seen[doc.id] = file
            documents.append(doc)
    return documents


def _supported_files(root: Path) -> Iterator[Path]:
    for file in root.rglob("*"):
        relative = file.relative_to(root).parts
        if any(part.startswith(".") for part in relative):
            continue
        if file.is_file() and file.suffix.lower() in SUPPORTED_SUFFIXES:
            yield file


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise InputFormatError(f"cannot read {file}: {exc.strerror or exc}") from exc


def _read_file(file: Path, relative: str) -> list[Document]:
    suffix = file.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(file)
    text = _read_text(file)
    title = _markdown_title(text) if suffix == ".md" else None
    return [Document(id=relative, text=text, title=title or file.stem)]


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        match = _MD_HEADING.match(line)
        if match:
            return match.group(1)
    return None


def _read_jsonl(file: Path) -> list[Document]:
    documents: list[Document] = []
    for line_no, line in enumerate(_read_text(file).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}, line {line_no}"
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFormatError(f"{where}: invalid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise InputFormatError(f"{where}: expected a JSON object, got {type(record).__name__}")
        text = record.pop("text", None)
        if not isinstance(text, str):
            raise InputFormatError(f"{where}: missing or non-string 'text' field")
        doc_id = record.pop("id", None)
        if doc_id is None:
            doc_id = f"{file.stem}:{line_no}"
        elif isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) and str(doc_id):
            doc_id = str(doc_id)
        else:
            raise InputFormatError(f"{where}: 'id' must be a non-empty string or an integer")
        title = record.pop("title", None)
        if title is not None and not isinstance(title, str):
            raise InputFormatError(f"{where}: 'title' must be a string")
        documents.append(Document(id=doc_id, text=text, title=title, metadata=record))
    return documents
