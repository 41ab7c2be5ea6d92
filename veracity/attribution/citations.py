"""Citation markers in a generated answer, mapped to the passages a RAG pipeline supplied.

Recognised markers: `[1]`, `[1, 2]` (also `;`), `[1][3]`, ranges `[1-3]`, and named ids such as
`[doc-7]`. `[n]` is the n-th supplied passage (1-based, as in ALCE); a named id matches a passage id
given in `passage_ids`. A bracket whose items are neither numbers, ranges, known ids nor id-like
tokens (a word with a digit, e.g. `doc-9`) is ordinary text: `[sic]` and `[citation needed]` stay.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from veracity._model import FrozenModel
from veracity.attribution.sentences import sentence_spans
from veracity.errors import InvalidArgumentError
from veracity.inputs import kind, require_sequence

_BRACKET = re.compile(r"\[([^\[\]\n]{1,80})\]")
_LEADING_BRACKET = re.compile(r"\s*\[([^\[\]\n]{1,80})\]")
_NUMBER = re.compile(r"\d+")
_RANGE = re.compile(r"(\d+)\s*[-\u2013\u2014]\s*(\d+)")
_ID_LIKE = re.compile(r"[A-Za-z_][\w.:/#-]*")
_MAX_RANGE = 100


class CitedSentence(FrozenModel):
    """One sentence of an answer with the passages it cites.

    `text`: the sentence with its markers removed and whitespace tidied (what gets verified).
    `start`/`end`: the sentence's span in the answer, markers included.
    `citations`: 0-based passage indices in marker order, without repeats.
    `markers`: the raw markers as written. `out_of_range`: ids that name no supplied passage.
    """

    text: str
    start: int
    end: int
    citations: list[int]
    markers: list[str]
    out_of_range: list[str]


def parse_citations(answer: str, passage_ids: Sequence[str] | int) -> list[CitedSentence]:
    """The sentences of `answer` with their citation markers resolved against the supplied passages.

    `passage_ids`: the ids of the supplied passages in order (named markers match them), or just
    how many passages there are (then only numeric markers are valid). A marker that follows a
    sentence's final punctuation ("... in 1889.[1] Next") belongs to that sentence.
    """
    if not isinstance(answer, str):
        raise InvalidArgumentError(f"answer must be a str, not {kind(answer)}")
    if isinstance(passage_ids, bool) or not isinstance(passage_ids, int):
        for i, pid in enumerate(require_sequence(passage_ids, "passage_ids")):
            if not isinstance(pid, str):
                raise InvalidArgumentError(f"passage_ids[{i}] must be a str, not {kind(pid)}")
    n, names = _id_table(passage_ids)
    trailing = lambda text, pos: _skip_markers(text, pos, n, names)  # noqa: E731
    sentences: list[CitedSentence] = []
    for start, end in sentence_spans(answer, trailing):
        sentence = _cited_sentence(answer, start, end, n, names)
        if sentence.text:
            sentences.append(sentence)
        elif sentences:  # markers on a line of their own belong to the sentence before
            sentences[-1] = _merge(sentences[-1], sentence)
    return sentences


def resolve_marker(content: str, n: int, names: Mapping[str, int]) -> tuple[list[int], list[str]] | None:
    """The passage indices a marker's content cites (repeats kept) and its ids out of range.

    None when the bracket is not a citation marker at all.
    """
    refs: list[int] = []
    bad: list[str] = []
    for item in (part.strip() for part in re.split(r"[,;]", content)):
        if _NUMBER.fullmatch(item):
            index = int(item) - 1
            if 0 <= index < n:
                refs.append(index)
            else:
                bad.append(item)
        elif item in names:
            refs.append(names[item])
        elif (span := _RANGE.fullmatch(item)) is not None:
            low, high = int(span[1]), int(span[2])
            inside = [k - 1 for k in range(low, high + 1) if 1 <= k <= n] if high - low <= _MAX_RANGE else []
            refs.extend(inside)
            if len(inside) != high - low + 1 or low > high:
                bad.append(item)
        elif _ID_LIKE.fullmatch(item) and any(ch.isdigit() for ch in item):
            bad.append(item)
        else:
            return None
    return refs, bad


def cited_indices(sentence: CitedSentence, passage_ids: Sequence[str] | int) -> list[int]:
    """Every passage index the sentence's markers cite, in marker order with repeats kept (as ALCE counts)."""
    n, names = _id_table(passage_ids)
    refs: list[int] = []
    for marker in sentence.markers:
        resolved = resolve_marker(marker[1:-1], n, names)
        if resolved is not None:
            refs.extend(resolved[0])
    return refs


def _id_table(passage_ids: Sequence[str] | int) -> tuple[int, dict[str, int]]:
    if isinstance(passage_ids, int):
        return passage_ids, {}
    names: dict[str, int] = {}
    for i, pid in enumerate(passage_ids):
        if pid:
            names.setdefault(pid, i)
    return len(passage_ids), names


def _skip_markers(text: str, pos: int, n: int, names: Mapping[str, int]) -> int:
    while (match := _LEADING_BRACKET.match(text, pos)) is not None:
        if resolve_marker(match.group(1), n, names) is None:
            break
        pos = match.end()
    return pos


def _cited_sentence(answer: str, start: int, end: int, n: int, names: Mapping[str, int]) -> CitedSentence:
    chunk = answer[start:end]
    refs: list[int] = []
    markers: list[str] = []
    bad: list[str] = []
    kept: list[str] = []
    last = 0
    for match in _BRACKET.finditer(chunk):
        resolved = resolve_marker(match.group(1), n, names)
        if resolved is None:
            continue
        markers.append(match.group())
        refs.extend(resolved[0])
        bad.extend(resolved[1])
        # Drop the marker with the whitespace before it, as ALCE's remove_citations does.
        kept.append(chunk[last : match.start()].rstrip())
        last = match.end()
    kept.append(chunk[last:])
    return CitedSentence(
        text=" ".join("".join(kept).split()),
        start=start,
        end=end,
        citations=list(dict.fromkeys(refs)),
        markers=markers,
        out_of_range=bad,
    )


def _merge(first: CitedSentence, second: CitedSentence) -> CitedSentence:
    return CitedSentence(
        text=first.text,
        start=first.start,
        end=second.end,
        citations=list(dict.fromkeys(first.citations + second.citations)),
        markers=first.markers + second.markers,
        out_of_range=first.out_of_range + second.out_of_range,
    )


def mask_citation_markers(answer: str, passage_ids: Sequence[str] | int) -> str:
    """`answer` with every citation marker replaced by spaces, so character offsets stay valid."""
    n, names = _id_table(passage_ids)

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group()) if resolve_marker(match.group(1), n, names) is not None else match.group()

    return _BRACKET.sub(blank, answer)
