"""The verifier's training mixture: licence filter, per-source caps and synthetic hard negatives."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from veracity.errors import InputFormatError

# Sources whose licence does not allow redistributing a derived model for any use
# (non-commercial, or no licence at all), and MCTest stories (Microsoft research terms).
EXCLUDED_SOURCE_PREFIXES = (
    "anli_",
    "imppres",
    "sick",
    "healthver",
    "attributionbench",
    "rte_2way",
    "mctest",
)

# Per-source caps: real claim-verification data in full, general NLI subsampled, templated sets small.
DEFAULT_CAPS: dict[str, int] = {
    "fool_me_twice": 10_000,
    "check_covid": 10_000,
    "liar_plus": 10_000,
    "faithdial_data_audit": 10_000,
    "wice_dev_oracle": 10_000,
    "fever_nli_2way(DocNLI)": 7_000,
    "snli_dev(e-SNLI)": 2_500,
    "snli_test(e-SNLI)": 2_500,
    "mnli_train(TaxiNLI)": 5_000,
    "snli_counterfactual(CAD)": 3_500,
    "mnli_2way(DocNLI)": 2_000,
    "conjnli_adv_train": 1_000,
    "conjnli_dev": 1_000,
    "breaking_nli": 1_500,
    "med": 800,
    "help_gold": 200,
    "mnli_negation_contradictions(HANS repo)": 300,
    "cg2c_doc(FactCG)": 10_000,
}


@dataclass(frozen=True)
class TrainingPair:
    premise: str
    hypothesis: str
    label: str  # entailment | neutral | contradiction | not_entailment
    source: str


def is_permitted(source: str) -> bool:
    return not source.lower().startswith(EXCLUDED_SOURCE_PREFIXES)


def read_pairs(path: Path) -> list[TrainingPair]:
    pairs = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            try:
                row = json.loads(line)
                pairs.append(TrainingPair(row["premise"], row["hypothesis"], row["label"], row["source"]))
            except (json.JSONDecodeError, KeyError) as err:
                raise InputFormatError(f"{path}:{line_no}: not a training pair ({err})") from err
    return pairs


def load_pool(data_dir: Path, split: str = "train", *, documents: bool = False) -> list[TrainingPair]:
    """The 3-way and 2-way files of a split, restricted to permitted sources.

    ``documents=True`` adds the document-level minimal pairs (``{split}_doc_2way.jsonl``, FactCG CG2C-doc).
    """
    files = [data_dir / f"{split}.jsonl", data_dir / f"{split}_2way.jsonl"]
    if documents:
        files.append(data_dir / f"{split}_doc_2way.jsonl")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputFormatError(f"training data not found: {', '.join(missing)}")
    return [p for f in files for p in read_pairs(f) if is_permitted(p.source)]


def cap_sources(pairs: list[TrainingPair], caps: dict[str, int], rng: random.Random, default_cap: int = 0) -> list[TrainingPair]:
    """Keep at most caps[source] pairs of each source (seeded sample); unknown sources get default_cap."""
    by_source: dict[str, list[TrainingPair]] = {}
    for pair in pairs:
        by_source.setdefault(pair.source, []).append(pair)
    kept: list[TrainingPair] = []
    for source, group in sorted(by_source.items()):
        cap = caps.get(source, default_cap)
        kept.extend(group if len(group) <= cap else rng.sample(group, cap))
    return kept


_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")


def swap_number(text: str, rng: random.Random, premise: str | None = None) -> str | None:
    """Change one number of ``text`` (a year by a few years); with ``premise``, only a number the premise states."""
    matches = [m for m in _NUMBER.finditer(text) if premise is None or m.group() in premise]
    if not matches:
        return None
    match = rng.choice(matches)
    digits = match.group().replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    if value.is_integer() and 1000 <= value <= 2100:  # a year: move it by a few years
        new = str(int(value) + rng.choice([-11, -7, -3, -2, -1, 1, 2, 3, 5, 9]))
    elif value.is_integer():
        new = str(max(0, int(value) + rng.choice([-3, -2, -1, 1, 2, 3])) if value < 10 else int(value * rng.choice([0.5, 2, 3, 0.1, 10])))
    else:
        new = f"{value * rng.choice([0.5, 2.0, 1.5]):.{len(digits.split('.')[-1])}f}"
    if new == match.group():
        return None
    return text[: match.start()] + new + text[match.end() :]


def swap_name(text: str, premise: str, names: list[str], rng: random.Random) -> str | None:
    """Replace one name that the premise mentions by another name from the pool."""
    mentions = [m for m in _NAME.finditer(text) if m.start() > 0 and m.group() in premise]
    if not mentions or not names:
        return None
    match = rng.choice(mentions)
    for _ in range(5):
        new = rng.choice(names)
        if new != match.group() and new not in premise:
            return text[: match.start()] + new + text[match.end() :]
    return None


def hard_negatives(pairs: list[TrainingPair], n: int, rng: random.Random) -> list[TrainingPair]:
    """Contradictions made from entailed claims by swapping one number, date or name.

    This is the error LLM answers make most: the right sentence with one wrong value.
    """
    entailed = [p for p in pairs if p.label == "entailment" and len(p.premise) > len(p.hypothesis)]
    names = sorted({m.group() for p in entailed for m in _NAME.finditer(p.hypothesis)})
    rng.shuffle(entailed)
    made: list[TrainingPair] = []
    for pair in entailed:
        if len(made) >= n:
            break
        swapped = swap_number(pair.hypothesis, rng) if rng.random() < 0.5 else None
        swapped = swapped or swap_name(pair.hypothesis, pair.premise, names, rng)
        if swapped:
            made.append(TrainingPair(pair.premise, swapped, "contradiction", f"hard_negative/{pair.source}"))
    return made


def random_neutrals(pairs: list[TrainingPair], n: int, rng: random.Random) -> list[TrainingPair]:
    """Claims paired with the evidence of another, unrelated pair: neither supported nor refuted.

    Retrieval hands the verifier unrelated passages all the time; they must never read as support.
    """
    if len(pairs) < 2 or n <= 0:
        return []
    made = []
    for _ in range(n):
        claim, other = rng.sample(pairs, 2)
        if other.premise != claim.premise:
            made.append(TrainingPair(other.premise, claim.hypothesis, "neutral", f"random_neutral/{claim.source}"))
    return made


def claims_in_documents(pairs: list[TrainingPair], n: int, rng: random.Random, max_chars: int = 900) -> list[TrainingPair]:
    """The evidence of a labelled pair set among sentences of other pairs' evidence, as in a retrieved document.

    The label stays: the deciding sentence is still there, now in a longer context, at a random position.
    """
    decided = [p for p in pairs if p.label in ("entailment", "contradiction") and len(p.premise) < max_chars // 2]
    fillers = [p.premise for p in pairs if len(p.premise) < 300]
    if not decided or not fillers:
        return []
    made = []
    for pair in rng.sample(decided, min(n, len(decided))):
        context = [pair.premise]
        while sum(len(c) for c in context) < max_chars * rng.uniform(0.4, 1.0):
            context.insert(rng.randrange(len(context) + 1), rng.choice(fillers))
        made.append(TrainingPair(" ".join(context), pair.hypothesis, pair.label, f"in_document/{pair.source}"))
    return made


def build_mixture(
    data_dir: Path,
    *,
    caps: dict[str, int] | None = None,
    n_hard_negatives: int = 3000,
    n_random_neutrals: int = 0,
    n_in_documents: int = 0,
    n_counterfactual: int = 0,
    n_deletions: int = 0,
    n_identity: int = 0,
    documents: bool = False,
    seed: int = 13,
) -> list[TrainingPair]:
    """The seeded training mixture: capped pool pairs plus the synthetic kinds asked for.

    The contrastive kinds (counterfactual swaps, sentence deletions, identity) are described in
    :mod:`veracity.verifier.training_contrast`; ``documents`` adds the FactCG document minimal pairs.
    """
    from veracity.verifier.training_contrast import counterfactual_swaps, identity_pairs, sentence_deletions

    rng = random.Random(seed)
    pool = load_pool(data_dir, "train", documents=documents)
    mixture = cap_sources(pool, caps or DEFAULT_CAPS, rng)
    mixture += hard_negatives(pool, n_hard_negatives, rng)
    mixture += random_neutrals(mixture, n_random_neutrals, rng)
    mixture += claims_in_documents(mixture, n_in_documents, rng)
    real = [p for p in pool if p.source != "cg2c_doc(FactCG)"]
    mixture += counterfactual_swaps(real, n_counterfactual, rng)
    mixture += sentence_deletions(real, n_deletions, rng)
    mixture += identity_pairs(real, n_identity, rng)
    rng.shuffle(mixture)
    return mixture


def describe(pairs: list[TrainingPair]) -> str:
    synthetic = ("hard_negative", "random_neutral", "in_document", "counterfactual_", "deletion_", "identity")
    counts = Counter(p.source.split("/")[0] if p.source.startswith(synthetic) else p.source for p in pairs)
    return ", ".join(f"{source}={n}" for source, n in counts.most_common())
