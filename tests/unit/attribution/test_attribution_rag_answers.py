"""The committed RAG answers (`tests/data/rag_answers.jsonl`): schema, and ALCE citation scores on each."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from _paths import REPO, SHARED_DATA

from veracity.attribution import citation_scores, parse_citations

DATA = REPO / "tests" / "data" / "rag_answers.jsonl"
LABELS = {"attributable", "not attributable"}
ANSWERS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def entails(judge):
    """Our verifier (the session's `judge`) on the calibrated probability at 0.5, as the benchmark uses it."""

    def check(premise: str, hypothesis: str) -> bool:
        return judge.p_supported([premise], [hypothesis])[0] >= 0.5

    return check


def test_file_is_small_and_has_30_to_60_answers() -> None:
    assert DATA.stat().st_size < 300_000
    assert 30 <= len(ANSWERS) <= 60
    assert len({a["id"] for a in ANSWERS}) == len(ANSWERS)


@pytest.mark.parametrize("answer", ANSWERS, ids=[a["id"] for a in ANSWERS])
def test_schema_and_markers_point_into_the_passages(answer: dict[str, Any]) -> None:
    assert set(answer) == {"id", "source", "question", "answer", "passages", "sentences"}
    assert answer["source"] == "ExpertQA"
    assert answer["question"].strip() and answer["answer"].strip()
    assert answer["passages"] and all(p["text"].strip() and set(p) == {"url", "text"} for p in answer["passages"])
    assert len(answer["sentences"]) >= 2
    n = len(answer["passages"])
    for sentence in answer["sentences"]:
        assert set(sentence) == {"text", "citations", "label", "source_id"}
        assert sentence["label"] in LABELS
        assert sentence["citations"] and all(0 <= c < n for c in sentence["citations"])
        markers = {int(m) - 1 for m in re.findall(r"\[(\d+)\]", sentence["text"])}
        assert markers == set(sentence["citations"])
    # every passage is cited, and the answer parses back into exactly the labelled sentences
    assert {c for s in answer["sentences"] for c in s["citations"]} == set(range(n))
    parsed = parse_citations(answer["answer"], n)
    assert [sorted(p.citations) for p in parsed] == [s["citations"] for s in answer["sentences"]]
    assert all(not p.out_of_range for p in parsed)


def test_citation_scores_run_on_every_answer(entails) -> None:
    for answer in ANSWERS:
        scores = citation_scores(answer["answer"], answer["passages"], entails=entails)
        assert scores.n_sentences == len(answer["sentences"])
        for value in (scores.recall, scores.precision):
            assert not math.isnan(value) and 0.0 <= value <= 1.0


@pytest.mark.skipif(
    not (SHARED_DATA / "attributionbench" / "dev_sample.jsonl").is_file(), reason="no shared AttributionBench sample"
)
def test_the_derivation_script_reproduces_the_file(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_rag_answers", REPO / "benchmarks" / "make_rag_answers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "rag_answers.jsonl"
    assert module.main(["--data", str(SHARED_DATA), "--out", str(out)]) == 0
    assert out.read_bytes() == DATA.read_bytes()
