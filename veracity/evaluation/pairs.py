"""The labelled (evidence, claim) pair that every dev-set loader yields."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from veracity.errors import InputFormatError

__all__ = ["ClaimEvidencePair", "ThreeWay", "dedupe", "read_jsonl"]

ThreeWay = Literal["supported", "refuted", "not_enough_info"]
THREE_WAY_VALUES: frozenset[str] = frozenset(
    {"supported", "refuted", "not_enough_info"}
)


@dataclass(frozen=True, slots=True)
class ClaimEvidencePair:
    """One verification example: does ``premise`` (evidence) support ``hypothesis`` (claim)?

    ``label`` is 1 for supported and 0 for everything else. ``three_way`` keeps the
    finer label when the source distinguishes refuted from not-enough-info, else
    ``None``. ``subset`` names a sub-source (e.g. BEGIN's ``wow``) and ``group_id``
    ties rows that share a claim, where the source has such an id.
    """

    premise: str
    hypothesis: str
    label: int
    dataset: str
    three_way: ThreeWay | None = None
    subset: str | None = None
    group_id: str | None = None

    def __post_init__(self) -> None:
        if self.label not in (0, 1):
            raise ValueError(f"label must be 0 or 1, got {self.label!r}")
        if self.three_way is not None and self.three_way not in THREE_WAY_VALUES:
            raise ValueError(f"unknown three_way label {self.three_way!r}")
        if self.three_way is not None and (self.three_way == "supported") != (
            self.label == 1
        ):
            raise ValueError(
                f"three_way {self.three_way!r} disagrees with label {self.label}"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the fixture format)."""
        return {
            "premise": self.premise,
            "hypothesis": self.hypothesis,
            "label": self.label,
            "three_way": self.three_way,
            "dataset": self.dataset,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> ClaimEvidencePair:
        """Inverse of :meth:`to_dict`; extra keys are ignored."""
        return cls(
            premise=row["premise"],
            hypothesis=row["hypothesis"],
            label=int(row["label"]),
            dataset=row["dataset"],
            three_way=row.get("three_way"),
            subset=row.get("subset"),
            group_id=row.get("group_id"),
        )


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSON Lines file, skipping blank lines."""
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputFormatError(
                    f"{path}:{lineno}: invalid JSON ({exc.msg})"
                ) from exc


def dedupe(pairs: Iterable[ClaimEvidencePair]) -> list[ClaimEvidencePair]:
    """Drop repeated (premise, hypothesis, label) rows, keeping the first of each."""
    seen: set[tuple[str, str, int]] = set()
    out: list[ClaimEvidencePair] = []
    for pair in pairs:
        key = (pair.premise, pair.hypothesis, pair.label)
        if key not in seen:
            seen.add(key)
            out.append(pair)
    return out
