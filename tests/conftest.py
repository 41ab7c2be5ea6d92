"""Shared fixtures: real models, loaded once per test session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from _paths import DATA

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


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


# Markers by file name (basenames are unique across tests/unit, tests/integration and tests/browser) and, for
# tests/browser/, by folder: `pytest -m "not slow and not model and not browser and not ray"` is the fast unit run;
# `make test` runs everything. A test needing the `judge` fixture is a `model` test too.
RAY_FILES = {"test_ray.py"}
BROWSER_DIR = Path(__file__).resolve().parent / "browser"
BROWSER_TESTS = {"test_report_html.py": "test_browser_"}  # file -> name prefix of its browser tests
MODEL_FILES = {  # build a real model in the test itself: the verifier, the dense embedder, local/smollm2, a server
    "test_calibration.py", "test_cli.py", "test_cli_index.py", "test_client.py", "test_confidence_prompt.py",
    "test_default_runtime.py", "test_hostile_inputs.py", "test_judge_resampling.py", "test_judges.py",
    "test_llm_judges.py", "test_llm_local.py", "test_llm_stages.py", "test_onnx_backend.py", "test_plugins.py",
    "test_provenance.py", "test_pytest_plugin.py", "test_quote_rule.py", "test_report_html.py", "test_retrieval.py",
    "test_retrieval_documents.py", "test_retrieval_incremental.py", "test_retrieval_stem.py", "test_server.py",
    "test_trust_score.py", "test_ui.py",
}
MODEL_FIXTURES = {"judge"}
MODEL_TESTS = {"test_benchmark_runs_with_the_real_verifier", "test_default_entails_runs_our_verifier"}  # in otherwise model-free files


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = item.path.name
        if name in RAY_FILES:
            item.add_marker(pytest.mark.ray)
            item.add_marker(pytest.mark.slow)
        if BROWSER_DIR in item.path.resolve().parents or item.name.startswith(BROWSER_TESTS.get(name, "\0")):
            item.add_marker(pytest.mark.browser)
        if name in MODEL_FILES or item.name in MODEL_TESTS or MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
