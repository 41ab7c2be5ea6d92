"""What users hand veracity: the text to check and the contexts to check it against.

One context format for every face (Python API, CLI, batch JSONL, HTTP): a list whose items are texts,
or objects with `text` and optional `id` and `title` (`doc_id` and `start` make it a passage of a
document), or `Document` / `Passage` instances. A single string is never taken as a list of contexts.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from veracity.errors import EmptyInputError, InputFormatError, InvalidArgumentError
from veracity.types import Document, Passage

Context = str | Document | Passage
CONTEXT_FORMAT = "a list of contexts (texts, or objects with `text` and optional `id`, `title`)"
_CONTEXT_KEYS = frozenset({"text", "id", "title", "doc_id", "start"})


def kind(value: object) -> str:
    """How an error message names what it got instead: the type, and the value when it is short."""
    if value is None:
        return "None"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, str):
        return f"a string ({value[:40]!r}{'...' if len(value) > 40 else ''})"
    return f"a {type(value).__name__}"


def valid_unicode(value: str, name: str) -> str:
    """`value`, unless it holds a lone surrogate (not text: no encoder or model can take it)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidArgumentError(f"{name} is not valid Unicode (a lone surrogate at character {err.start})") from None
    return value


def require_text(value: object, name: str = "text") -> str:
    """`value` if it is a non-blank `str`; InvalidArgumentError for another type, EmptyInputError for blank text."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {kind(value)}")
    valid_unicode(value, name)
    if not value.strip():
        raise EmptyInputError(f"{name} is empty")
    return value


def require_texts(value: object, name: str) -> list[str]:
    """A list of `str` (each may be blank); a single string or any other type is refused, naming the item."""
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(f"{name} must be a list of strings, not {kind(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidArgumentError(f"{name}[{i}] must be a str, not {kind(item)}")
        valid_unicode(item, f"{name}[{i}]")
    return list(value)


def require_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be an integer of at least 1, not {value!r}")
    return value


def as_contexts(value: object, name: str = "contexts") -> list[Context]:
    """Contexts as the pipeline takes them; InvalidArgumentError (naming the item) for anything else.

    A string, bytes or a single mapping is refused (it would be iterated character by character or key by key).
    """
    if isinstance(value, (str, bytes, bytearray, Mapping, set, frozenset)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(f"{name} must be {CONTEXT_FORMAT}, not {kind(value)}")
    return [as_context(item, i, name) for i, item in enumerate(value, 1)]


def as_context(item: object, position: int, name: str = "contexts") -> Context:
    """One context: text, a `Document`/`Passage`, or a mapping (id defaults to ctx<position>)."""
    where = f"{name}[{position - 1}]"
    if isinstance(item, (str, Document, Passage)):
        valid_unicode(item if isinstance(item, str) else item.text, where)
        return item
    if not isinstance(item, Mapping):
        raise InvalidArgumentError(f"{where} must be a text or an object with `text`, not {kind(item)}")
    unknown = sorted(str(key) for key in item if key not in _CONTEXT_KEYS)
    if unknown:
        raise InvalidArgumentError(f"{where} has unknown field(s) {', '.join(unknown)}; expected text, id, title")
    text, cid, title = item.get("text"), item.get("id"), item.get("title")
    if not isinstance(text, str):
        raise InvalidArgumentError(f"{where}.text must be a str, not {kind(text)}")
    valid_unicode(text, f"{where}.text")
    if cid is not None and (not isinstance(cid, (str, int)) or isinstance(cid, bool) or not str(cid).strip()):
        raise InvalidArgumentError(f"{where}.id must be a non-empty string, not {kind(cid)}")
    if title is not None and not isinstance(title, str):
        raise InvalidArgumentError(f"{where}.title must be a str, not {kind(title)}")
    pid = str(cid) if cid is not None else f"ctx{position}"
    doc_id, start = item.get("doc_id"), item.get("start")
    if doc_id is not None:
        if not isinstance(doc_id, str) or not doc_id.strip():
            raise InvalidArgumentError(f"{where}.doc_id must be a non-empty string, not {kind(doc_id)}")
        if start is not None and (isinstance(start, bool) or not isinstance(start, int) or start < 0):
            raise InvalidArgumentError(f"{where}.start must be a non-negative integer, not {kind(start)}")
        offset = start or 0
        return Passage(id=pid, doc_id=doc_id, text=text, start=offset, end=offset + len(text))
    return Document(id=pid, text=text, title=title or None)


def context_json(context: Context) -> str | dict[str, Any]:
    """A context as plain JSON (what batch records carry between processes)."""
    if isinstance(context, str):
        return context
    if isinstance(context, Passage):
        return {"id": context.id, "doc_id": context.doc_id, "text": context.text, "start": context.start}
    return {k: v for k, v in {"id": context.id, "title": context.title, "text": context.text}.items() if v is not None}


def read_text(source: str) -> str:
    """The text of a file, or of standard input for "-"; empty text is an error."""
    if source == "-":
        text = sys.stdin.read()
    else:
        text = _read(Path(source))
    if not text.strip():
        raise EmptyInputError(f"{'standard input' if source == '-' else source} is empty: nothing to check")
    return text


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputFormatError(f"file not found: {path}") from err
    except IsADirectoryError as err:
        raise InputFormatError(f"{path} is a directory, not a file") from err
    except UnicodeDecodeError as err:
        raise InputFormatError(f"{path} is not UTF-8 text") from err
    except OSError as err:
        raise InputFormatError(f"cannot read {path}: {err.strerror or err}") from err


def read_contexts(path: Path) -> list[Context]:
    """Contexts from .json (a list of texts or of objects with `text`, `id`, `title`), .jsonl (one per line),
    or text (blank-line separated); objects keep their id and title, as everywhere else."""
    raw = _read(path)
    if path.suffix == ".json":
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as err:
            raise InputFormatError(f"{path}: invalid JSON ({err.msg} at line {err.lineno})") from err
        if not isinstance(items, list):
            raise InputFormatError(f"{path}: expected a JSON list of contexts")
        return [_context_text(item, path, i, f"item {i}") for i, item in enumerate(items, 1)]
    if path.suffix == ".jsonl":
        contexts = []
        for line_no, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    contexts.append(_context_text(json.loads(line), path, len(contexts) + 1, f"line {line_no}"))
                except json.JSONDecodeError as err:
                    raise InputFormatError(f"{path}:{line_no}: invalid JSON ({err.msg})") from err
        return contexts
    contexts = [block.strip() for block in raw.split("\n\n") if block.strip()]
    if not contexts:
        raise EmptyInputError(f"{path} holds no contexts")
    return contexts


def _context_text(item: object, path: Path, position: int, where: str) -> Context:
    try:
        return as_context(item, position, "contexts")
    except InvalidArgumentError as err:
        raise InputFormatError(f"{path}: {where}: {err}") from err


def require_claim(value: object, name: str = "claim") -> None:
    """A claim to verify: a `Claim` or a str (InvalidArgumentError otherwise)."""
    from veracity.types import Claim

    if not isinstance(value, (str, Claim)):
        raise InvalidArgumentError(f"{name} must be a Claim or a str, not {kind(value)}")
    valid_unicode(value if isinstance(value, str) else value.text, name)


def require_evidence(value: object, name: str = "evidence") -> None:
    """Evidence for one claim: a list of texts or `Evidence`; a single string is refused, never iterated."""
    from veracity.types import Evidence

    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(f"{name} must be a list of evidence texts or Evidence, not {kind(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, (str, Evidence)):
            raise InvalidArgumentError(f"{name}[{i}] must be a str or an Evidence, not {kind(item)}")
        valid_unicode(item if isinstance(item, str) else item.passage.text, f"{name}[{i}]")


def require_sequence(value: object, name: str) -> Sequence[Any]:
    """A list (or tuple) argument; a string, mapping or anything else is refused."""
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(f"{name} must be a list, not {kind(value)}")
    return value


def prepare_output(path: Path) -> Path:
    """Check an output file before any work: its folder is created, and a directory or an unwritable
    place is refused with InputFormatError (so no check runs only to fail at the end)."""
    if path.is_dir():
        raise InputFormatError(f"--out {path} is a directory: give a file name")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputFormatError(f"cannot create the folder of --out {path}: {err.strerror or err}") from err
    if not parent.is_dir():
        raise InputFormatError(f"cannot write --out {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputFormatError(f"cannot write --out {path}: permission denied")
    return path
