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
    if sum(ch in "\"“”" for ch in text) % 2:
        text = text.replace('"', "").replace("“", "").replace("”", "")
    if first.pos_ == "DET":
        text = first.lower_ + text[len(first.text) :]
    return Mention(text, "", plural, subject.pos_ == "PROPN")


def _looks_like_name(text: str) -> bool:
    """One to three capitalised alphabetic words ("Harry", "Jill Smith"): how a person's name NER missed looks."""
    words = text.split()
    return 0 < len(words) <= 3 and all(w[:1].isupper() and w.isalpha() and not w.isupper() for w in words)


# A definite description ("the company") may name the previous mention when its noun fits the mention's type.
_TYPE_NOUNS: dict[str, frozenset[str]] = {
    "ORG": frozenset({"company", "firm", "organization", "organisation", "corporation", "university", "agency",
                      "band", "team", "group", "club", "institution", "party", "startup", "brand", "manufacturer"}),
    "GPE": frozenset({"city", "country", "state", "nation", "town", "capital", "province", "region", "island"}),
    "LOC": frozenset({"river", "mountain", "lake", "ocean", "sea", "region", "continent", "island", "desert"}),
    "PERSON": frozenset({"man", "woman", "scientist", "author", "writer", "artist", "singer", "actor", "actress",
                         "president", "leader", "player", "politician", "physicist", "chemist", "poet", "inventor"}),
    "WORK_OF_ART": frozenset({"book", "film", "movie", "novel", "song", "album", "painting", "play", "series"}),
    "EVENT": frozenset({"war", "battle", "event", "election", "treaty", "festival"}),
}
DEMONSTRATIVES = frozenset({"this", "these", "that", "those"})


def description_replacement(subject: Token, mentions: list[Mention]) -> tuple[int, str] | None:
    """For a subject like "this protein" or "the company": (index of its first word, antecedent text).

    A demonstrative ("this/these/that/those" + noun) takes the latest mention of the same number; "the"
    + noun only a named mention whose entity type fits the noun (company -> ORG, city -> GPE, ...).
    """
    dets = [c for c in subject.children if c.dep_ == "det" and c.i < subject.i]
    if not dets or subject.pos_ != "NOUN" or not mentions:
        return None
    det = dets[0]
    if any(c.dep_ in ("amod", "compound", "nummod", "poss") for c in subject.children if c.i < subject.i) and det.lower_ == "the":
        return None
    plural = subject.tag_ == "NNS"
    if det.lower_ in DEMONSTRATIVES:
        for mention in reversed(mentions[-2:]):
            if mention.plural == plural and mention.text.lower() != subject.lower_:
                return det.i, mention.text
        return None
    if det.lower_ == "the":
        mention = mentions[-1]
        if mention.label and subject.lower_ in _TYPE_NOUNS.get(mention.label, frozenset()) and not plural:
            return det.i, mention.text
    return None


def resolve(pronoun: Token, mentions: list[Mention]) -> str | None:
    """The replacement for `pronoun` from the latest of the last two `mentions` that agrees with it."""
    for mention in reversed(mentions[-2:]):
        new = replacement(pronoun, mention)
        if new is not None:
            return new
        if pronoun.lower_ in ("it", "its") and is_expletive_it(pronoun):
            return None
    return None


def is_expletive_it(token: Token) -> bool:
    if token.dep_ == "expl":
        return True
    head = token.head
    if head.lower_ not in _BE_LIKE:
        return False
    deps = {c.dep_ for c in head.children}
    if any(g.dep_ in ("ccomp", "xcomp", "pcomp") for c in head.children if c.dep_ in ("acomp", "attr") for g in c.children):
        return True  # "it's worth noting that ...", "it is easy to see ..."
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
        unnamed_person = mention.proper and not mention.label and _looks_like_name(mention.text)  # names NER missed
        agrees = not (mention.plural or unnamed_person or mention.label == "PERSON") and not (
            word == "it" and is_expletive_it(pronoun)
        )
    else:
        agrees = mention.plural or mention.label in ("ORG", "NORP")
    if not agrees:
        return None
    if word in ("his", "its", "their") or (word == "her" and pronoun.tag_ == "PRP$"):
        return mention.text + ("'" if mention.text.endswith("s") else "'s")
    return mention.text
