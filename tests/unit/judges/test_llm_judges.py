"""LLM judges: scoring formulas, rating-token reading, both-order aggregation and Bradley-Terry ranking.

Unit tests use hand-made `Completion`s and a fake client; the tests at the end run the real local model
(`local/smollm2`) through `veracity.llm.LLMClient` and litellm when both are installed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import re

import numpy as np
import pytest

from veracity.judges.llm import (
    PairwiseJudge,
    PointwiseJudge,
    Preference,
    argmax_score,
    combine_orders,
    distribution_score,
    fit_davidson,
    geval_score,
    rank,
    ranking_from_preferences,
    score_value,
)
from veracity.judges.llm.rating_tokens import label_distribution, parse_label, perplexity, sample_distribution
from veracity.judges.llm.types import OrderJudgement, Score
from veracity.llm.types import Completion, TokenLogprob, TopLogprob
from veracity.prompts import PromptNotFoundError, load_prompt

# ---------------------------------------------------------------- hand-made completions and a fake client


def tok(token: str, prob: float = 0.99, top: dict[str, float] | None = None) -> TokenLogprob:
    alternatives = [TopLogprob(token=t, logprob=math.log(p)) for t, p in (top or {token: prob}).items()]
    return TokenLogprob(token=token, logprob=math.log(prob), top=alternatives)


def rated(label_probs: dict[str, float], *, cue: str = "Score", chosen: str | None = None, pre=0.99) -> Completion:
    """A completion 'Cue: [X]' whose X position carries `label_probs` as top logprobs."""
    chosen = chosen or max(label_probs, key=label_probs.get)
    tokens = [
        tok(cue, pre),
        tok(":", pre),
        tok(" [", pre),
        tok(chosen, label_probs[chosen], label_probs),
        tok("]", pre),
    ]
    return Completion(text=f"{cue}: [{chosen}]", logprobs=tokens, model="fake/judge")


def plain(text: str) -> Completion:
    return Completion(text=text, logprobs=None, model="fake/judge")


class FakeClient:
    """A stand-in for `veracity.llm.LLMClient`: answers from a function of the prompt and call options."""

    model = "fake/judge"

    def __init__(self, respond):
        self.respond = respond
        self.calls: list[dict] = []

    async def acomplete(self, messages, **options):
        self.calls.append({"messages": messages, **options})
        await asyncio.sleep(0)
        result = self.respond(messages[-1]["content"], options)
        return result if isinstance(result, list) else [result]


# ---------------------------------------------------------------- prompts


def test_prompts_are_versioned_files():
    prompt = load_prompt("pointwise")
    assert prompt.version == "pointwise/v1" and load_prompt("pointwise", "v1") == prompt
    assert {"question", "answer", "scale", "rubric", "reference"} <= prompt.fields
    assert "Score: [X]" in prompt.text and not prompt.text.startswith("---")
    pairwise = load_prompt("pairwise", 1)
    text = pairwise.render(question="Q {{answer_b}}", answer_a="first", answer_b="second", options="A or B")
    assert "Q {{answer_b}}" in text and "Output: [X]" in text  # one pass: values are never re-rendered
    with pytest.raises(KeyError):
        pairwise.render(question="q")
    chat = pairwise.messages(question="Q?", answer_a="first", answer_b="second {{question}}", options="A or B")
    assert [m["role"] for m in chat] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "A or B" in chat[0]["content"] and chat[2]["content"] == "Output: [B]"
    assert chat[-1]["content"].startswith("[Question]\nQ?")
    assert chat[-1]["content"].endswith("[Answer B]\nsecond {{question}}")
    with pytest.raises(KeyError):
        pairwise.messages(question="q")
    with pytest.raises(PromptNotFoundError):
        load_prompt("pairwise", "v99")
    with pytest.raises(PromptNotFoundError):
        load_prompt("no_such_prompt")


# ---------------------------------------------------------------- scoring formulas

DIST = {1: 0.1, 2: 0.2, 3: 0.7}


def test_geval_is_the_expected_rating():
    assert geval_score(DIST) == pytest.approx(0.1 + 0.4 + 2.1)
    assert geval_score({4: 0.2, 5: 0.2}) == pytest.approx(4.5)  # renormalised over valid ratings


def test_distribution_score_is_softmax_of_log_odds_at_temperature_0_2():
    # softmax(logodds / T) weights are proportional to odds ** (1 / T)
    odds = {s: (p / (1 - p)) ** 5 for s, p in DIST.items()}
    expected = sum(s * w for s, w in odds.items()) / sum(odds.values())
    assert distribution_score(DIST) == pytest.approx(expected, rel=1e-12)
    assert distribution_score(DIST) == pytest.approx(2.999986, abs=1e-6)
    # at T = 1 the weights are the odds themselves
    odds1 = {s: p / (1 - p) for s, p in DIST.items()}
    assert distribution_score(DIST, temperature=1.0) == pytest.approx(
        sum(s * w for s, w in odds1.items()) / sum(odds1.values())
    )


def test_distribution_score_renormalises_before_taking_log_odds():
    assert distribution_score({1: 0.1, 2: 0.1}) == pytest.approx(1.5)
    assert distribution_score({2: 0.05, 4: 0.15}) == pytest.approx(distribution_score({2: 0.25, 4: 0.75}))


def test_argmax_breaks_ties_to_the_lower_rating():
    assert argmax_score(DIST) == 3.0
    assert argmax_score({4: 0.5, 5: 0.5}) == 4.0


def test_degenerate_distributions_never_give_nan():
    for method in ("argmax", "geval", "distribution"):
        assert score_value({3: 1.0}, method) == 3.0
        assert score_value({3: 0.4, 4: 0.0}, method) == 3.0
        with pytest.raises(ValueError):
            score_value({}, method)
    assert distribution_score({1: 1e-300, 5: 1.0 - 1e-16}) == 5.0


def test_distribution_score_separates_close_distributions_more_than_argmax():
    # two answers the argmax judge calls equal (both 4) but whose distributions differ
    better, worse = {3: 0.05, 4: 0.55, 5: 0.40}, {3: 0.40, 4: 0.55, 5: 0.05}
    assert argmax_score(better) == argmax_score(worse)
    assert distribution_score(better) > distribution_score(worse)
    assert geval_score(better) > geval_score(worse)


# ---------------------------------------------------------------- reading the rating token


def test_label_distribution_reads_top_logprobs_at_the_rating_token():
    completion = rated({"4": 0.6, "3": 0.3, "5": 0.05, "x": 0.05})
    dist = label_distribution(completion.logprobs, [str(s) for s in range(1, 6)])
    assert dist == pytest.approx({"4": 0.6 / 0.95, "3": 0.3 / 0.95, "5": 0.05 / 0.95})


def test_label_distribution_merges_spacing_variants_and_bracketed_tokens():
    tokens = [tok("Score"), tok(":"), tok(" [4", 0.5, {" [4": 0.5, "[4": 0.2, " [3": 0.2, " (": 0.1}), tok("]")]
    assert label_distribution(tokens, ["1", "2", "3", "4", "5"]) == pytest.approx({"4": 0.7 / 0.9, "3": 0.2 / 0.9})
    no_bracket = [tok("Score"), tok(":"), tok(" 2", 0.8, {" 2": 0.8, " 1": 0.2})]
    assert label_distribution(no_bracket, ["1", "2"]) == pytest.approx({"2": 0.8, "1": 0.2})


def test_label_distribution_skips_numbers_before_the_cue():
    tokens = [
        tok("Answer"),
        tok(" 2", 0.9, {" 2": 0.9, " 5": 0.1}),
        tok(" Score"),
        tok(":"),
        tok(" ["),
        tok("5", 0.9, {"5": 0.9, "4": 0.1}),
        tok("]"),
    ]
    assert label_distribution(tokens, ["1", "2", "3", "4", "5"]) == pytest.approx({"5": 0.9, "4": 0.1})
    assert label_distribution([tok("Fine"), tok(" answer")], ["1", "2"]) is None


def test_two_token_rating_is_split_along_the_generated_path():
    labels = [str(s) for s in range(1, 11)]
    tokens = [
        tok("Score"),
        tok(":"),
        tok(" ["),
        tok("1", 0.5, {"1": 0.5, "7": 0.3, "9": 0.2}),
        tok("0", 0.8, {"0": 0.8, "]": 0.2}),
        tok("]"),
    ]
    assert label_distribution(tokens, labels) == pytest.approx({"10": 0.4, "1": 0.1, "7": 0.3, "9": 0.2})
    single = [tok(" ["), tok("10", 0.6, {"10": 0.6, "9": 0.4}), tok("]")]
    assert label_distribution(single, labels) == pytest.approx({"10": 0.6, "9": 0.4})


def test_parse_label_sample_distribution_and_perplexity():
    labels = ["A", "B", "C"]
    assert parse_label("[Answer A] is better. Output: [B]", labels) == "B"
    assert parse_label("Output: A", labels) == "A"
    assert parse_label("no verdict", labels) is None
    assert sample_distribution(["4", "4", None, "5"]) == pytest.approx({"4": 2 / 3, "5": 1 / 3})
    assert sample_distribution([None]) is None
    assert perplexity([tok("a", math.exp(-1.0)), tok("b", math.exp(-3.0))]) == pytest.approx(math.exp(2.0))
    assert perplexity(None) is None


# ---------------------------------------------------------------- pointwise judge


def test_pointwise_reads_logprobs_and_passes_the_prompt_version():
    client = FakeClient(lambda prompt, options: rated({"3": 0.1, "4": 0.6, "5": 0.3}))
    judge = PointwiseJudge(client, scale=5, method="distribution")
    score = judge.score("What is 2+2?", "4", reference="4")
    assert isinstance(score, Score) and score.source == "logprobs" and score.n_samples == 0
    assert score.distribution == pytest.approx({3: 0.1, 4: 0.6, 5: 0.3})
    assert score.value == pytest.approx(distribution_score({3: 0.1, 4: 0.6, 5: 0.3}))
    (call,) = client.calls
    assert call["prompt_version"] == "pointwise/v1" and call["logprobs"] is True and call["temperature"] == 0.0
    assert "[Reference answer]\n4" in call["messages"][-1]["content"]
    for method, expected in (("geval", 4.2), ("argmax", 4.0)):
        assert PointwiseJudge(client, method=method).score("q", "a").value == pytest.approx(expected)


def test_pointwise_without_logprobs_estimates_from_samples_and_says_so():
    texts = ["Score: [4]"] * 6 + ["Score: [5]"] * 3 + ["I cannot rate this."]

    def respond(prompt, options):
        return [plain(t) for t in texts] if options.get("n", 1) > 1 else plain("Score: [4]")

    client = FakeClient(respond)
    judge = PointwiseJudge(client, method="geval", n_samples=10)
    score = judge.score("q", "a")
    assert score.source == "samples" and score.n_samples == 10 and len(score.raw) == 10
    assert score.distribution == pytest.approx({4: 2 / 3, 5: 1 / 3})
    assert score.value == pytest.approx(4 + 1 / 3)
    assert [c.get("n", 1) for c in client.calls] == [1, 10]
    judge.score("q", "a")  # the provider is now known to have no logprobs: no wasted greedy call
    assert [c.get("n", 1) for c in client.calls] == [1, 10, 10]
    argmax = PointwiseJudge(client, method="argmax").score("q", "a")
    assert (argmax.value, argmax.source) == (4.0, "text")


def test_pointwise_scale_100_samples_instead_of_reading_the_first_digit():
    client = FakeClient(
        lambda prompt, options: (
            [plain("Score: [85]"), plain("Score: [90]")] if options.get("n", 1) > 1 else plain("Score: [85]")
        )
    )
    score = PointwiseJudge(client, scale=100, method="distribution", n_samples=2).score("q", "a")
    assert score.source == "samples" and score.distribution == {85: 0.5, 90: 0.5} and score.value == 87.5
    assert "1 to 100" in client.calls[0]["messages"][0]["content"]
    assert PointwiseJudge(client, scale=100, method="argmax").score("q", "a").value == 85.0


def test_pointwise_unparseable_output_is_unscored_with_a_reason():
    client = FakeClient(
        lambda prompt, options: Completion(text="Great answer!", logprobs=[tok("Great"), tok(" answer!")], model="m")
    )
    score = PointwiseJudge(client).score("q", "a")
    assert score.value is None and "no rating" in score.unscored_reason and score.raw == ["Great answer!"]
    with pytest.raises(ValueError):
        Score(value=None)
    with pytest.raises(ValueError):
        PointwiseJudge(client, scale=7)


def test_sync_calls_work_inside_a_running_event_loop():
    client = FakeClient(lambda prompt, options: rated({"2": 1.0}))

    async def inside() -> float | None:
        return PointwiseJudge(client).score("q", "a").value

    assert asyncio.run(inside()) == 2.0


# ---------------------------------------------------------------- pairwise judge


def _answers(prompt: str) -> tuple[str, str]:
    first = re.search(r"\[Answer A\]\n(.*?)\n\n\[Answer B\]", prompt, re.S).group(1)
    second = re.search(r"\[Answer B\]\n(.*)\Z", prompt, re.S).group(1)
    return first, second


def biased_client(ab: dict[str, float], ba: dict[str, float], ppl_ab: float = 0.99, ppl_ba: float = 0.99) -> FakeClient:
    """Order AB ('good' shown first) gets `ab`, order BA gets `ba`; token probability `ppl_*` sets perplexity."""

    def respond(prompt, options):
        first, _ = _answers(prompt)
        probs, pre = (ab, ppl_ab) if first == "good" else (ba, ppl_ba)
        return rated(probs, cue="Output", pre=pre)

    return FakeClient(respond)


def test_pairwise_judges_both_orders_and_swaps_labels_back():
    # the judge prefers whatever it sees first: AB says A (good), BA says A (= bad)
    client = biased_client({"A": 0.6, "B": 0.3, "C": 0.1}, {"A": 0.5, "B": 0.4, "C": 0.1})
    pref = PairwiseJudge(client, method="likelihood").compare("q", "good", "bad")
    assert len(client.calls) == 2 and {c["prompt_version"] for c in client.calls} == {"pairwise/v1"}
    ab, ba = pref.per_order
    assert (ab.order, ab.verdict, ba.order, ba.verdict) == ("AB", "A", "BA", "B")
    assert ba.probabilities == pytest.approx({"A": 0.4, "B": 0.5, "tie": 0.1})
    assert pref.probabilities == pytest.approx({"A": 0.5, "B": 0.4, "tie": 0.1})
    assert pref.outcome == "A"
    assert PairwiseJudge(client, method="baseline").compare("q", "good", "bad").outcome == "tie"


def test_likelihood_sums_outcome_probabilities_over_orders():
    ab = OrderJudgement(order="AB", probabilities={"A": 0.45, "B": 0.10, "tie": 0.45}, verdict="A")
    ba = OrderJudgement(order="BA", probabilities={"A": 0.20, "B": 0.10, "tie": 0.70}, verdict="tie")
    pref = combine_orders([ab, ba], "likelihood")
    assert pref.outcome == "tie" and pref.probabilities == pytest.approx({"A": 0.325, "B": 0.1, "tie": 0.575})
    assert combine_orders([ab, ba], "baseline").outcome == "tie"
    agree = OrderJudgement(order="BA", probabilities={"A": 0.9, "B": 0.05, "tie": 0.05}, verdict="A")
    assert combine_orders([ab, agree], "baseline").outcome == "A"
    close = OrderJudgement(order="BA", probabilities={"A": 0.40, "B": 0.35, "tie": 0.25}, verdict="A")
    assert (
        combine_orders([close, close.model_copy(update={"order": "BA"})], "likelihood", tie_margin=0.1).outcome == "tie"
    )


def test_ppl_keeps_the_order_with_the_lower_perplexity():
    confident_ba = biased_client({"A": 0.6, "B": 0.4}, {"A": 0.9, "B": 0.1}, ppl_ab=0.5, ppl_ba=0.99)
    pref = PairwiseJudge(confident_ba, method="ppl", allow_tie=False).compare("q", "good", "bad")
    ab, ba = pref.per_order
    assert ba.perplexity < ab.perplexity
    assert pref.outcome == "B" and pref.probabilities == pytest.approx({"A": 0.1, "B": 0.9})
    confident_ab = biased_client({"A": 0.6, "B": 0.4}, {"A": 0.9, "B": 0.1}, ppl_ab=0.99, ppl_ba=0.5)
    assert PairwiseJudge(confident_ab, method="ppl", allow_tie=False).compare("q", "good", "bad").outcome == "A"


def test_pairwise_without_ties_asks_for_a_or_b_only():
    client = biased_client({"A": 0.5, "B": 0.3, "C": 0.2}, {"A": 0.2, "B": 0.8})
    pref = PairwiseJudge(client, allow_tie=False).compare("q", "good", "bad")
    assert '"C"' not in client.calls[0]["messages"][0]["content"]
    assert set(pref.per_order[0].probabilities) == {"A", "B"}
    assert pref.probabilities == pytest.approx({"A": (0.625 + 0.8) / 2, "B": (0.375 + 0.2) / 2})


def test_unreadable_order_gives_no_outcome_never_a_tie():
    def respond(prompt, options):
        first, _ = _answers(prompt)
        return (
            rated({"A": 0.7, "B": 0.3}, cue="Output")
            if first == "good"
            else plain("Both are fine.").model_copy(update={"logprobs": [tok("Both")]})
        )

    pref = PairwiseJudge(FakeClient(respond)).compare("q", "good", "bad")
    assert pref.outcome is None and pref.unscored_reason.startswith("order BA") and pref.probabilities == {}
    with pytest.raises(ValueError):
        Preference(outcome=None)


def test_pairwise_without_logprobs_samples_and_ppl_falls_back_with_a_note():
    def respond(prompt, options):
        first, _ = _answers(prompt)
        if options.get("n", 1) == 1:
            return plain("Output: [A]")
        texts = ["Output: [A]"] * 3 + ["Output: [C]"] if first == "good" else ["Output: [B]"] * 2 + ["Output: [A]"] * 2
        return [plain(t) for t in texts]

    client = FakeClient(respond)
    pref = PairwiseJudge(client, method="ppl", n_samples=4).compare("q", "good", "bad")
    ab, ba = pref.per_order
    assert ab.source == ba.source == "samples" and ab.n_samples == 4 and ab.perplexity is None
    assert ba.probabilities == pytest.approx({"A": 0.5, "B": 0.5})
    assert pref.note and "likelihood" in pref.note
    assert pref.outcome == "A" and pref.probabilities == pytest.approx({"A": 0.625, "B": 0.25, "tie": 0.125})
    client.calls.clear()
    baseline = PairwiseJudge(client, method="baseline").compare("q", "good", "bad")
    assert [c.get("n", 1) for c in client.calls] == [1, 1]  # one greedy call per order, no samples
    assert [(o.source, o.verdict) for o in baseline.per_order] == [("text", "A"), ("text", "B")]
    assert baseline.outcome == "tie"
    judge = PairwiseJudge(client, method="baseline")
    judge.compare("q", "good", "bad")
    judge.compare("q", "good", "bad")
    assert [c["logprobs"] for c in client.calls[2:]] == [True, True, False, False]  # learnt: no logprobs


# ---------------------------------------------------------------- Bradley-Terry-Davidson ranking


def test_davidson_fit_recovers_the_saturated_two_item_mle():
    w, lose, t = 0.6, 0.1, 0.3
    strengths, nu = fit_davidson(2, [(0, 1, w, lose, t)], regularization=1e-9)
    assert strengths[0] - strengths[1] == pytest.approx(math.log(w / lose), abs=1e-4)
    assert nu == pytest.approx(t / math.sqrt(w * lose), abs=1e-4)
    assert strengths.sum() == pytest.approx(0.0, abs=1e-12)


def test_davidson_fit_stays_finite_when_one_item_wins_everything():
    strengths, nu = fit_davidson(3, [(0, 1, 1.0, 0.0, 0.0), (1, 2, 1.0, 0.0, 0.0), (0, 2, 1.0, 0.0, 0.0)])
    assert np.all(np.isfinite(strengths)) and nu == 0.0
    assert strengths[0] > strengths[1] > strengths[2]
    assert fit_davidson(2, [])[0].tolist() == [0.0, 0.0]


def _pref(a: float, b: float, tie: float = 0.0) -> Preference:
    probs = {"A": a, "B": b, "tie": tie}
    outcome = max(probs, key=probs.get)
    return Preference(outcome=outcome, probabilities=probs, method="likelihood")


def test_ranking_breaks_cycles_and_reports_them():
    # raw verdicts 0 > 1 > 2 > 0: the weakest link (2 over 0) is overruled
    prefs = {(0, 1): _pref(0.9, 0.1), (1, 2): _pref(0.9, 0.1), (0, 2): _pref(0.45, 0.55)}
    ranking = ranking_from_preferences(3, prefs)
    assert ranking.order == [0, 1, 2]
    assert ranking.cycles == [(0, 1, 2)] and ranking.equality_contradictions == []
    assert ranking.overruled == [(0, 2)] and ranking.unjudged == []
    assert ranking.tie_strength == 0.0


def test_ranking_reports_tie_contradictions_and_unjudged_pairs():
    unjudged = Preference(outcome=None, unscored_reason="order AB: no verdict", method="likelihood")
    prefs = {(0, 1): _pref(0.1, 0.1, 0.8), (1, 2): _pref(0.2, 0.1, 0.7), (0, 2): _pref(0.1, 0.8, 0.1), (2, 3): unjudged}
    ranking = ranking_from_preferences(4, prefs)
    assert ranking.equality_contradictions == [(0, 1, 2)] and ranking.cycles == []
    assert ranking.unjudged == [(2, 3)] and ranking.tie_strength > 0
    assert ranking.order.index(2) < ranking.order.index(0)
    assert sorted(ranking.order) == [0, 1, 2, 3]


def test_rank_judges_every_pair_and_orders_by_quality():
    quality = {"excellent": 3, "good": 2, "poor": 1, "awful": 0}

    def respond(prompt, options):
        first, second = _answers(prompt)
        gap = quality[first] - quality[second]
        p_first = 1 / (1 + math.exp(-1.5 * gap))
        return rated({"A": 0.8 * p_first + 0.05, "B": 0.8 * (1 - p_first) + 0.05, "C": 0.1}, cue="Output")

    client = FakeClient(respond)
    ranking = rank("Which is best?", ["good", "awful", "excellent", "poor"], PairwiseJudge(client))
    assert len(client.calls) == 12  # 6 pairs x 2 orders
    assert ranking.order == [2, 0, 3, 1]
    assert ranking.cycles == [] and ranking.overruled == []
    assert len(ranking.pairs) == 6 and ranking.pairs[0].i == 0 and ranking.pairs[0].j == 1


# ---------------------------------------------------------------- the real local model through litellm


def _local_model_available() -> bool:
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("litellm") is None:
        return False
    try:
        from veracity.llm import LLMClient  # noqa: F401
    except ImportError:
        return False
    return True


local = pytest.mark.skipif(not _local_model_available(), reason="needs veracity.llm.LLMClient, litellm and llama_cpp")

QUESTION = "What is the capital of France?"
GOOD = "The capital of France is Paris."
BAD = "Bananas are yellow and grow in bunches."


@pytest.fixture(scope="module")
def local_client():
    from veracity.llm import LLMClient

    with LLMClient("local/smollm2", max_concurrency=1, cache=None) as client:
        yield client


@local
def test_local_model_pointwise(local_client):
    judge = PointwiseJudge(local_client, scale=5, method="distribution")
    score = judge.score(QUESTION, GOOD)
    assert score.unscored_reason is None, score.raw
    assert score.source == "logprobs" and score.prompt_version == "pointwise/v1" and score.model == "local/smollm2"
    assert 1.0 <= score.value <= 5.0 and set(score.distribution) <= {1, 2, 3, 4, 5}
    assert sum(score.distribution.values()) == pytest.approx(1.0)
    for method in ("geval", "argmax"):  # the same call, other readings of its distribution
        assert PointwiseJudge(local_client, method=method).score(QUESTION, GOOD).value == pytest.approx(
            score_value(score.distribution, method)
        )


@local
def test_local_model_pairwise(local_client):
    pref = PairwiseJudge(local_client, method="likelihood").compare(QUESTION, GOOD, BAD)
    assert pref.unscored_reason is None, [o.raw for o in pref.per_order]
    assert [o.order for o in pref.per_order] == ["AB", "BA"] and all(o.source == "logprobs" for o in pref.per_order)
    assert pref.outcome in ("A", "B", "tie") and sum(pref.probabilities.values()) == pytest.approx(1.0)
    assert all(o.perplexity is not None and o.perplexity >= 1.0 for o in pref.per_order)
    for method in ("ppl", "baseline"):
        other = PairwiseJudge(local_client, method=method).compare(QUESTION, GOOD, BAD)
        assert other.outcome == combine_orders(pref.per_order, method).outcome


@local
def test_local_model_ranking(local_client):
    ranking = rank(QUESTION, [GOOD, BAD, "Paris."], PairwiseJudge(local_client))
    assert sorted(ranking.order) == [0, 1, 2] and len(ranking.pairs) == 3 and ranking.unjudged == []
    assert all(math.isfinite(s) for s in ranking.strengths) and math.isfinite(ranking.tie_strength)
    position = {item: place for place, item in enumerate(ranking.order)}
    for pair in ranking.pairs:  # a verdict is overruled exactly when the fitted order reverses it
        winner = {"A": (pair.i, pair.j), "B": (pair.j, pair.i)}.get(pair.preference.outcome)
        reversed_ = winner is not None and position[winner[0]] > position[winner[1]]
        assert reversed_ == ((pair.i, pair.j) in ranking.overruled)
    assert not ranking.cycles or ranking.overruled  # a cycle cannot be ordered without overruling a verdict
