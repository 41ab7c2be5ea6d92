"""Offline claim extraction with a spaCy dependency parse.

Each sentence is split into clauses at verb coordination ("born in Oslo and won a prize"),
each clause into one claim per item of a coordinated direct object or copular complement
("speaks English, French and German"). A clause without its own subject borrows the subject
(and, for participles, the auxiliary) of the clause it is coordinated with. Pronoun subjects
are replaced with the nominal subject of the closest earlier clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Union

from veracity.claims.filters import (
    SUBJECT_DEPS,
    VERB_POS,
    is_imperative,
    skip_clause,
    skip_sentence,
    uncheckable_text,
)
from veracity.claims.pronouns import Mention, mention_of, replacement
from veracity.claims.protocol import check_text, register_extractor
from veracity.errors import VeracityError
from veracity.types import Claim

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

Piece = Union["Token", str]

_NON_SPLITTING_CC = frozenset({"or", "nor", "either", "neither"})
_NOUN_POS = frozenset({"NOUN", "PROPN", "NUM"})
_ITEM_POS = frozenset({"NOUN", "PROPN", "ADJ"})
_QUOTES = frozenset({'"', "“", "”", "'", "‘", "’"})
_NON_DISTRIBUTIVE = ("combin", "mix", "compar", "connect", "link", "join", "separat", "distinguish",
                     "blend", "merg", "unit", "contrast", "relat", "associat", "confus")
_ASIDES = frozenset({"relcl", "appos", "acl", "advcl", "parataxis"})
_POSTMODIFIERS = frozenset({"prep", "acl", "relcl"})
_EDGE_PUNCT = frozenset({",", ".", ";", ":", "!", "?", "-", "--", "—", "–", "…", "*", "•", "/", "|"})
_DISCOURSE = (("however",), ("additionally",), ("also",), ("furthermore",), ("moreover",),
              ("overall",), ("finally",), ("therefore",), ("thus",), ("hence",), ("besides",),
              ("meanwhile",), ("nevertheless",), ("instead",), ("firstly",), ("secondly",),
              ("lastly",), ("sure",), ("certainly",), ("yes",), ("no",), ("well",), ("indeed",),
              ("absolutely",), ("okay",), ("ok",), ("in", "addition"), ("of", "course"),
              ("in", "fact"), ("in", "conclusion"), ("in", "summary"), ("for", "example"),
              ("for", "instance"), ("as", "a", "result"), ("in", "general"), ("generally",))
_LEFT_ATTACHED = re.compile(r"^(?:[,.;:!?%)\]}]|['’]\w*|n['’]t)$", re.IGNORECASE)


@register_extractor("spacy")
class SpacyClaimExtractor:
    """Rule-based claim extractor over spaCy's parser and NER; `nlp` defaults to `load_nlp()`."""

    def __init__(self, nlp: Language | None = None) -> None:
        if nlp is None:
            from veracity.claims.spacy_nlp import load_nlp

            nlp = load_nlp()
        self.nlp = nlp

    def extract(self, text: str) -> list[Claim]:
        """Atomic claims of `text` in order of position, with ids c1, c2, ..."""
        if len(check_text(text)) > self.nlp.max_length:
            raise VeracityError(f"text is too long to parse ({len(text)} > {self.nlp.max_length} characters)")
        doc = self.nlp(text)
        found = sorted(_claims(doc), key=lambda claim: claim[1])
        return [
            Claim(id=f"c{n}", text=body, start=start, end=end, sentence=sentence)
            for n, (body, start, end, sentence) in enumerate(found, 1)
        ]


def _claims(doc: Doc) -> Iterator[tuple[str, int, int, str]]:
    chunks = {chunk.root.i: chunk for chunk in doc.noun_chunks}
    mention: Mention | None = None
    for sent in doc.sents:
        skipped = skip_sentence(sent)
        for head in _clause_heads(sent.root):
            own = _subject(head)
            borrowed = [] if own is not None else _borrowed_subject(head)
            subject = own if own is not None else (borrowed[0] if borrowed else None)
            tokens = _trim(_clause_tokens(head))
            if not skipped and subject is not None and tokens and not skip_clause(head, subject, tokens[0]):
                for variant in _variants(head, tokens):
                    claim = _claim(sent, list(borrowed), variant, own, mention)
                    if not uncheckable_text(claim[0]):
                        yield claim
            if own is not None and own.pos_ != "PRON":
                mention = mention_of(own, chunks)  # None blocks stale antecedents


def _claim(sent: Span, prefix: list[Piece], tokens: list[Token], subject: Token | None,
           mention: Mention | None) -> tuple[str, int, int, str]:
    pieces: list[Piece] = [*prefix, *tokens]
    for i, piece in enumerate(pieces):
        if not isinstance(piece, str) and (i == 0 or (subject is not None and piece.i == subject.i)):
            new = replacement(piece, mention)
            if new is not None:
                pieces[i] = new
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    return _sentence_case(_render(pieces)), start, end, sent.text.strip()


def _clause_heads(root: Token) -> list[Token]:
    """The root verb and every verb coordinated with it by and/but (not or/nor)."""
    if root.pos_ not in VERB_POS:
        return []
    heads = [root]
    for head in heads:
        heads.extend(_split_conjs(head))
    return sorted(heads, key=lambda t: t.i)


def _coordinator(head: Token, conj: Token) -> str:
    between = [c for c in head.children if c.dep_ in ("cc", "preconj") and head.i < c.i < conj.i]
    own = [c for c in conj.children if c.dep_ == "cc"]
    marks = between or own
    return marks[-1].lower_ if marks else ""


def _split_conjs(head: Token) -> list[Token]:
    """Verbs coordinated with `head` by and/but; not or/nor, nor the idiom "can't help but"."""
    found = []
    for conj in head.children:
        if conj.dep_ != "conj" or conj.pos_ not in VERB_POS:
            continue
        word = _coordinator(head, conj)
        if word not in _NON_SPLITTING_CC and not (word == "but" and head.lower_ == "help"):
            found.append(conj)
    return found


def _clause_tokens(head: Token) -> list[Token]:
    """`head`'s subtree minus the clauses coordinated with it and the words joining them."""
    dropped: set[int] = set()
    for conj in _split_conjs(head):
        dropped.update(t.i for t in conj.subtree)
        joiners = [c for c in head.children if c.dep_ in ("cc", "preconj", "punct")
                   and head.i < c.i < conj.left_edge.i]
        dropped.update(c.i for c in joiners if c.dep_ != "punct" or c.text in _EDGE_PUNCT)
    return [t for t in head.subtree if t.i not in dropped and not t.is_space]


def _subject(head: Token) -> Token | None:
    """The subject child of `head`; of several (a parse error), the one closest to it."""
    subjects = [c for c in head.children if c.dep_ in SUBJECT_DEPS]
    before = [c for c in subjects if c.i < head.i]
    return before[-1] if before else (subjects[0] if subjects else None)


def _borrowed_subject(head: Token) -> list[Token]:
    """Subject words (plus auxiliaries for a bare participle/infinitive) of the clause `head` joins."""
    anchor = head
    while anchor.dep_ == "conj" and _subject(anchor) is None:
        anchor = anchor.head
    subject = _subject(anchor)
    if subject is None or anchor.i == head.i or is_imperative(anchor):
        return []
    aside = {t.i for c in subject.children if c.dep_ in _ASIDES for t in c.subtree}
    aside |= {c.i for c in subject.children if c.dep_ == "punct"}
    words = [t for t in subject.subtree if t.i not in aside]
    own_aux = any(c.dep_ in ("aux", "auxpass") for c in head.children)
    if head.tag_ in ("VB", "VBN", "VBG") and not own_aux:
        copied = ("aux", "auxpass") if _coordinator(head.head, head) == "but" else ("aux", "auxpass", "neg")
        words += [c for c in head.head.children if c.dep_ in copied and c.i < head.head.i]
    return [t for t in words if not t.is_space]


def _variants(head: Token, tokens: list[Token]) -> list[list[Token]]:
    """One token list per item of a coordinated object of `head`, else just `tokens`."""
    if not tokens:
        return []
    items = _object_items(head, {t.i for t in tokens})
    if not items:
        return [tokens]
    joiners = {c.i for item in items for c in item.children
               if c.dep_ in ("cc", "preconj") or (c.dep_ == "punct" and c.text in _EDGE_PUNCT)}
    owned = [_own_tokens(item, items) for item in items]
    variants = []
    for i in range(len(items)):
        others = set().union(*(owned[j] for j in range(len(items)) if j != i)) | joiners
        kept = _trim([t for t in tokens if t.i not in others])
        if kept:
            variants.append(kept)
    return variants


def _object_items(head: Token, in_clause: set[int]) -> list[Token]:
    if head.lower_.startswith(_NON_DISTRIBUTIVE):
        return []
    for obj in head.children:
        if obj.dep_ not in ("dobj", "attr") or obj.i not in in_clause or obj.pos_ not in _NOUN_POS:
            continue
        items = [obj]
        allowed = {"NUM"} if obj.pos_ == "NUM" else _ITEM_POS
        while True:
            nxt = [c for c in items[-1].children if c.dep_ == "conj"]
            if not nxt:
                break
            if nxt[0].pos_ not in allowed or _coordinator(items[-1], nxt[0]) in _NON_SPLITTING_CC:
                return []
            items.append(nxt[0])
        if len(items) < 2:
            return []
        last_modified = any(c.dep_ in _POSTMODIFIERS for c in items[-1].children)
        if last_modified and not all(any(c.dep_ in _POSTMODIFIERS for c in it.children)
                                     for it in items[:-1]):
            return []
        return items
    return []


def _own_tokens(item: Token, items: list[Token]) -> set[int]:
    inner = {t.i for t in item.subtree}
    for other in items:
        if other.i != item.i and other.head.i == item.i:
            inner -= {t.i for t in other.subtree}
    return inner


def _trim(tokens: list[Token]) -> list[Token]:
    """Drop edge punctuation, conjunctions, unbalanced quotes, discourse markers, speaker labels."""
    start, end = 0, len(tokens)
    while start < end and (cut := _leading_junk(tokens, start, end)):
        start += cut
    while end > start and (tokens[end - 1].text in _EDGE_PUNCT or tokens[end - 1].dep_ == "cc"):
        end -= 1
    kept = tokens[start:end]
    if sum(t.text in _QUOTES for t in kept) % 2 and kept:
        if kept[0].text in _QUOTES:
            return _trim(kept[1:])
        if kept[-1].text in _QUOTES:
            return _trim(kept[:-1])
    return kept


def _leading_junk(tokens: list[Token], start: int, end: int) -> int:
    """How many tokens at `start` are filler: punctuation, "and", "However,", "Janice:"."""
    first = tokens[start]
    if first.text in _EDGE_PUNCT or first.dep_ in ("cc", "preconj") or first.is_space:
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


def _render(pieces: Sequence[Piece]) -> str:
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


def _sentence_case(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.islower():
        text = text[0].upper() + text[1:]
    return text if re.search(r"[.!?][\"'”’)]*$", text) else text + "."
