"""Models load once per process, on first use: `load_once`, and `FactChecker()` loading nothing."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from veracity.loading import load_once


def test_load_once_runs_one_load_for_racing_threads() -> None:
    calls: list[str] = []

    @load_once
    def load(name: str) -> object:
        calls.append(name)
        time.sleep(0.2)  # long enough for every thread to arrive while the first one loads
        return object()

    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(load("a"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["a"]
    assert len(got) == 8 and all(g is got[0] for g in got)
    assert load("b") is not got[0] and calls == ["a", "b"]
    assert load.loaded("a") and not load.loaded("c")


def test_load_once_does_not_cache_a_failure() -> None:
    attempts: list[int] = []

    @load_once
    def flaky() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("not yet")
        return 7

    with pytest.raises(OSError):
        flaky()
    assert flaky() == 7 and flaky() == 7 and len(attempts) == 2


def test_fact_checker_construction_loads_no_model() -> None:
    code = (
        "import sys\n"
        "from veracity.pipeline import FactChecker\n"
        "checker = FactChecker()\n"
        "from veracity.claims.spacy_nlp import load_nlp\n"
        "from veracity.retrieval.search.embedder import load_embedder\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers', 'spacy', 'onnxruntime') if m in sys.modules]\n"
        "print(heavy, load_nlp.loaded(), load_embedder.loaded())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[] False False"


@pytest.mark.model
def test_judge_is_built_on_first_use_and_its_model_shared() -> None:
    from veracity.judges.nli import NLIJudge
    from veracity.pipeline import FactChecker

    first, second = FactChecker(), FactChecker()
    assert isinstance(first._judge, str)  # nothing built yet
    judges: list[object] = []
    threads = [threading.Thread(target=lambda: judges.append(first.judge)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(j is judges[0] for j in judges) and isinstance(judges[0], NLIJudge)
    assert second.judge is not first.judge and second.judge.loaded is first.judge.loaded


@pytest.mark.model
def test_spacy_loads_without_torch_and_torch_still_imports_after() -> None:
    code = (
        "import sys\n"
        "from veracity.claims.spacy_nlp import load_nlp\n"
        "deps = [t.dep_ for t in load_nlp()('The cat sat on the mat.')]\n"
        "before = 'torch' in sys.modules\n"
        "import torch\n"
        "print(before, deps[1], torch.tensor([1]).item())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "False nsubj 1"


@pytest.mark.model
def test_default_verifier_opens_a_remembered_export_without_torch(tmp_path) -> None:
    import os

    code = (
        "import sys\n"
        "from veracity.judges.nli import NLIJudge\n"
        "judge = NLIJudge()\n"
        "scores = judge.predict(['The cat sat on the mat. ' * 80, 'Paris is the capital of France.'], ['A cat sat.', 'Paris is in Germany.'])\n"
        "print(type(judge.loaded).__name__, 'torch' in sys.modules, 'transformers' in sys.modules, *(round(s.entailment, 5) for s in scores))\n"
    )
    env = dict(os.environ, VERACITY_CACHE_DIR=str(tmp_path), HF_HUB_OFFLINE="1")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env, check=True) for _ in range(2)]
    first, second = (r.stdout.split() for r in runs)
    assert first[:3] == ["OnnxClassifierBackend", "True", "True"]  # exported with torch, then remembered
    assert second[:3] == ["OnnxClassifierBackend", "False", "False"]
    assert first[3:] == second[3:]  # the same scores
    assert len(list((tmp_path / "onnx" / "light").glob("*.json"))) == 1
