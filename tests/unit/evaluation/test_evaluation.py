"""Tests for veracity.evaluation: metrics, dev-set loaders, fixture and baseline."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from _paths import REPO, SHARED_DATA

from veracity.errors import VeracityError
from veracity.evaluation import (
    DEVSETS,
    ClaimEvidencePair,
    DevsetNotFoundError,
    balanced_accuracy,
    expected_calibration_error,
    lexical_overlap,
    load_all,
    load_devset,
    roc_auc,
)

FIXTURE = REPO / "tests" / "data" / "nli_pairs.jsonl"

needs_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent"
)


# ---------------------------------------------------------------- metrics


def test_balanced_accuracy_hand_computed() -> None:
    # class 1 recall 2/3, class 0 recall 1/1 -> (2/3 + 1) / 2
    assert balanced_accuracy([1, 1, 1, 0], [1, 1, 0, 0]) == pytest.approx(5 / 6)
    assert balanced_accuracy([0, 0, 0, 1], [0, 0, 0, 0]) == pytest.approx(0.5)
    assert balanced_accuracy([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0


def test_balanced_accuracy_single_class_is_recall() -> None:
    assert balanced_accuracy([1, 1, 1, 1], [1, 0, 1, 1]) == pytest.approx(0.75)


def test_balanced_accuracy_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        balanced_accuracy([], [])
    with pytest.raises(ValueError):
        balanced_accuracy([1, 0], [1])
    with pytest.raises(ValueError):
        balanced_accuracy([2, 0], [1, 0])


def test_roc_auc_perfect_inverted_and_ties() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5


def test_roc_auc_hand_computed_with_partial_tie() -> None:
    # positives 0.8, 0.4; negatives 0.4, 0.1. Pairs: (0.8>0.4)=1, (0.8>0.1)=1,
    # (0.4=0.4)=0.5, (0.4>0.1)=1 -> 3.5 / 4
    assert roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.4, 0.1]) == pytest.approx(0.875)


def test_roc_auc_undefined_for_one_class() -> None:
    assert roc_auc([1, 1, 1], [0.2, 0.5, 0.9]) is None
    assert roc_auc([0, 0], [0.2, 0.5]) is None
    assert roc_auc([], []) is None


def test_roc_auc_rejects_nan_scores() -> None:
    with pytest.raises(ValueError):
        roc_auc([0, 1], [0.1, math.nan])


def test_ece_zero_for_perfectly_calibrated() -> None:
    # 0.25 bin: 1 of 4 positive; 0.75 bin: 3 of 4 positive.
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    p = [0.25] * 4 + [0.75] * 4
    assert expected_calibration_error(y, p) == pytest.approx(0.0, abs=1e-12)


def test_ece_known_miscalibration() -> None:
    # Bin 0.9: conf 0.9, acc 0.5 (gap 0.4, weight 1/2).
    # Bin 0.1: conf 0.1, acc 0.0 (gap 0.1, weight 1/2).
    y = [1, 0, 0, 0]
    p = [0.9, 0.9, 0.1, 0.1]
    assert expected_calibration_error(y, p) == pytest.approx(0.25)
    # Fully confident and always wrong.
    assert expected_calibration_error([0, 0, 1], [1.0, 1.0, 0.0]) == pytest.approx(1.0)


def test_ece_bin_edges_and_validation() -> None:
    # 0.0 and 1.0 fall in the first and last bins; one bin = |mean(y) - mean(p)|.
    assert expected_calibration_error([0, 1], [0.0, 1.0]) == 0.0
    assert expected_calibration_error(
        [1, 0, 1], [0.2, 0.4, 0.9], n_bins=1
    ) == pytest.approx(abs(2 / 3 - 0.5))
    with pytest.raises(ValueError):
        expected_calibration_error([1], [1.5])
    with pytest.raises(ValueError):
        expected_calibration_error([1], [0.5], n_bins=0)


# ---------------------------------------------------------------- pairs and loaders


def test_pair_validates_labels() -> None:
    pair = ClaimEvidencePair("e", "c", 0, "x", "refuted")
    assert ClaimEvidencePair.from_dict(pair.to_dict()) == pair
    with pytest.raises(ValueError):
        ClaimEvidencePair("e", "c", 2, "x")
    with pytest.raises(ValueError):
        ClaimEvidencePair("e", "c", 0, "x", "supported")


def test_missing_devset_raises_and_load_all_warns(tmp_path: Path) -> None:
    with pytest.raises(VeracityError, match="not found"):
        load_devset("scifact", tmp_path)
    with pytest.raises(DevsetNotFoundError):
        load_devset("wice", tmp_path)
    with pytest.raises(VeracityError, match="unknown dev set"):
        load_devset("no_such_set", tmp_path)
    with pytest.warns(UserWarning, match="skipping dev set"):
        assert load_all(tmp_path, ["qags"]) == {}


def test_loader_reads_minimal_files(tmp_path: Path) -> None:
    folder = tmp_path / "fever_symmetric"
    folder.mkdir()
    rows = [
        {
            "id": "7",
            "claim": "A -LRB- b -RRB- is red .",
            "evidence": "A is red .",
            "label": "SUPPORTS",
        },
        {
            "id": "70000002",
            "claim": "A is blue .",
            "evidence": "A is red .",
            "label": "REFUTES",
        },
    ]
    (folder / "fever_symmetric_v0.2_dev.sample.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    pairs = load_devset("fever_symmetric", tmp_path)
    assert [p.label for p in pairs] == [1, 0]
    assert pairs[0].hypothesis == "A ( b ) is red ."
    assert [p.three_way for p in pairs] == ["supported", "refuted"]
    assert pairs[0].group_id == pairs[1].group_id == "7"


@needs_data
@pytest.mark.parametrize("name", sorted(DEVSETS))
def test_devset_loader(name: str) -> None:
    if not (SHARED_DATA / name).is_dir():
        pytest.skip(f"{name} not in {SHARED_DATA}")
    pairs = load_devset(name, SHARED_DATA)
    assert pairs
    assert {p.label for p in pairs} <= {0, 1}
    assert all(p.premise.strip() and p.hypothesis.strip() for p in pairs)
    assert all(p.dataset == name for p in pairs)
    assert all(
        p.three_way is None or (p.three_way == "supported") == (p.label == 1)
        for p in pairs
    )


@needs_data
def test_load_all_covers_available_sets() -> None:
    present = [n for n in DEVSETS if (SHARED_DATA / n).is_dir()]
    assert set(load_all(SHARED_DATA, present)) == set(present)


# ---------------------------------------------------------------- fixture and baseline


def _fixture() -> list[dict[str, Any]]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_fixture_shape() -> None:
    rows = _fixture()
    assert len(rows) >= 120
    assert {r["label"] for r in rows} == {0, 1}
    assert {r["dataset"] for r in rows} <= {
        "fever_symmetric",
        "scifact",
        "begin",
        "factcheck_gpt",
    }
    for r in rows:
        pair = ClaimEvidencePair.from_dict(r)
        assert pair.premise.strip() and pair.hypothesis.strip()
        assert len(pair.premise) < 1500
    positives = sum(r["label"] for r in rows) / len(rows)
    assert 0.4 <= positives <= 0.6
    assert sum(r["three_way"] == "refuted" for r in rows) >= 30


def test_lexical_overlap_basics() -> None:
    assert lexical_overlap("The cat sat on the mat.", "The cat sat.") == 1.0
    assert lexical_overlap("The cat sat on the mat.", "A dog barked.") == 0.0
    assert lexical_overlap("Paris is big.", "the of and") == 0.0
    assert lexical_overlap("Paris is in France", "PARIS, Germany") == 0.5


def test_lexical_baseline_separates_fixture_labels() -> None:
    rows = _fixture()
    scores = [lexical_overlap(r["premise"], r["hypothesis"]) for r in rows]
    pos = [s for s, r in zip(scores, rows, strict=True) if r["label"] == 1]
    neg = [s for s, r in zip(scores, rows, strict=True) if r["label"] == 0]
    assert sum(pos) / len(pos) > sum(neg) / len(neg)
    auc = roc_auc([r["label"] for r in rows], scores)
    assert auc is not None and auc > 0.5


# ---------------------------------------------------------------- benchmark script


def _load_benchmark(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_verifier", REPO / "benchmarks" / "verifier.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(
        sys.modules, spec.name, module
    )  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@needs_data
def test_benchmark_runs_with_the_real_verifier(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The benchmark script end to end: real verifier, real baselines, real dev data."""
    bench = _load_benchmark(monkeypatch)
    out = tmp_path / "res.json"
    rc = bench.main(["--data", str(SHARED_DATA), "--sets", "fever_symmetric", "--limit", "40", "--json", str(out)])
    assert rc == 0
    table = capsys.readouterr().out
    assert "fever_symmetric" in table and "mean" in table
    result = json.loads(out.read_text())
    row = result["rows"][0]
    assert row["n"] == 40
    for scorer in ("model", "lexical", "cosine"):
        assert 0.0 <= row[scorer]["bacc"] <= 1.0 and row[scorer]["auc"] is not None
    assert row["model"]["ece_calibrated"] is not None