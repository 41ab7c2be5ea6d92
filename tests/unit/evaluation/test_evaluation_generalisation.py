"""Tests for the verifier's generalisation protocol: leave-one-set-out fitting, dev-set views, check sets."""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from _paths import REPO, SHARED_DATA

from veracity.errors import VeracityError
from veracity.evaluation.checks import KNOWN_FAILURES, deletion_check, known_failures_check, paraphrase
from veracity.evaluation.loso import SetScores, best_threshold, fit_map_and_threshold, leave_one_set_out
from veracity.evaluation.splits import half_of
from veracity.evaluation.views import VIEWS, load_view, view_names



# ---------------------------------------------------------------- leave one set out


def _set(rng: random.Random, n: int, shift: float) -> SetScores:
    """Labels half 1; scores separate them, offset by ``shift`` (a set-specific bias)."""
    labels = [i % 2 for i in range(n)]
    scores = [min(max(0.3 + 0.4 * y + shift + rng.uniform(-0.25, 0.25), 0.0), 1.0) for y in labels]
    return SetScores(scores, labels)


def _sets() -> dict[str, SetScores]:
    rng = random.Random(0)
    return {"a": _set(rng, 60, 0.0), "b": _set(rng, 60, 0.05), "c": _set(rng, 60, -0.05), "nc": _set(rng, 60, 0.3)}


def test_fit_map_and_threshold_separates_and_is_seeded() -> None:
    sets = _sets()
    first, again = fit_map_and_threshold(sets), fit_map_and_threshold(sets)
    assert first.method == again.method and first.threshold == again.threshold
    probs = first.probabilities([0.1, 0.5, 0.9])
    assert probs == sorted(probs) and all(0.0 <= p <= 1.0 for p in probs)
    assert 0.0 < first.threshold < 1.0


def test_fit_needs_both_labels() -> None:
    with pytest.raises(ValueError):
        fit_map_and_threshold({"a": SetScores([0.5] * 30, [1] * 30)})


def test_leave_one_set_out_never_fits_on_the_held_out_or_excluded_sets() -> None:
    sets = _sets()
    result = leave_one_set_out(sets, never_fit=frozenset({"nc"}))
    assert set(result) == set(sets)
    assert result["a"][1].fitted_on == ("b", "c")
    assert result["nc"][1].fitted_on == ("a", "b", "c")
    # The held-out set's own labels cannot change its map or threshold.
    flipped = dict(sets, a=SetScores(sets["a"].scores, [1 - y for y in sets["a"].labels]))
    fitted, score = result["a"]
    fitted2, score2 = leave_one_set_out(flipped, never_fit=frozenset({"nc"}))["a"]
    assert fitted2.threshold == fitted.threshold and fitted2.method == fitted.method
    assert fitted2.probabilities(sets["a"].scores) == fitted.probabilities(sets["a"].scores)
    assert score2.bacc == pytest.approx(1.0 - score.bacc)  # same predictions, labels flipped


def test_loso_scores_a_biased_set_worse_than_its_in_sample_fit() -> None:
    sets = _sets()
    loso = leave_one_set_out(sets)["nc"][1]
    in_sample = fit_map_and_threshold({"nc": sets["nc"]})
    probs = in_sample.probabilities(sets["nc"].scores)
    from veracity.evaluation.metrics import expected_calibration_error

    assert loso.ece > expected_calibration_error(list(sets["nc"].labels), probs)


def test_best_threshold_matches_the_shipped_rule() -> None:
    pytest.importorskip("torch")
    from veracity.verifier.calibrate import best_threshold as shipped

    rng = np.random.default_rng(3)
    scores = rng.uniform(size=200)
    labels = (scores + rng.normal(0, 0.3, size=200) > 0.6).astype(int)
    groups = [f"s{i % 3}" for i in range(200)]
    assert best_threshold(scores, labels, groups) == shipped(scores, labels, groups)


# ---------------------------------------------------------------- views (tiny data made here)


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    abstract = ["Drug X lowers blood pressure.", "The trial had 40 patients.", "Side effects were mild."]
    _jsonl(
        tmp_path / "scifact" / "corpus_subset.jsonl",
        [
            {"doc_id": 1, "title": "Drug X", "abstract": abstract, "structured": False},
            {"doc_id": 2, "title": "Cats", "abstract": ["Cats sleep a lot.", "They purr."], "structured": False},
        ],
    )
    _jsonl(
        tmp_path / "scifact" / "claims_train_sample.jsonl",
        [
            {"id": 10, "claim": "Drug X reduces blood pressure.", "evidence": {"1": [{"sentences": [0], "label": "SUPPORT"}]}, "cited_doc_ids": [1]},
            {"id": 11, "claim": "Drug X raises blood pressure.", "evidence": {"1": [{"sentences": [0, 1], "label": "CONTRADICT"}]}, "cited_doc_ids": [1]},
            {"id": 12, "claim": "Cats are nocturnal.", "evidence": {}, "cited_doc_ids": [2]},
        ],
    )
    wice_row = {
        "label": "supported",
        "claim": "She married in 2012.",
        "evidence": ["Menu", "She married in December 2012.", "Weather today."],
        "meta": {"id": "w1", "chunk_idx": [3, 7, 9], "oracle_idx": [7]},
    }
    _jsonl(
        tmp_path / "wice" / "wice_oracle_chunks_claim_dev.sample.jsonl",
        [
            wice_row,
            {**wice_row, "evidence": ["She married in December 2012.", "Sports news."], "meta": {"id": "w1", "chunk_idx": [7, 12], "oracle_idx": [7]}},
            {"label": "not_supported", "claim": "He won 3 medals.", "evidence": ["He swam."], "meta": {"id": "w2", "chunk_idx": [1]}},
            {
                "label": "partially_supported", "claim": "He won gold and silver.", "evidence": ["He won gold.", "Rain."],
                "meta": {"id": "w3", "chunk_idx": [1, 2], "oracle_idx": [1]},
            },
        ],
    )
    ev = lambda text, label: {"evidence": text, "evidence_label": label, "evidence_id": "x", "article": "A"}  # noqa: E731
    _jsonl(
        tmp_path / "climate_fever" / "climate-fever.dev_sample.jsonl",
        [
            {"claim_id": "1", "claim": "Seas are rising.", "claim_label": "SUPPORTS",
             "evidences": [ev("Sea level rose 20 cm.", "SUPPORTS"), ev("Ice is white.", "NOT_ENOUGH_INFO")]},
            {"claim_id": "2", "claim": "It is cooling.", "claim_label": "DISPUTED",
             "evidences": [ev("It warmed.", "REFUTES"), ev("A cold year.", "SUPPORTS")]},
        ],
    )
    (tmp_path / "healthver").mkdir()
    with (tmp_path / "healthver" / "healthver_dev_sample.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "evidence", "claim", "label", "topic_ip", "question"])
        w.writerows([["1", "Masks cut spread.", "Masks help.", "Supports", "t", "q"],
                     ["2", "Masks cut spread.", "Masks harm.", "Refutes", "t", "q"],
                     ["3", "Vitamin D.", "Masks help.", "Neutral", "t", "q"]])
    _jsonl(
        tmp_path / "fever_symmetric" / "fever_symmetric_v0.2_dev.sample.jsonl",
        [
            {"id": 5, "claim": "Paris is in France.", "evidence": "Paris is the capital of France.", "label": "SUPPORTS"},
            {"id": 50000002, "claim": "Paris is in Spain.", "evidence": "Paris is the capital of France.", "label": "REFUTES"},
        ],
    )
    yes, no = {"response": "yes", "worker_id": 1}, {"response": "no", "worker_id": 2}
    _jsonl(
        tmp_path / "qags" / "mturk_cnndm.dev_sample.jsonl",
        [{"article": "A dog bit a man.", "qags_line": 0,
          "summary_sentences": [{"sentence": "A dog bit.", "responses": [yes, yes, no]}, {"sentence": "A cat bit.", "responses": [no, no, yes]}]}],
    )
    _jsonl(tmp_path / "qags" / "mturk_xsum.dev_sample.jsonl", [])
    _jsonl(
        tmp_path / "attributionbench" / "dev_sample.jsonl",
        [{"question": "who wrote it", "claim": "Ann wrote it.", "references": ["Ann wrote the book."],
          "attribution_label": "attributable", "src_dataset": "LFQA", "id": "ab1"}],
    )
    return tmp_path


def _triples(name: str, root: Path) -> set[tuple[str, str, int]]:
    return {(p.premise, p.hypothesis, p.label) for p in load_view(name, root)}


def test_scifact_views(tiny: Path) -> None:
    rationale = _triples("scifact.rationale", tiny)
    assert ("Drug X lowers blood pressure.", "Drug X reduces blood pressure.", 1) in rationale
    assert ("Drug X lowers blood pressure. The trial had 40 patients.", "Drug X raises blood pressure.", 0) in rationale
    nei = [t for t in rationale if t[1] == "Cats are nocturnal."]
    assert len(nei) == 1 and nei[0][2] == 0 and nei[0][0] in {"Cats sleep a lot. They purr.", "They purr."}
    sentence = _triples("scifact.sentence", tiny)
    assert ("Drug X lowers blood pressure.", "Drug X reduces blood pressure.", 1) in sentence
    assert not any(t[1] == "Drug X raises blood pressure." and t[2] == 1 for t in sentence)  # 2-sentence rationale: no positive
    assert all(t[2] == 0 for t in sentence if t[0] != "Drug X lowers blood pressure.")
    deletion = _triples("scifact.deletion", tiny)
    assert deletion == {
        ("Drug X. Drug X lowers blood pressure. The trial had 40 patients. Side effects were mild.", "Drug X reduces blood pressure.", 1),
        ("Drug X. The trial had 40 patients. Side effects were mild.", "Drug X reduces blood pressure.", 0),
    }


def test_wice_views(tiny: Path) -> None:
    oracle = _triples("wice.oracle", tiny)
    assert oracle == {("She married in December 2012.", "She married in 2012.", 1), ("He won gold.", "He won gold and silver.", 0)}
    claim = {t[1]: t for t in _triples("wice.claim", tiny)}
    assert claim["She married in 2012."] == ("Menu She married in December 2012. Weather today. Sports news.", "She married in 2012.", 1)
    assert claim["He won 3 medals."][2] == 0 and len(claim) == 3
    deletion = _triples("wice.deletion", tiny)
    assert ("Menu Weather today.", "She married in 2012.", 0) in deletion
    assert ("Menu She married in December 2012. Weather today.", "She married in 2012.", 1) in deletion
    assert all(t[1] == "She married in 2012." for t in deletion)


def test_other_views(tiny: Path) -> None:
    assert _triples("climate_fever.claim", tiny) == {("Sea level rose 20 cm. Ice is white.", "Seas are rising.", 1)}
    assert _triples("climate_fever.decisive", tiny) == {
        ("Sea level rose 20 cm.", "Seas are rising.", 1), ("It warmed.", "It is cooling.", 0), ("A cold year.", "It is cooling.", 1)
    }
    assert {t[1] for t in _triples("healthver.decisive", tiny)} == {"Masks help.", "Masks harm."}
    assert _triples("fever_symmetric.original", tiny) == {("Paris is the capital of France.", "Paris is in France.", 1)}
    assert _triples("fever_symmetric.edited", tiny) == {("Paris is the capital of France.", "Paris is in Spain.", 0)}
    assert _triples("qags.summary", tiny) == {("A dog bit a man.", "A dog bit. A cat bit.", 0)}
    assert _triples("attributionbench.question", tiny) == {("Ann wrote the book.", "who wrote it Ann wrote it.", 1)}


def test_views_are_deterministic_keep_claim_groups_and_names(tiny: Path) -> None:
    for name in VIEWS:
        first, again = load_view(name, tiny), load_view(name, tiny)
        assert first == again and first, name
        assert all(p.dataset == name.split(".")[0] for p in first)
    # a claim falls in the same half in every view of its set
    halves = {half_of(p) for p in load_view("scifact.sentence", tiny) if p.hypothesis == "Drug X reduces blood pressure."}
    assert len(halves) == 1
    assert view_names(["wice"]) == ["wice.oracle", "wice.claim", "wice.deletion"]
    with pytest.raises(VeracityError):
        load_view("scifact.nope", tiny)


# ---------------------------------------------------------------- check sets


def test_paraphrase_rules_keep_meaning_markers() -> None:
    rng = random.Random(0)
    assert paraphrase("Marie Curie won the Nobel Prize in Physics in 1903.", rng) in {
        "In 1903, Marie Curie earned the Nobel Prize in Physics.",
    }
    assert paraphrase("The firm does not own 3 ships.", rng) == "The firm doesn't own three ships."
    assert paraphrase("Zebras graze.", rng) is None


def test_deletion_check_keeps_only_entailed_minimal_pairs() -> None:
    pytest.importorskip("veracity.verifier.training_contrast")
    from veracity.verifier.training_data import TrainingPair

    rng = random.Random(1)
    topics = ["river", "mountain", "violin", "tractor", "lantern", "harbour", "glacier", "orchard"]
    pool = [TrainingPair(f"The {t} number {i} is shown in photo {i}.", f"A {t} can be seen.", "entailment" if i % 2 else "contradiction", "src")
            for i in range(40) for t in topics[i % 8 : i % 8 + 1]]
    made = deletion_check(pool, 20, rng)
    assert made and len(made) % 2 == 0
    for kept, removed in zip(made[::2], made[1::2], strict=True):
        assert (kept.label, removed.label) == (1, 0) and kept.hypothesis == removed.hypothesis
        assert len(removed.premise) < len(kept.premise)


def test_known_failures_are_fixed_and_binary() -> None:
    pairs = known_failures_check()
    assert len(pairs) == len(KNOWN_FAILURES) and {p.label for p in pairs} == {0, 1}
    assert pairs[0].premise == pairs[0].hypothesis and pairs[0].label == 1


# ---------------------------------------------------------------- benchmark summary


def _load(path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_summary_mean_and_worst(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _load(REPO / "benchmarks" / "verifier.py", "bench_verifier_gen", monkeypatch)
    g = bench.Generalisation
    gens = [
        g("a", 10, 0.8, 0.7, 0.72, 0.05, 0.4, 0.70, 0.6, 0.6, 0.55),
        g("b", 10, 0.6, 0.5, 0.58, 0.12, 0.3, 0.52, 0.7, 0.5, 0.60),
    ]
    s = bench.summarise(gens)
    assert s["mean"]["bacc_shipped"] == pytest.approx(0.65) and s["worst"]["bacc_shipped"] == 0.58
    assert s["worst_set"]["bacc_shipped"] == "b" and s["worst"]["loso_ece"] == 0.12 and s["worst_set"]["lex_auc"] == "a"
    table = bench.render_generalisation(gens, "t", 0.5, 0.35)
    assert "worst set by b@0.350 b" in table


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent")
def test_benchmark_baseline_reports_loso_and_views(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load(REPO / "benchmarks" / "verifier.py", "bench_verifier_gen2", monkeypatch)
    out = tmp_path / "r.json"
    rc = bench.main(["--data", str(SHARED_DATA), "--sets", "fever_symmetric,covidfact,healthver", "--limit", "30",
                     "--baseline-only", "--views", "healthver.decisive", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "healthver.decisive" in text and "worst" in text
    result = json.loads(out.read_text())
    sets = {g["name"]: g for g in result["generalisation"]["sets"]}
    assert set(sets) == {"fever_symmetric", "covidfact", "healthver"}
    assert all(0.0 <= g["lex_loso_bacc"] <= 1.0 for g in sets.values())
    assert [g["name"] for g in result["views"]["generalisation"]] == ["healthver.decisive"]
    with pytest.raises(SystemExit):
        bench.parse_args(["--views", "nope.view"])
