"""What the CLI says beside a report so that nothing is hidden: why claims are unscored, and when
the text does not look like English (the claim extractor and our verifier are English-only)."""

from __future__ import annotations

import re
from collections import Counter

from veracity.types import Report

_WORD = re.compile(r"[^\W\d_]+")
# Frequent English function words: prose in English has many of them, other languages few.
_ENGLISH = frozenset(
    "the a an of and or in on at to for with by from as is are was were be been being it its this that these those "
    "he she they we you i his her their our not no has have had do does did which who what when where can will "
    "would should may might than then there here also but if about into over after before".split()
)
# Frequent function words of other languages written in Latin script (German, French, Spanish, Italian,
# Dutch, Portuguese), minus those that are English words too.
_OTHER = frozenset(
    "der das und ist nicht ein eine einen mit von zu den dem des im auf für sich wurde wird sind auch "
    "le la les et est une des du dans pour que qui pas sur au aux avec sont était "
    "el los las y es en una del por con para se lo como pero fue "
    "il gli di che è per non della delle sono "
    "het een niet op te met voor zijn werd "
    "os um uma em não da do dos das foi são".split()
) - _ENGLISH
LANGUAGE_HINT = (
    "veracity's claim extractor and verifier support English only; translate the text first, "
    "or use an LLM extractor and judge (--extractor llm:<model> --judge llm:<model>)"
)


def unscored_line(report: Report) -> str | None:
    """'N of M claims unscored: reason (count); ...' when any claim is unscored, else None."""
    unscored = [r.verdict for r in report.results if r.verdict.label == "unscored"]
    if not unscored:
        return None
    reasons = Counter(" ".join((v.reason or "no reason given").split())[:300] for v in unscored)
    listed = "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common(3))
    return f"{len(unscored)} of {len(report.results)} claims unscored: {listed}"


def all_unscored(report: Report) -> bool:
    return bool(report.results) and all(r.verdict.label == "unscored" for r in report.results)


def language_warning(text: str) -> str | None:
    """Why `text` does not look like English prose (None when it does): no words, a non-Latin script,
    or too few English function words."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return f"the text has no words (only symbols, digits or emoji): {LANGUAGE_HINT}"
    latin = sum(ord(c) < 0x250 for c in letters) / len(letters)
    if latin < 0.5:
        return f"the text is mostly in a non-Latin script: {LANGUAGE_HINT}"
    words = [w.lower() for w in _WORD.findall(text)]
    english, other = sum(w in _ENGLISH for w in words), sum(w in _OTHER for w in words)
    if (other >= 2 and other > english) or (len(words) >= 6 and english / len(words) < 0.1 and other):
        return f"the text does not look like English: {LANGUAGE_HINT}"
    return None
