"""Shared fixtures: real models, loaded once per test session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def judge():
    from veracity.judges import NLIJudge

    return NLIJudge()


@pytest.fixture(scope="session")
def nli_pairs() -> list[dict]:
    return read_jsonl(DATA / "nli_pairs.jsonl")


@pytest.fixture(scope="session")
def scifact_documents():
    from veracity.types import Document

    return [
        Document(id=str(row["id"]), title=row.get("title"), text=row["text"])
        for row in read_jsonl(DATA / "scifact_corpus_small.jsonl")
    ]
