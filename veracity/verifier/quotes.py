"""The quotation rule: a claim that the evidence states word for word is supported.

The trained verifier learnt from many near-identical contradiction pairs (one word or number changed)
and can read a verbatim restatement as a contradiction (KNOWN-FAILURES: a claim against itself scored
contradiction 0.96). A verbatim match needs no model: when the claim's words occur in the evidence as
one run (case, punctuation and spacing ignored) and the few words around that run do not deny or
question it ("it is false that ...", "whether ...", "... is a myth"), the pair is scored as entailed.
"""

from __future__ import annotations

import re

MIN_WORDS = 3  # shorter claims ("It is.") are not checked this way
QUOTED_ENTAILMENT = 0.98
# Words that, just before a quoted claim, deny, question or merely report it.
DISTANCING = frozenset(
    "not no never false untrue myth myths deny denies denied whether if claim claims claimed rumor rumour "
    "rumors rumours alleged allegedly hoax misconception wrongly incorrectly debunked".split()
)
DISTANCING_WINDOW = 6  # words before the quote that are checked
DISTANCING_AFTER = 4  # and after it ("... is a myth", "... was debunked")
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def is_quoted(premise: str, hypothesis: str) -> bool:
    """Whether ``premise`` states ``hypothesis`` word for word, without denying or questioning it."""
    claim = _words(hypothesis)
    if len(claim) < MIN_WORDS:
        return False
    evidence = _words(premise)
    n = len(claim)
    for start in range(len(evidence) - n + 1):
        if evidence[start : start + n] == claim:
            before = evidence[max(0, start - DISTANCING_WINDOW) : start]
            after = evidence[start + n : start + n + DISTANCING_AFTER]
            if not DISTANCING.intersection(before) and not DISTANCING.intersection(after):
                return True
    return False
