"""Resampled judging over prompt paraphrases and rubric/checklist judges (fake client; real model at the end)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import math

import pytest
from scipy import stats

from veracity.errors import InputFormatError
from veracity.judges.resampled import (
    ResampledJudge,
    load_paraphrases,
    mean_interval,
    resamples_needed,
    t_quantile,
)
from veracity.judges.rubric import Criterion, Rubric, RubricJudge
from veracity.llm.types import Completion, TokenLogprob, TopLogprob


def tok(token: str, prob: float = 0.99, top: dict[str, float] | None = None) -> TokenLogprob:
    alternatives = [TopLogprob(token=t, logprob=math.log(p)) for t, p in (top or {token: prob}).items()]
    return TokenLogprob(token=token, logprob=math.log(prob), top=alternatives)


def rated(label_probs: dict[str, float], cue: str = "Score", reason: str = "") -> Completion:
    chosen = max(label_probs, key=label_probs.get)
    tokens = [tok(cue), tok(":"), tok(" ["), tok(chosen, label_probs[chosen], label_probs), tok("]")]
    return Completion(text=f"{cue}: [{chosen}]{reason}", logprobs=tokens, model="fake/judge")


class FakeClient:
    model = "fake/judge"

    def __init__(self, respond):
        self.respond, self.calls = respond, []

    async def acomplete(self, messages, **options):
        self.calls.append({"messages": messages, **options})
        await asyncio.sleep(0)
        return [self.respond(messages, options)]


def test_paraphrases_are_versioned_variants_with_the_pointwise_fields():
    variants = load_paraphrases()
    assert len(variants) == 10
    assert [v.version for v in variants[:2]] == ["pointwise_paraphrases/v1#1", "pointwise_paraphrases/v1#2"]
    assert len({v.text for v in variants}) == 10
    assert all(v.fields == {"scale", "rubric", "question", "reference", "answer"} for v in variants)


def test_t_quantile_matches_scipy():
    for df in (1, 2, 4, 9, 29, 200):
        for p in (0.9, 0.975, 0.995):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), abs=1e-9)


def test_mean_interval_is_the_t_interval():
    values = [3.0, 4.0, 4.5, 2.5, 3.5]
    ci = mean_interval(values)
    m, se = sum(values) / 5, stats.sem(values)
    lo, hi = stats.t.interval(0.95, 4, loc=m, scale=se)
    assert (ci.low, ci.high) == pytest.approx((lo, hi), abs=1e-9)
    assert mean_interval([1.0]) is None


def _per_variant_client() -> FakeClient:
    """Each paraphrase variant gets a different rating distribution (the system message differs)."""

    def respond(messages, options):
        variant = int(options["prompt_version"].rsplit("#", 1)[1])
        high = 0.7 if variant % 2 else 0.3  # alternating, so the spread stays put while k grows
        return rated({"4": high, "3": 1 - high})

    return FakeClient(respond)


def test_resampled_judge_uses_each_variant_and_narrows_with_k():
    client = _per_variant_client()
    judge = ResampledJudge(client, k=2)
    widths = []
    for k in (2, 4, 8):
        result = judge.score("Q?", "A.", k=k)
        assert result.k == k and len(result.scores) == k and result.n_unscored == 0
        assert result.ci is not None and result.ci.low <= result.mean <= result.ci.high
        widths.append(result.ci.high - result.ci.low)
    assert widths[0] > widths[1] > widths[2]
    versions = {c["prompt_version"] for c in client.calls}
    assert versions == {f"pointwise_paraphrases/v1#{i}" for i in range(1, 9)}
    # greedy logprob judging: more resamples than variants would repeat calls, so k is capped
    assert judge.score("Q?", "A.", k=25).k == 10


def test_resamples_needed_grows_as_the_target_narrows():
    pilot = ResampledJudge(_per_variant_client(), k=5).score("Q?", "A.")
    loose, tight = resamples_needed(pilot, 1.0), resamples_needed(pilot, 0.1)
    assert 2 <= loose < tight
    sd = stats.tstd([s.value for s in pilot.scores])
    assert 2 * stats.t.ppf(0.975, tight - 1) * sd / math.sqrt(tight) <= 0.1
    assert 2 * stats.t.ppf(0.975, tight - 2) * sd / math.sqrt(tight - 1) > 0.1
    with pytest.raises(ValueError):
        resamples_needed([1.0], 0.5)


def test_resampled_all_unscored_has_a_reason():
    client = FakeClient(lambda m, o: Completion(text="no idea", logprobs=[tok("no"), tok(" idea")], model="fake/judge"))
    result = ResampledJudge(client, k=3).score("Q?", "A.")
    assert result.mean is None and result.ci is None and result.n_unscored == 3 and result.unscored_reason


# ---------------------------------------------------------------- rubric


def _rubric_client(answers: dict[str, Completion]) -> FakeClient:
    def respond(messages, options):
        text = messages[-1]["content"]
        for key, completion in answers.items():
            if key in text:
                return completion
        raise AssertionError(text)

    return FakeClient(respond)


def test_rubric_scores_each_item_and_never_zeroes_an_unscored_one():
    rubric = Rubric(
        name="capital",
        criteria=[
            Criterion(id="names", question="The answer names Paris.", weight=2.0),
            Criterion(id="style", question="The answer is polite.", kind="scale", scale=5),
            Criterion(id="broken", question="The answer cites a source."),
        ],
    )
    client = _rubric_client({
        "names Paris": rated({"Yes": 0.9, "No": 0.1}, cue="Answer", reason=" It says Paris."),
        "polite": rated({"5": 1.0}, cue="Answer"),
        "cites": Completion(text="I cannot tell.", logprobs=[tok("I")], model="fake/judge"),
    })  # fmt: skip
    result = RubricJudge(client).score("Capital of France?", "Paris.", rubric)
    by_id = {i.id: i for i in result.items}
    assert by_id["names"].value == pytest.approx(0.9) and by_id["names"].verdict == "yes"
    assert by_id["names"].reason == "It says Paris."
    assert by_id["style"].value == pytest.approx(1.0) and by_id["style"].variance == pytest.approx(0.0)
    assert by_id["broken"].value is None and by_id["broken"].unscored_reason
    assert result.total == pytest.approx((2 * 0.9 + 1.0) / 3)  # the unscored item is left out, not zero
    assert result.std == pytest.approx(math.sqrt(4 * 0.09) / 3)
    assert result.coverage == pytest.approx(3 / 4)
    assert [i.id for i in result.unscored] == ["broken"] and result.failed == []
    assert {c["prompt_version"] for c in client.calls} == {"rubric/v1"}


def test_checklist_failed_items():
    client = _rubric_client({"Paris": rated({"Yes": 0.2, "No": 0.8}, cue="Answer", reason=" It says Berlin.")})
    result = RubricJudge(client).score("Capital?", "Berlin.", Rubric.checklist(["Names Paris."]))
    assert [i.id for i in result.failed] == ["1"] and result.total == pytest.approx(0.2)


def test_rubric_from_files(tmp_path):
    data = {"name": "r", "criteria": [{"id": "a", "question": "Is it correct?", "weight": 3}]}
    (tmp_path / "r.json").write_text(json.dumps(data))
    (tmp_path / "r.yaml").write_text("name: r\ncriteria:\n  - id: a\n    question: Is it correct?\n    weight: 3\n")
    assert Rubric.from_file(tmp_path / "r.json") == Rubric.from_file(tmp_path / "r.yaml")
    (tmp_path / "bad.json").write_text(json.dumps({"criteria": [{"id": "a"}]}))
    with pytest.raises(InputFormatError):
        Rubric.from_file(tmp_path / "bad.json")
    with pytest.raises(ValueError):
        Rubric(criteria=[Criterion(id="a", question="x"), Criterion(id="a", question="y")])


# ---------------------------------------------------------------- the real local model


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
def test_local_model_resampled_and_counted(tmp_path):
    from veracity.llm import LLMClient

    with LLMClient("local/smollm2", max_concurrency=1, cache=tmp_path / "llm.sqlite") as client:
        judge = ResampledJudge(client, k=2)
        result = judge.score("What is the capital of France?", "The capital of France is Paris.")
        assert result.k == 2 and result.model == "local/smollm2"
        assert result.mean is not None and 1.0 <= result.mean <= 5.0
        assert client.stats.calls == 2 and client.stats.prompt_tokens > 0
        again = judge.score("What is the capital of France?", "The capital of France is Paris.")
        assert again == result and client.stats.calls == 2 and client.stats.cache_hits == 2


# ---------------------------------------------------------------- panels


def _pairwise_client(verdict_probs: dict[str, float]) -> FakeClient:
    """Answers every order with the same label distribution over A/B/C (so A in AB is B in BA)."""
    return FakeClient(lambda m, o: rated(verdict_probs, cue="Output"))


def test_panel_mean_majority_agreement_and_rank():
    from veracity.judges.llm import PairwiseJudge, rank
    from veracity.judges.panel import PairwiseJudgePanel, aggregate, panel_agreement
    from veracity.judges.reliability import fleiss_kappa

    def first_wins(messages, options):  # always prefers the answer containing "good"
        text = messages[-1]["content"]
        a_part = text.split("[Answer A]")[1].split("[Answer B]")[0]
        return rated({"A": 0.8, "B": 0.2} if "good" in a_part else {"A": 0.2, "B": 0.8}, cue="Output")

    judges = [PairwiseJudge(FakeClient(first_wins)), PairwiseJudge(FakeClient(first_wins)),
              PairwiseJudge(_pairwise_client({"A": 0.9, "B": 0.1}))]  # fmt: skip
    panel = PairwiseJudgePanel(judges)
    result = panel.compare("Q?", "good answer", "bad answer")
    assert [m.outcome for m in result.members] == ["A", "A", "tie"]  # the third flips with the order
    assert result.preference.outcome == "A"
    assert result.preference.probabilities["A"] == pytest.approx((0.8 + 0.8 + 0.5) / 3)
    assert aggregate(result.members, "majority").outcome == "A"
    results = [result, panel.compare("Q?", "bad answer", "good answer")]
    agreement = panel_agreement(results)
    assert agreement.pairs == 2 and agreement.unanimous == 0.0
    assert agreement.fleiss_kappa == pytest.approx(fleiss_kappa([["A", "A", "tie"], ["B", "B", "tie"]]))
    ranking = rank("Q?", ["bad answer", "good answer", "so-so"], panel)
    assert ranking.order[0] == 1
    broken = PairwiseJudgePanel([PairwiseJudge(FakeClient(lambda m, o: Completion(text="?", logprobs=[tok("?")], model="x")))])
    assert broken.compare("Q?", "a", "b").preference.unscored_reason
