"""Claim text from parse tokens: trimming filler at the edges, rendering with the original spacing,
sentence case, and the character spans a claim was built from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Union

from veracity.claims.filters import VERB_POS

if TYPE_CHECKING:
    from spacy.tokens import Token

Piece = Union["Token", str]
"""A word of a claim being built: a token of the text, or a replacement string."""

QUOTES = frozenset({'"', "“", "”", "'", "‘", "’"})
EDGE_PUNCT = frozenset({",", ".", ";", ":", "!", "?", "-", "--", "—", "–", "…", "*", "•", "/", "|"})
_DISCOURSE = (("however",), ("additionally",), ("also",), ("furthermore",), ("moreover",),
              ("overall",), ("finally",), ("therefore",), ("thus",), ("hence",), ("besides",),
              ("meanwhile",), ("nevertheless",), ("instead",), ("firstly",), ("secondly",),
              ("lastly",), ("sure",), ("certainly",), ("yes",), ("no",), ("well",), ("indeed",),
              ("absolutely",), ("okay",), ("ok",), ("in", "addition"), ("of", "course"),
              ("in", "fact"), ("in", "conclusion"), ("in", "summary"), ("for", "example"),
              ("for", "instance"), ("as", "a", "result"), ("in", "general"), ("generally",),
              ("in", "contrast"), ("similarly",), ("likewise",), ("today",), ("currently",))
_LEFT_ATTACHED = re.compile(r"^(?:[,.;:!?%)\]}]|['’]\w*|n['’]t)$", re.IGNORECASE)


def token_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """Character spans of runs of adjacent tokens (whitespace between them is part of the run)."""
    ordered = sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)
    runs: list[tuple[int, int]] = []
    previous: Token | None = None
    for token in ordered:
        start, end = token.idx, token.idx + len(token)
        adjacent = previous is not None and all(t.is_space for t in token.doc[previous.i + 1 : token.i])
        if adjacent and runs:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
        previous = token
    return merge_spans(runs)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def trim(tokens: list[Token]) -> list[Token]:
    """Drop edge punctuation, conjunctions, unbalanced quotes, discourse markers, speaker labels."""
    start, end = 0, len(tokens)
    while start < end and (cut := _leading_junk(tokens, start, end)):
        start += cut
    while end > start and (tokens[end - 1].text in EDGE_PUNCT or tokens[end - 1].dep_ == "cc"):
        end -= 1
    kept = tokens[start:end]
    if sum(t.text in QUOTES for t in kept) % 2 and kept:
        if kept[0].text in QUOTES:
            return trim(kept[1:])
        if kept[-1].text in QUOTES:
            return trim(kept[:-1])
    if kept and sum(t.text == "(" for t in kept) != sum(t.text == ")" for t in kept):
        if kept[-1].text == ")":
            return trim(kept[:-1])
        if kept[0].text == "(":
            return trim(kept[1:])
    return kept


def _leading_junk(tokens: list[Token], start: int, end: int) -> int:
    """How many tokens at `start` are filler: punctuation, "and", "However,", "Janice:"."""
    first = tokens[start]
    if first.text in EDGE_PUNCT or first.dep_ in ("cc", "preconj") or first.is_space or (first.tag_ == "CC" and start + 1 < end):
        return 1
    for marker in _DISCOURSE:
        after = start + len(marker)
        words = tuple(t.lower_ for t in tokens[start:after])
        if words == marker and after < end and tokens[after].text == ",":
            return len(marker) + 1
    for offset in range(1, 4):
        at = start + offset
        if at >= end - 1 or tokens[at - 1].pos_ in VERB_POS:
            break
        if tokens[at].text == ":":
            return offset + 1
    return 0


def render(pieces: Sequence[Piece]) -> str:
    """Join tokens with their original spacing where adjacent, single spaces across gaps."""
    out: list[str] = []
    for i, piece in enumerate(pieces):
        text = piece if isinstance(piece, str) else piece.text
        out.append(text)
        if i + 1 == len(pieces):
            break
        nxt = pieces[i + 1]
        if not isinstance(piece, str) and not isinstance(nxt, str) and nxt.i == piece.i + 1:
            out.append(piece.whitespace_)
        elif isinstance(nxt, str) or not _LEFT_ATTACHED.match(nxt.text):
            out.append(" ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def sentence_case(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.islower():
        text = text[0].upper() + text[1:]
    return text if re.search(r"[.!?][\"'”’)]*$", text) else text + "."
