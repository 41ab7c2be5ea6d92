"""How an index cuts, folds and searches passages; saved in its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from veracity.retrieval.errors import InvalidArgumentError
from veracity.retrieval.search.dense import DenseConfig

DedupMode = Literal["near", "exact", "off"]
DEDUP_MODES: tuple[str, ...] = ("near", "exact", "off")


@dataclass(frozen=True)
class IndexSettings:
    """Passage windows (`max_tokens` word-pieces and/or `max_chars`, `overlap_sentences`), duplicate
    folding (`dedup`: "near" folds equal normalised texts index-wide and Jaccard >= 0.9 within one
    build/add call, "exact" only the former, "off" none), whether BM25 and the embedder see each
    passage under its document's title (`titles`), whether BM25 folds plurals (`stem`), claim query
    weights, dense index config."""

    max_tokens: int | None = 128
    max_chars: int | None = None
    overlap_sentences: int = 1
    dedup: DedupMode = "near"
    titles: bool = True
    stem: bool = False  # BM25 folds plural endings (an index saved before this setting existed has none)
    name_weight: float = 2.0
    number_weight: float = 1.0
    dense: DenseConfig = field(default_factory=DenseConfig)

    def __post_init__(self) -> None:
        if self.max_tokens is None and self.max_chars is None:
            raise InvalidArgumentError("give max_tokens, max_chars or both")
        if self.dedup not in DEDUP_MODES:
            raise InvalidArgumentError(f"dedup must be one of {', '.join(DEDUP_MODES)}, got {self.dedup!r}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["dense"] = self.dense.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexSettings:
        known = set(cls.__dataclass_fields__)
        values = {key: value for key, value in data.items() if key in known and key != "dense"}
        return cls(**values, dense=DenseConfig.from_json(data.get("dense", {})))
