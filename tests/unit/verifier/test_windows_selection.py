"""Window pre-selection for long evidence: only windows sharing the claim's words are scored."""

from __future__ import annotations

from veracity.verifier.windows import Window, select_windows


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
    finally:
        judge.max_windows = judge_max
    selected = judge._windows(evidence, claim)
    assert judge.max_windows is not None and len(selected) < len(everything)
    assert any("homocysteine" in w.text for w in selected)
    verdict = judge.verify(claim, [evidence])
    assert verdict.label == all_windows.label == "supported"
    assert verdict.evidence[0].passage.text == fact
