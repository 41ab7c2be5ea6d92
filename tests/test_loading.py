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
        "from veracity.retrieval.embedder import load_embedder\n"
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
