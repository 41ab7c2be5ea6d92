"""Documents from record files: JSON Lines and CSV with a text field, an optional id and title,
and every other field kept as metadata."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError
from veracity.types import Document

IdMaker = Callable[[str], str]


def _record_document(record: dict[str, Any], where: str, make_id: IdMaker) -> Document:
    text = record.pop("text", None)
    if not isinstance(text, str):
        raise InputFormatError(f"{where}: missing or non-string 'text' field")
    doc_id = record.pop("id", None)
    if doc_id is None or doc_id == "":
        doc_id = make_id(text)
    elif isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    else:
        raise InputFormatError(f"{where}: 'id' must be a non-empty string or an integer")
    title = record.pop("title", None)
    if title == "":
        title = None
    if title is not None and not isinstance(title, str):
        raise InputFormatError(f"{where}: 'title' must be a string")
    return Document(id=doc_id, text=text, title=title, metadata=record)


def read_jsonl(file: Path, text: str, make_id: IdMaker) -> Iterator[Document]:
    """One document per non-blank line: `text` required, `id` (default: from the text) and `title` optional."""
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}, line {line_no}"
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFormatError(f"{where}: invalid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise InputFormatError(f"{where}: expected a JSON object, got {type(record).__name__}")
        yield _record_document(record, where, make_id)


def read_csv(file: Path, text: str, make_id: IdMaker) -> Iterator[Document]:
    """One document per row under a header naming a `text` column; `id` and `title` columns optional.

    Other columns become string metadata (empty cells are left out).
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or "text" not in reader.fieldnames:
        raise InputFormatError(f"{file}: a CSV file needs a header row with a 'text' column")
    try:
        for row in reader:
            where = f"{file}, line {reader.line_num}"
            if None in row:
                raise InputFormatError(f"{where}: more cells than header columns")
            record = {key: value for key, value in row.items() if value not in (None, "") or key == "text"}
            if record.get("text") is None:
                raise InputFormatError(f"{where}: missing 'text' cell")
            yield _record_document(record, where, make_id)
    except csv.Error as exc:
        raise InputFormatError(f"{file}, line {reader.line_num}: malformed CSV ({exc})") from exc
