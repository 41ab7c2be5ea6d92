"""JSON Lines files of a knowledge graph: writing rows, and reading objects with their file:line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write `rows` as JSON Lines (UTF-8, non-ASCII kept)."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False))
            out.write("\n")


def iter_json_objects(path: Path, required: tuple[str, ...] = ()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (file:line, object) for each non-blank line; bad lines raise `InputFormatError`."""
    try:
        with path.open("r", encoding="utf-8") as lines:
            for line_no, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{line_no}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputFormatError(f"{where}: not valid JSON: {exc.msg}") from exc
                if not isinstance(row, dict):
                    raise InputFormatError(f"{where}: expected a JSON object")
                absent = [key for key in required if not isinstance(row.get(key), str) or not row[key]]
                if absent:
                    raise InputFormatError(f"{where}: missing or empty string field(s) {', '.join(absent)}")
                yield where, row
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read {path}: {exc}") from exc
