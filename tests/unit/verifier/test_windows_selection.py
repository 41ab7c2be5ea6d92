"""Long evidence: the digest of the claim's most relevant sentences, and pre-selection of packed windows."""

from __future__ import annotations

import pytest

from veracity.verifier.windows import Window, digest_window, select_windows


def _windows(texts: list[str]) -> list[Window]:
    out, at = [], 0
    for text in texts:
        out.append(Window(text, at, at + len(text)))
        at += len(text) + 1
    return out


FILLER = [f"The weather on day {i} was mild and the market was quiet." for i in range(20)]


def test_keeps_the_windows_that_share_the_claims_words() -> None:
    texts = FILLER[:8] + ["Marie Curie won the Nobel Prize in Physics in 1903."] + FILLER[8:]
    windows = _windows(texts)
    chosen = select_windows(windows, "Curie received the Nobel Prize in 1903.", keep=3)
    assert windows[8] in chosen
    assert len(chosen) <= 6
    assert [w.start for w in chosen] == sorted(w.start for w in chosen)  # document order


def test_keeps_a_window_with_a_rare_claim_word_beyond_keep() -> None:
    # Many windows mention the prize; only one names the year the claim hinges on.
    texts = [f"The Nobel Prize committee met in session {i} about the prize." for i in range(10)]
    texts.append("It happened in 1903, according to the records.")
    windows = _windows(texts)
    chosen = select_windows(windows, "The Nobel Prize was awarded in 1903.", keep=2, rare=1)
    assert windows[-1] in chosen


def test_plural_and_singular_match() -> None:
    windows = _windows(FILLER[:5] + ["Stem cells divide rapidly in culture."] + FILLER[5:])
    chosen = select_windows(windows, "A stem cell divides.", keep=1)
    assert chosen == [windows[5]]


def test_short_inputs_are_unchanged_and_unrelated_text_keeps_the_opening() -> None:
    windows = _windows(FILLER[:3])
    assert select_windows(windows, "anything", keep=5) == windows
    many = _windows(FILLER)
    assert select_windows(many, "Quantum chromodynamics of gluons.", keep=2) == many[:2]


def test_judge_scores_fewer_windows_and_keeps_the_supporting_sentence(judge) -> None:
    fact = "Folate deficiency raises blood homocysteine levels in adults."
    evidence = " ".join(FILLER * 3 + [fact] + FILLER)
    claim = "A deficiency of folate increases blood levels of homocysteine."
    judge_max, judge.max_windows = judge.max_windows, None
    try:
        everything = judge._windows(evidence, claim)
        all_windows = judge.verify(claim, [evidence])
        judge.max_windows = judge_max
        selected = judge._windows(evidence, claim)
        verdict = judge.verify(claim, [evidence])
    finally:
        judge.max_windows = judge_max
    assert judge.max_windows is not None and len(selected) < len(everything)
    assert any("homocysteine" in w.text for w in selected)
    assert verdict.label == all_windows.label == "supported"
    assert verdict.evidence[0].passage.text == fact


def _words(text: str) -> int:
    return len(text.split())


def test_digest_reads_the_relevant_sentences_in_document_order_within_the_budget() -> None:
    fact = "Folate deficiency raises blood homocysteine levels in adults."
    other = "Homocysteine is an amino acid."
    text = " ".join(FILLER[:6] + [other] + FILLER[6:12] + [fact] + FILLER[12:])
    window = digest_window(text, "A deficiency of folate increases blood homocysteine.", 30, _words)
    assert window.parts is not None
    read = [text[s:e] for s, e in window.parts]
    assert read == [other, fact]  # document order, not rank order; sentences sharing no claim word left out
    assert window.input_text == " ".join(read)
    assert window.text == text[window.start : window.end]  # a real, contiguous slice for citations
    assert window.start == window.parts[0][0] and window.end == window.parts[-1][1]


def test_digest_of_unrelated_text_reads_its_opening_and_cuts_a_long_sentence() -> None:
    text = " ".join(FILLER)
    window = digest_window(text, "Quantum chromodynamics of gluons.", 25, _words)
    assert window.input_text == " ".join(FILLER[:2])
    one_sentence = " ".join(f"word{i}" for i in range(100)) + "."
    cut = digest_window(one_sentence, "word7 word8", 10, _words)
    assert _words(cut.input_text) <= 10 and "word7" in cut.input_text
    tokens = lambda t: 5 * len(t.split())  # noqa: E731 - every word over a budget of 3
    assert digest_window("alpha beta. gamma.", "gamma", 3, tokens).input_text == "gamma."


def test_judge_reads_one_digest_per_long_evidence_and_cites_the_deciding_sentence(judge) -> None:
    fact = "Folate deficiency raises blood homocysteine levels in adults."
    evidence = " ".join(FILLER * 3 + [fact] + FILLER)
    claim = "A deficiency of folate increases blood levels of homocysteine."
    judge.windows = "digest"
    try:
        windows = judge._windows(evidence, claim)
        verdict = judge.verify(claim, [evidence])
        short = "Folate deficiency raises homocysteine."
        read_short = judge._windows(short, claim)
    finally:
        judge.windows = "packed"
    assert len(windows) == 1 and fact in windows[0].input_text
    assert verdict.label == "supported"
    assert verdict.decided_by is not None and verdict.decided_by.text == fact
    cited = verdict.evidence[0].passage
    assert evidence[cited.start : cited.end] == cited.text  # the citation is real text of the evidence
    assert read_short == [Window(short, 0, len(short))]  # evidence that fits is read whole


def test_window_mode_and_its_options_are_checked() -> None:
    from veracity.errors import InvalidArgumentError
    from veracity.judges.nli import NLIJudge

    with pytest.raises(InvalidArgumentError, match="windows must be one of digest, packed"):
        NLIJudge(windows="all")
    with pytest.raises(InvalidArgumentError, match="early_exit applies to windows=\"packed\""):
        NLIJudge(windows="digest", early_exit=0.9)
    for bad in (0, -2, 2.5, True, "6"):
        with pytest.raises(InvalidArgumentError, match="max_windows"):
            NLIJudge(windows="packed", max_windows=bad)


def _count_scored(judge) -> list[int]:
    """Count the windows the judge sends to its model (a wrapper around the real scoring)."""
    counter, score = [0], judge._score

    def counting(premises, hypotheses):
        counter[0] += len(premises)
        return score(premises, hypotheses)

    judge._score = counting
    return counter


def test_early_exit_scores_only_the_best_window_when_it_decides() -> None:
    from veracity.judges.nli import NLIJudge

    fact = "Folate deficiency raises blood homocysteine levels in adults."
    claim = "Folate deficiency raises blood homocysteine levels in adults."  # stated: decided by the first window
    evidence = " ".join(FILLER * 3 + [fact] + FILLER)
    full, fast = NLIJudge(), NLIJudge(early_exit=0.9)
    full_count, fast_count = _count_scored(full), _count_scored(fast)
    full_verdict, fast_verdict = full.verify(claim, [evidence]), fast.verify(claim, [evidence])
    assert fast_count[0] == 1 < full_count[0]
    assert fast_verdict.label == full_verdict.label == "supported"
    assert fast_verdict.evidence[0].passage.text == fact


def test_early_exit_that_never_triggers_gives_the_full_scores() -> None:
    from veracity.judges.nli import NLIJudge

    claim = "A deficiency of folate increases blood levels of homocysteine."
    evidence = [
        " ".join(FILLER * 3 + ["Folate deficiency raises blood homocysteine levels in adults."] + FILLER),
        " ".join(FILLER * 4),
    ]
    full, never = NLIJudge(), NLIJudge(early_exit=1.0)
    for a, b in zip(never.predict(evidence, [claim, claim]), full.predict(evidence, [claim, claim])):  # batches differ: padding
        assert (a.entailment, a.contradiction) == pytest.approx((b.entailment, b.contradiction), abs=1e-4)


def test_early_exit_must_be_a_probability_above_one_half() -> None:
    from veracity.errors import InvalidArgumentError
    from veracity.judges.nli import NLIJudge

    for bad in (0.5, 1.5, "0.9", True, -1):
        with pytest.raises(InvalidArgumentError, match="early_exit"):
            NLIJudge(early_exit=bad)


def test_digest_reader_is_a_judge_spec_and_recorded_in_provenance() -> None:
    from veracity.judges import get_judge
    from veracity.provenance import _describe_nli

    digest = get_judge("nli-digest:default")
    assert digest.windows == "digest"
    settings = _describe_nli(digest).settings
    assert settings["windows"] == "digest" and settings["digest_tokens"] == 160
    packed = _describe_nli(get_judge("default")).settings
    assert packed["windows"] == "packed" and packed["max_windows"] == 6
