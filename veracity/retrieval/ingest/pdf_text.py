"""The text layer of a PDF (no OCR), one page after another; `page_starts` gives where each begins."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from veracity.errors import InputFormatError

_HYPHENATED = re.compile(r"([a-z])-\n([a-z])")
_SPACE = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class PdfText:
    text: str
    title: str | None
    page_starts: list[int]  # character offset in `text` where each page begins


def pdf_text(path: Path) -> PdfText:
    """Extract the text layer of every page; a line-end hyphen between lowercase letters is joined.

    Raises InputFormatError for an unreadable or encrypted file. A scanned PDF without a text layer
    gives empty text.
    """
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise InputFormatError(f"{path}: reading PDF needs the package 'pypdf' (pip install pypdf)") from exc
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise InputFormatError(f"{path}: encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = info.title if info is not None else None
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise InputFormatError(f"{path}: cannot read PDF ({exc})") from exc
    text = ""
    starts: list[int] = []
    for page in pages:
        cleaned = _HYPHENATED.sub(r"\1\2", page)
        cleaned = "\n".join(_SPACE.sub(" ", line).strip() for line in cleaned.splitlines()).strip()
        if text:
            # A page that ends inside a sentence continues it; otherwise pages are paragraphs.
            text += "\n\n" if text[-1] in ".!?:" else "\n"
        starts.append(len(text))
        text += cleaned
    return PdfText(text=text, title=title.strip() if isinstance(title, str) and title.strip() else None, page_starts=starts)
