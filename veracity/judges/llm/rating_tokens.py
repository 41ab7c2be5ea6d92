"""Reading a judge's rating from its output: the label's distribution at the rating token, or the text.

The prompts ask for ``Score: [X]`` / ``Output: [X]``. The rating position is the first generated token
that follows ``[`` (or ``Score:``/``Output:``) and is a valid label or the start of one; the label's
distribution is read from that position's top logprobs and renormalised over the valid labels.

Multi-token labels ("10" as "1" + "0") are resolved along the generated path only: the mass of the
generated prefix is split between stopping there and continuing, using the next position's top
logprobs. An alternative that was not generated counts as its shortest reading ("1" stays 1, not 10).
That is exact for 1..5, a small approximation for 1..10, and useless for 1..100, which the pointwise
judge therefore estimates from samples.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence

from veracity.llm.types import TokenLogprob

__all__ = [
    "find_label_position",
    "label_distribution",
    "parse_label",
    "perplexity",
    "sample_distribution",
]

_CUE = re.compile(r"(?:\[|(?:score|output|verdict|rating)\s*:)\s*$", re.I)
_TEXT_LABEL = re.compile(r"\[\s*([\w.]+)\s*\]|(?:score|output|verdict|rating)\s*:\s*\[?\s*([\w.]+)", re.I)
_MARKERS = "\u0120\u2581"  # byte-level BPE / sentencepiece space markers some providers leak


def _clean(token: str) -> str:
    return token.replace(_MARKERS[0], " ").replace(_MARKERS[1], " ")


def _content(token: str) -> tuple[str, bool]:
    """The token's label content and whether it carries its own opening bracket ("[4" -> ("4", True))."""
    text = _clean(token).strip()
    merged = text.startswith("[")
    if merged:
        text = text[1:].strip()
    return text.split("]", 1)[0].strip(), merged


def _prefixes(labels: Collection[str]) -> set[str]:
    return {label[:n] for label in labels for n in range(1, len(label) + 1)}


def find_label_position(logprobs: Sequence[TokenLogprob], labels: Collection[str]) -> int | None:
    """Index of the rating token: the first label (or label start) right after a ``[`` or ``Score:`` cue."""
    prefixes = _prefixes(labels)
    before = ""
    for index, entry in enumerate(logprobs):
        content, merged = _content(entry.token)
        cued = merged or bool(_CUE.search(before))
        if cued and content in prefixes:
            return index
        before = (before + _clean(entry.token))[-64:]
    return None


def _alternatives(entry: TokenLogprob) -> dict[str, float]:
    """Probability per distinct token string at one position (the generated token included)."""
    probs = {alt.token: math.exp(alt.logprob) for alt in entry.top}
    probs.setdefault(entry.token, math.exp(entry.logprob))
    return probs


def _expand(
    logprobs: Sequence[TokenLogprob], pos: int, prefix: str, mass: float, labels: set[str], out: defaultdict[str, float]
) -> None:
    """Spread `mass` of the generated prefix over labels that start with it, along the generated path."""
    prefixes = _prefixes(labels)
    entry = logprobs[pos]
    alternatives = _alternatives(entry)
    total = sum(alternatives.values())
    continued = 0.0
    for token, prob in alternatives.items():
        piece = _clean(token).split("]", 1)[0]
        if not piece or piece != piece.strip() or prefix + piece not in prefixes:
            continue
        label, share = prefix + piece, mass * prob / total
        continued += share
        if token == entry.token and pos + 1 < len(logprobs) and any(x.startswith(label) and x != label for x in labels):
            _expand(logprobs, pos + 1, label, share, labels, out)
        elif label in labels:
            out[label] += share
    if prefix in labels:
        out[prefix] += mass - continued


def label_distribution(logprobs: Sequence[TokenLogprob], labels: Collection[str]) -> dict[str, float] | None:
    """P(label) at the rating token, renormalised over `labels`; None if no rating token or no mass."""
    label_set = set(labels)
    pos = find_label_position(logprobs, label_set)
    if pos is None:
        return None
    entry = logprobs[pos]
    _, merged = _content(entry.token)
    out: defaultdict[str, float] = defaultdict(float)
    for token, prob in _alternatives(entry).items():
        content, alt_merged = _content(token)
        if alt_merged != merged or content not in _prefixes(label_set):
            continue
        longer = any(x.startswith(content) and x != content for x in label_set)
        if token == entry.token and longer and pos + 1 < len(logprobs):
            _expand(logprobs, pos + 1, content, prob, label_set, out)
        elif content in label_set:
            out[content] += prob
    total = sum(out.values())
    if not total > 0.0:
        return None
    return {label: p / total for label, p in out.items() if p > 0.0}


def parse_label(text: str, labels: Collection[str]) -> str | None:
    """The first valid label written as ``[X]`` or after ``Score:``/``Output:`` in `text`."""
    for match in _TEXT_LABEL.finditer(text):
        value = match.group(1) or match.group(2)
        if value in labels:
            return value
    return None


def sample_distribution(parsed: Sequence[str | None]) -> dict[str, float] | None:
    """Relative frequency of each label among the parseable samples; None if none parsed."""
    counts = Counter(label for label in parsed if label is not None)
    total = sum(counts.values())
    return {label: n / total for label, n in counts.items()} if total else None


def perplexity(logprobs: Sequence[TokenLogprob] | None) -> float | None:
    """exp(-mean logprob) of the generated tokens (capped so it stays finite); None without logprobs."""
    if not logprobs:
        return None
    mean = sum(entry.logprob for entry in logprobs) / len(logprobs)
    return math.exp(min(-mean, 700.0))
