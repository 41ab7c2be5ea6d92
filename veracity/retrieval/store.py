"""JSON Lines persistence of documents and passages (no pickles)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from veracity.errors import InputFormatError

_M = TypeVar("_M", bound=BaseModel)


def write_jsonl(path: Path, records: Iterable[BaseModel]) -> int:
    """Write one JSON object per record; returns the number written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(record.model_dump_json())
            out.write("\n")
            count += 1
    return count


def read_jsonl(path: Path, model: type[_M]) -> list[_M]:
    """Read records written by `write_jsonl`; a bad line raises InputFormatError naming it."""
    records: list[_M] = []
    try:
        with path.open("r", encoding="utf-8") as lines:
            for line_no, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    records.append(model.model_validate_json(line))
                except ValidationError as exc:
                    raise InputFormatError(
                        f"{path}:{line_no}: not a valid {model.__name__}: {exc.errors()[0]['msg']}"
                    ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read {path}: {exc}") from exc
    return records
