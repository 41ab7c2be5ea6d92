"""Replace a claim's leading or subject pronoun with the subject of an earlier clause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

PRONOUNS = frozenset({"he", "she", "it", "they", "his", "her", "its", "their"})
_NAMED = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART"})
_BE_LIKE = frozenset({"is", "was", "'s", "’s", "seems", "seemed", "appears", "appeared", "remains"})


@dataclass(frozen=True)
class Mention:
    """A nominal subject a later pronoun may refer to."""

    text: str
    label: str
    plural: bool
    proper: bool = False


def mention_of(subject: Token, chunks: dict[int, Span]) -> Mention | None:
    """The mention a nominal (non-pronoun) subject introduces; `chunks` maps root index -> chunk."""
    if subject.pos_ == "PRON" or subject.dep_ in ("expl", "csubj", "csubjpass"):
        return None
    if any(c.dep_ == "conj" for c in subject.children):
        span = subject.doc[subject.left_edge.i : subject.right_edge.i + 1]
        if any(c.dep_ in ("relcl", "acl") for c in subject.children):
            return None
        return Mention(span.text, "", True)
    plural = subject.tag_ in ("NNS", "NNPS")
    for ent in subject.doc.ents:
        if ent.start <= subject.i < ent.end and ent.label_ in _NAMED:
            return Mention(ent.text, ent.label_, plural)
    chunk = chunks.get(subject.i)
    if chunk is None:
        return Mention(subject.text, "", plural, True) if subject.pos_ == "PROPN" else None
    first = chunk[0]
    if first.tag_ in ("PRP$", "WP$") or first.pos_ == "PRON":
        return None
    text = chunk.text
    if first.pos_ == "DET":
        text = first.lower_ + text[len(first.text) :]
    return Mention(text, "", plural, subject.pos_ == "PROPN")


def _is_expletive_it(token: Token) -> bool:
    if token.dep_ == "expl":
        return True
    head = token.head
    if head.lower_ not in _BE_LIKE:
        return False
    deps = {c.dep_ for c in head.children}
    cleft = any(g.dep_ == "relcl" for c in head.children if c.dep_ == "attr" for g in c.children)
    return cleft or bool(deps & {"ccomp", "xcomp", "csubj"})


def replacement(pronoun: Token, mention: Mention | None) -> str | None:
    """The text to put instead of `pronoun`, or None when it should stay as it is."""
    word = pronoun.lower_
    if mention is None or word not in PRONOUNS:
        return None
    if word in ("he", "she", "his", "her"):
        agrees = not mention.plural and mention.label in ("PERSON", "")
    elif word in ("it", "its"):
        unnamed_person = mention.proper and not mention.label  # names NER missed
        agrees = not (mention.plural or unnamed_person or mention.label == "PERSON") and not (
            word == "it" and _is_expletive_it(pronoun)
        )
    else:
        agrees = mention.plural or mention.label in ("ORG", "NORP")
    if not agrees:
        return None
    if word in ("his", "its", "their") or (word == "her" and pronoun.tag_ == "PRP$"):
        return mention.text + ("'" if mention.text.endswith("s") else "'s")
    return mention.text
