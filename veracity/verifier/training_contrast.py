"""Contrastive training pairs that teach the verifier to check every part of a claim (LLM-free).

Three kinds, each made from labelled pairs of the training pool and seeded:

* **counterfactual swaps**: an entailed claim with one word changed (antonym, direction word,
  quantifier, unit, negation, number or named entity) becomes a contradiction. A swap is kept only
  where the replaced word also occurs in the evidence, so the evidence really speaks against it.
* **sentence deletion**: the deciding evidence set among other sentences keeps its label; the same
  document with the deciding evidence deleted is `neutral` (MiniCheck / FactCG-style minimal pairs).
* **identity and quotation**: a claim against itself, or quoted inside a longer document, is entailed.
  Without these the many near-identical contradiction pairs of the pool (single-word replacements)
  teach "almost the same text = contradiction", and a verbatim claim gets refuted.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from veracity.verifier.training_data import TrainingPair, swap_name, swap_number

WORD_LIST = Path(__file__).resolve().parent / "data" / "contrast_words.json"
DECIDED = ("entailment", "contradiction")


@dataclass(frozen=True)
class ContrastWords:
    """The curated swap lists: word -> replacement (both directions), and negatable auxiliaries."""

    swaps: dict[str, str]
    auxiliaries: frozenset[str]


@lru_cache(maxsize=1)
def contrast_words(path: Path = WORD_LIST) -> ContrastWords:
    data = json.loads(path.read_text(encoding="utf-8"))
    swaps: dict[str, str] = {}
    for a, b in data["antonyms"] + data["units"]:
        swaps.setdefault(a, b)
        swaps.setdefault(b, a)
    return ContrastWords(swaps=swaps, auxiliaries=frozenset(data["auxiliaries"]))


_WORD = re.compile(r"[A-Za-z]+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _overlap(claim_words: set[str], text: str) -> float:
    """Share of the claim's longer words that ``text`` contains (a filler must not restate the claim)."""
    content = {w for w in claim_words if len(w) > 3}
    return len(content & _words(text)) / len(content) if content else 0.0


def _match_case(original: str, new: str) -> str:
    if original.isupper() and len(original) > 1:
        return new.upper()
    return new[0].upper() + new[1:] if original[0].isupper() else new


def swap_word(hypothesis: str, premise: str, rng: random.Random, words: ContrastWords | None = None) -> str | None:
    """Replace one listed word of the claim that the evidence also uses by its opposite."""
    words = words or contrast_words()
    evidence = _words(premise)
    candidates = [m for m in _WORD.finditer(hypothesis) if m.group().lower() in words.swaps and m.group().lower() in evidence]
    if not candidates:
        return None
    match = rng.choice(candidates)
    new = _match_case(match.group(), words.swaps[match.group().lower()])
    return hypothesis[: match.start()] + new + hypothesis[match.end() :]


def negate(hypothesis: str, premise: str, rng: random.Random, words: ContrastWords | None = None) -> str | None:
    """Insert "not" after an auxiliary the evidence also uses, or drop a "not" the evidence lacks."""
    words = words or contrast_words()
    evidence = _words(premise)
    drop = list(re.finditer(r"\b(not|never) ", hypothesis))
    if drop and not ({"not", "never", "no"} & evidence):
        match = rng.choice(drop)
        return hypothesis[: match.start()] + hypothesis[match.end() :]
    if " not " in hypothesis or "n't" in hypothesis:
        return None
    candidates = [
        m for m in _WORD.finditer(hypothesis)
        if m.group().lower() in words.auxiliaries and m.group().lower() in evidence and m.start() > 0
    ]
    if not candidates:
        return None
    match = rng.choice(candidates)
    return hypothesis[: match.end()] + " not" + hypothesis[match.end() :]


def counterfactual_swaps(pairs: list[TrainingPair], n: int, rng: random.Random) -> list[TrainingPair]:
    """Contradictions made from entailed claims by one grounded change (word, negation, number, name)."""
    entailed = [p for p in pairs if p.label == "entailment" and 3 <= len(p.hypothesis.split()) <= 60]
    if not entailed or n <= 0:
        return []
    names = sorted({m.group() for p in entailed for m in re.finditer(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b", p.hypothesis)})
    order = rng.sample(entailed, len(entailed))
    makers = ("word", "word", "negation", "number", "name")
    made: list[TrainingPair] = []
    for pair in order:
        if len(made) >= n:
            break
        kind = rng.choice(makers)
        if kind == "word":
            swapped = swap_word(pair.hypothesis, pair.premise, rng)
        elif kind == "negation":
            swapped = negate(pair.hypothesis, pair.premise, rng)
        elif kind == "number":
            swapped = swap_number(pair.hypothesis, rng, premise=pair.premise)
        else:
            swapped = swap_name(pair.hypothesis, pair.premise, names, rng)
        if swapped and swapped != pair.hypothesis:
            made.append(TrainingPair(pair.premise, swapped, "contradiction", f"counterfactual_{kind}/{pair.source}"))
    return made


def _document(
    core: str | None, fillers: list[str], rng: random.Random, target_chars: float, avoid: set[str] | None = None
) -> list[str]:
    """Random filler sentences (none restating ``avoid``'s words) around an optional core, in random order."""
    context: list[str] = []
    for _ in range(200):
        if sum(len(c) + 1 for c in context) >= target_chars:
            break
        filler = rng.choice(fillers)
        if filler != core and filler not in context and (not avoid or _overlap(avoid, filler) < 0.5):
            context.append(filler)
    if core is not None:
        context.insert(rng.randrange(len(context) + 1), core)
    return context


def sentence_deletions(pairs: list[TrainingPair], n: int, rng: random.Random, max_chars: int = 900) -> list[TrainingPair]:
    """Minimal pairs: the deciding evidence among other text (label kept) and the same text without it.

    Fillers come from other pairs of the same source where possible, so the document stays on topic
    and the model cannot tell the two halves apart by topic alone; a filler that shares half of the
    claim's content words is never used.
    """
    decided = [p for p in pairs if p.label in DECIDED and len(p.premise) < max_chars // 2]
    by_source: dict[str, list[str]] = {}
    for p in pairs:
        if len(p.premise) < 350:
            by_source.setdefault(p.source, []).append(p.premise)
    every = [s for group in by_source.values() for s in group]
    if not decided or not every or n <= 0:
        return []
    made: list[TrainingPair] = []
    for pair in rng.sample(decided, min(n // 2, len(decided))):
        pool = by_source.get(pair.source, [])
        pool = pool if len(pool) >= 20 else every
        fillers = _document(None, pool, rng, max_chars * rng.uniform(0.3, 0.9), avoid=_words(pair.hypothesis))
        fillers = [f for f in fillers if f != pair.premise]
        if not fillers:
            continue
        with_core = list(fillers)
        with_core.insert(rng.randrange(len(fillers) + 1), pair.premise)
        made.append(TrainingPair(" ".join(with_core), pair.hypothesis, pair.label, f"deletion_kept/{pair.source}"))
        made.append(TrainingPair(" ".join(fillers), pair.hypothesis, "neutral", f"deletion_removed/{pair.source}"))
    return made


def identity_pairs(pairs: list[TrainingPair], n: int, rng: random.Random, max_chars: int = 700) -> list[TrainingPair]:
    """A claim against itself, or quoted verbatim inside other text: always entailed."""
    claims = sorted({p.hypothesis for p in pairs if 4 <= len(p.hypothesis.split()) <= 40})
    fillers = [p.premise for p in pairs if len(p.premise) < 300]
    if not claims or not fillers or n <= 0:
        return []
    made: list[TrainingPair] = []
    for claim in rng.sample(claims, min(n, len(claims))):
        if rng.random() < 0.5:
            made.append(TrainingPair(claim, claim, "entailment", "identity/self"))
        else:
            context = _document(claim, fillers, rng, max_chars * rng.uniform(0.2, 1.0))
            made.append(TrainingPair(" ".join(context), claim, "entailment", "identity/quoted"))
    return made
