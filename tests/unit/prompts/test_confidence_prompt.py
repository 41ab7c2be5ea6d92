"""The verbalised-confidence pointwise prompt: provenance header, format its own examples follow, and
the plumbing through `PointwiseJudge(prompt="pointwise_confidence")` with the local model."""

from __future__ import annotations

import importlib.util
from importlib import resources

import pytest

from veracity.judges.confidence import parse_verbalized_confidence
from veracity.judges.llm.rating_tokens import parse_label
from veracity.prompts import load_prompt

NAME = "pointwise_confidence"


def test_prompt_file_has_provenance_and_the_pointwise_fields():
    raw = resources.files("veracity.prompts").joinpath(NAME, "v1.md").read_text(encoding="utf-8")
    header = raw.split("---")[1]
    keys = {line.partition(":")[0].strip() for line in header.strip().splitlines()}
    assert {"version", "source", "derived_from", "date", "output"} <= keys
    prompt = load_prompt(NAME)
    assert prompt.version == f"{NAME}/v1"
    assert prompt.fields == load_prompt("pointwise").fields  # a drop-in for pointwise/v1


def test_its_examples_parse_as_score_and_confidence():
    turns = [m["content"] for m in load_prompt(NAME).messages(scale=5, rubric="r", reference="", question="q", answer="a")
             if m["role"] == "assistant"]  # fmt: skip
    assert [parse_label(t, [str(s) for s in range(1, 6)]) for t in turns] == ["1", "5"]
    assert [parse_verbalized_confidence(t) for t in turns] == [0.95, 0.9]


def _local_model_available() -> bool:
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    try:
        from veracity.llm.local import resolve

        resolve("smollm2")
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _local_model_available(), reason="needs llama_cpp and the packaged local/smollm2")
def test_local_model_writes_a_parseable_confidence(tmp_path):
    from veracity.judges import PointwiseJudge
    from veracity.llm import LLMClient

    with LLMClient("local/smollm2", max_concurrency=1, cache=tmp_path / "llm.sqlite") as client:
        judge = PointwiseJudge(client, prompt=NAME, max_tokens=24)
        assert "Confidence: [Y]" in judge.messages("q", "a")[0]["content"]
        score = judge.score("What is the capital of France?", "The capital of France is Paris.")
        assert score.prompt_version == f"{NAME}/v1" and score.value is not None  # the rating still read from logprobs
        confidence = parse_verbalized_confidence(score.raw[0])
        assert confidence is not None and 0.0 <= confidence <= 1.0, score.raw
        assert client.stats.calls == 1 and client.stats.completion_tokens > 0
