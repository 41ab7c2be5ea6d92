"""Reading what users hand the CLI: the text to check and the contexts to check it against."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from veracity.errors import EmptyInputError, InputFormatError


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


def read_contexts(path: Path) -> list[str]:
    """Contexts from .json (a list of strings or of objects with `text`), .jsonl, or text (blank-line separated)."""
    raw = _read(path)
    if path.suffix == ".json":
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as err:
            raise InputFormatError(f"{path}: invalid JSON ({err.msg} at line {err.lineno})") from err
        if not isinstance(items, list):
            raise InputFormatError(f"{path}: expected a JSON list of contexts")
        return [_context_text(item, path, i) for i, item in enumerate(items, 1)]
    if path.suffix == ".jsonl":
        contexts = []
        for line_no, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    contexts.append(_context_text(json.loads(line), path, line_no))
                except json.JSONDecodeError as err:
                    raise InputFormatError(f"{path}:{line_no}: invalid JSON ({err.msg})") from err
        return contexts
    contexts = [block.strip() for block in raw.split("\n\n") if block.strip()]
    if not contexts:
        raise EmptyInputError(f"{path} holds no contexts")
    return contexts


def _context_text(item: object, path: Path, where: int) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        title = item.get("title")
        return f"{title}. {item['text']}" if isinstance(title, str) and title else item["text"]
    raise InputFormatError(f"{path}: context {where} must be a string or an object with a `text` field")
