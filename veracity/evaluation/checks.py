"""Held-apart check sets for the verifier, made only from the training pool's **dev** pairs.

Each check isolates one behaviour a user relies on (binary: 1 = the claim must be supported):

* ``counterfactual``: an entailed dev pair (1) and the same claim with one grounded word, negation,
  number or name changed (0), made by `veracity.verifier.training_contrast.counterfactual_swaps`;
* ``deletion``: the deciding evidence among on-topic filler sentences (label kept) and the same
  filler without it (0), by `training_contrast.sentence_deletions`;
* ``doc_minimal_pairs``: FactCG's document minimal pairs from ``dev_doc_2way.jsonl`` (a news document,
  and the same document with one needed fact removed);
* ``identity`` (premise == hypothesis) and ``quotation`` (the claim quoted verbatim inside other text),
  by `training_contrast.identity_pairs`: all must be entailed;
* ``paraphrase``: the claim restated by meaning-preserving rewrites (a fronted time phrase, curated
  synonyms, number words, contractions): all must be entailed;
* ``known_failures``: the verifier cases listed in the project's known-failures notes, fixed text.

The sets never see ``train*.jsonl``: a model trained on the training pool is checked on pairs it has not
seen (the pool's dev split is grouped by premise, so no dev premise is in train). Seeded: the same seed
and data give the same sets.
"""

from __future__ import annotations

import difflib
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from veracity.evaluation.pairs import ClaimEvidencePair

__all__ = ["CHECKS", "KNOWN_FAILURES", "build_checks", "paraphrase"]

CHECKS = ("counterfactual", "deletion", "doc_minimal_pairs", "identity", "quotation", "paraphrase", "known_failures")
DOC_SOURCE = "cg2c_doc(FactCG)"


class PoolPair(Protocol):
    """The fields of `veracity.verifier.training_data.TrainingPair` that the checks read."""

    premise: str
    hypothesis: str
    label: str
    source: str


def _binary(label: str) -> int:
    return int(label == "entailment")


def _check_pair(p: PoolPair, check: str) -> ClaimEvidencePair:
    return ClaimEvidencePair(p.premise, p.hypothesis, _binary(p.label), check, subset=p.source)


def counterfactual_check(pool: Sequence[Any], n: int, rng: random.Random) -> list[ClaimEvidencePair]:
    """Minimal pairs: each swapped claim (0) beside the entailed claim it was made from (1)."""
    from veracity.verifier.training_contrast import counterfactual_swaps

    entailed: dict[str, list[str]] = {}
    for p in pool:
        if p.label == "entailment":
            entailed.setdefault(p.premise, []).append(p.hypothesis)
    out: list[ClaimEvidencePair] = []
    for swapped in counterfactual_swaps(pool, n, rng):
        original = max(entailed[swapped.premise], key=lambda h: difflib.SequenceMatcher(None, h, swapped.hypothesis).ratio())
        out.append(ClaimEvidencePair(swapped.premise, original, 1, "counterfactual", subset=swapped.source))
        out.append(_check_pair(swapped, "counterfactual"))
    return out


def deletion_check(pool: Sequence[Any], n: int, rng: random.Random) -> list[ClaimEvidencePair]:
    """Entailing evidence in a document (1) and the same document without it (0).

    `sentence_deletions` yields (kept, removed) pairs in turn; those whose kept half is a contradiction
    (0 and 0) test nothing about deletion and are left out.
    """
    from veracity.verifier.training_contrast import sentence_deletions

    made = sentence_deletions(pool, n, rng)
    out: list[ClaimEvidencePair] = []
    for kept, removed in zip(made[::2], made[1::2], strict=True):
        if kept.label == "entailment" and kept.hypothesis == removed.hypothesis:
            out += [_check_pair(kept, "deletion"), _check_pair(removed, "deletion")]
    return out


def identity_checks(pool: Sequence[Any], n: int, rng: random.Random) -> tuple[list[ClaimEvidencePair], list[ClaimEvidencePair]]:
    """(identity, quotation): a claim against itself, and quoted inside other text; all entailed."""
    from veracity.verifier.training_contrast import identity_pairs

    made = identity_pairs(pool, n, rng)
    identity = [_check_pair(p, "identity") for p in made if p.source == "identity/self"]
    quotation = [_check_pair(p, "quotation") for p in made if p.source != "identity/self"]
    return identity, quotation


# -- paraphrase --------------------------------------------------------------------------------

_SYNONYMS: dict[str, str] = {
    "began": "started", "begin": "start", "begins": "starts", "started": "began", "start": "begin",
    "big": "large", "large": "big", "small": "little", "buy": "purchase", "bought": "purchased",
    "help": "assist", "helps": "assists", "helped": "assisted", "show": "demonstrate", "shows": "demonstrates",
    "showed": "demonstrated", "use": "utilise", "uses": "utilises", "used": "utilised", "about": "approximately",
    "many": "numerous", "often": "frequently", "quickly": "rapidly", "fast": "quick", "near": "close to",
    "movie": "film", "film": "movie", "children": "kids", "kids": "children", "died": "passed away",
    "home": "house", "shut": "closed", "made": "created", "job": "occupation", "whole": "entire",
    "talking": "speaking", "talks": "speaks", "received": "got", "won": "earned", "reduces": "lowers",
    "increases": "raises", "increased": "raised", "rare": "uncommon", "common": "frequent", "sick": "ill",
}
_NUMBER_WORDS = {"2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven", "8": "eight", "9": "nine", "10": "ten"}
_CONTRACTIONS = {"does not": "doesn't", "do not": "don't", "is not": "isn't", "are not": "aren't", "did not": "didn't", "was not": "wasn't", "cannot": "can't", "will not": "won't"}
_LOWER_FIRST = frozenset("The A An It Its This These Those There He She They We His Her Their Some Many Most All".split())
_TRAILING_TIME = re.compile(r"^(?P<body>[A-Z].*?\S)\s+(?P<time>(?:in|on|during|since|by) (?:(?:January|February|March|April|May|June|July|August|September|October|November|December) )?\d{4})\s*(?P<end>[.!]?)$")


def _case_like(original: str, new: str) -> str:
    return new[0].upper() + new[1:] if original[0].isupper() else new


def paraphrase(text: str, rng: random.Random) -> str | None:
    """A meaning-preserving rewrite of ``text``, or None where no rule applies.

    Rules (all that apply): a trailing time phrase ("... in 1903.") moved to the front; one curated
    synonym; one digit 2-10 written as a word; one contraction.
    """
    out = text.strip()
    changed = False
    m = _TRAILING_TIME.match(out)
    if m:
        body = m["body"]
        if body.split()[0] in _LOWER_FIRST:
            body = body[0].lower() + body[1:]
        out = f"{_case_like('X', m['time'])}, {body}{m['end'] or '.'}"
        changed = True
    words = [w for w in re.finditer(r"\b[A-Za-z]+\b", out) if w.group().lower() in _SYNONYMS]
    if words:
        w = rng.choice(words)
        out = out[: w.start()] + _case_like(w.group(), _SYNONYMS[w.group().lower()]) + out[w.end() :]
        changed = True
    digits = [d for d in re.finditer(r"(?<![\d.,])\b(\d{1,2})\b(?![\d.,%])", out) if d.group() in _NUMBER_WORDS]
    if digits:
        d = rng.choice(digits)
        out = out[: d.start()] + _NUMBER_WORDS[d.group()] + out[d.end() :]
        changed = True
    for full, short in _CONTRACTIONS.items():
        if f" {full} " in out:
            out = out.replace(f" {full} ", f" {short} ", 1)
            changed = True
            break
    return out if changed and out != text.strip() else None


def paraphrase_check(pool: Sequence[Any], n: int, rng: random.Random) -> list[ClaimEvidencePair]:
    """The rewritten claim as evidence for the original claim: all entailed."""
    claims = sorted({p.hypothesis.strip() for p in pool if 4 <= len(p.hypothesis.split()) <= 40})
    out: list[ClaimEvidencePair] = []
    for claim in rng.sample(claims, len(claims)):
        if len(out) >= n:
            break
        rewritten = paraphrase(claim, rng)
        if rewritten:
            out.append(ClaimEvidencePair(rewritten, claim, 1, "paraphrase"))
    return out


# -- fixed cases ------------------------------------------------------------------------------

_MYC = (
    "MYC/MIZ1-dependent gene repression inversely coordinates the circadian clock with cell cycle and "
    "proliferation. The circadian clock and the cell cycle are major cellular systems that organize global "
    "physiology in temporal fashion. It seems conceivable that the potentially conflicting programs are "
    "coordinated. We show here that overexpression of MYC in U2OS cells attenuates the clock and conversely "
    "promotes cell proliferation while downregulation of MYC strengthens the clock and reduces proliferation. "
    "Inhibition of the circadian clock is crucially dependent on the formation of repressive complexes of MYC "
    "with MIZ1 and subsequent downregulation of the core clock genes BMAL1 (ARNTL), CLOCK and NPAS2. We show "
    "furthermore that BMAL1 expression levels correlate inversely with MYC levels in 102 human lymphomas. Our "
    "data suggest that MYC acts as a master coordinator that inversely modulates the impact of cell cycle and "
    "circadian clock on gene expression."
)
_CURIE = "Marie Curie won the Nobel Prize in Physics in 1903."

KNOWN_FAILURES: tuple[tuple[str, str, int], ...] = (
    (_CURIE, _CURIE, 1),
    ("In 1903 Marie Curie shared the Nobel Prize in Physics with Pierre Curie and Henri Becquerel.", _CURIE, 1),
    (f"Biography. {_CURIE} She later won a second Nobel Prize, in Chemistry.", _CURIE, 1),
    (_MYC, "Overexpression of MYC strengthens the circadian clock in U2OS cells.", 0),
    (_MYC, "Overexpression of MYC attenuates the circadian clock in U2OS cells.", 1),
    (_MYC, "Downregulation of MYC strengthens the circadian clock.", 1),
    (_MYC, "Downregulation of MYC weakens the circadian clock.", 0),
    (_MYC, "BMAL1 expression levels correlate inversely with MYC levels in human lymphomas.", 1),
    (_MYC, "BMAL1 expression levels correlate positively with MYC levels in human lymphomas.", 0),
)
"""(evidence, claim, label): the demo's MYC claims and the Curie identity/paraphrase cases, fixed."""


def known_failures_check() -> list[ClaimEvidencePair]:
    return [ClaimEvidencePair(p, h, y, "known_failures") for p, h, y in KNOWN_FAILURES]


def _doc_pairs(pool: Sequence[PoolPair]) -> list[ClaimEvidencePair]:
    return [_check_pair(p, "doc_minimal_pairs") for p in pool if p.source == DOC_SOURCE]


def build_checks(data_dir: Path, n: int = 200, seed: int = 2026) -> dict[str, list[ClaimEvidencePair]]:
    """Every check set from ``data_dir`` (the ``nli_train`` folder): its dev files only, permitted sources.

    ``n`` bounds each generated kind: counterfactual gives up to ``n`` minimal pairs (``2n`` rows), deletion
    draws ``2n`` minimal pairs and keeps the entailed ones (about half), identity and quotation share ``2n``
    claims, paraphrase up to ``n`` rows.
    """
    from veracity.verifier.training_data import load_pool

    pool = load_pool(Path(data_dir), "dev", documents=True)
    real = [p for p in pool if p.source != DOC_SOURCE]
    identity, quotation = identity_checks(real, 2 * n, random.Random(f"{seed}-identity"))
    return {
        "counterfactual": counterfactual_check(real, n, random.Random(f"{seed}-counterfactual")),
        "deletion": deletion_check(real, 4 * n, random.Random(f"{seed}-deletion")),
        "doc_minimal_pairs": _doc_pairs(pool),
        "identity": identity,
        "quotation": quotation,
        "paraphrase": paraphrase_check(real, n, random.Random(f"{seed}-paraphrase")),
        "known_failures": known_failures_check(),
    }
