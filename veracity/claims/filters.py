"""Rules that drop sentences and clauses nobody can fact-check."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj", "csubjpass"})
VERB_POS = frozenset({"VERB", "AUX"})
_PERSONAL = frozenset({"i", "me", "we", "us", "you", "im"})

_UNCHECKABLE = [
    # greetings, thanks and filler
    r"^(hi|hello|hey|greetings|dear)\b",
    r"\b(great|good|excellent|interesting|fantastic) question\b",
    r"^(thanks|thank you|you'?re welcome|hope this helps|good luck|best regards|cheers)\b",
    r"^here(?:'s| is| are)\b",
    # hedged opinions
    r"\b(i|we) (personally |really |honestly )?(think|believe|feel|guess|suppose|reckon|assume)\b",
    r"\bin my (humble )?(opinion|view|experience|understanding)\b",
    r"^personally\b",
    r"\b(it seems to me|imo|imho|i would say|i'd say)\b",
    # disclaimers
    r"\bas an? (ai|artificial intelligence|(large |ai )?language model|ai assistant|assistant)\b",
    r"\bi(?:'m| am) (not|just|only) an?\b",
    r"\bi(?:'m| am) (sorry|unable|afraid)\b",
    r"\bi apologi[sz]e\b",
    r"\bi (cannot|can't|can not|do not|don't) (have|provide|give|browse|access|offer|predict)\b",
    r"\bmy (knowledge|training) (cutoff|cut-off|data)\b",
    r"\bnot (medical|legal|financial|professional) advice\b",
    r"\b(consult|speak with|talk to|check with) (a|an|your) \w*\s?"
    r"(doctor|physician|lawyer|professional|expert|specialist|advisor)\b",
    # instructions
    r"^(please|kindly|let me|let's|let us|make sure|be sure|remember|note that|don't forget|"
    r"do not forget|feel free|keep in mind|try to|consider)\b",
]
_UNCHECKABLE_RE = re.compile("|".join(f"(?:{p})" for p in _UNCHECKABLE), re.IGNORECASE)
_LEADING_JUNK = re.compile(r"^[\W\d_]*(?:[A-Za-z][.)]\s+)?")  # list markers: "1.", "- ", "B) "


def uncheckable_text(text: str) -> bool:
    """True when `text` reads as a greeting, hedge, disclaimer or instruction."""
    return bool(_UNCHECKABLE_RE.search(_LEADING_JUNK.sub("", text.strip(), count=1)))


def skip_sentence(sent: Span) -> bool:
    """True for questions, greetings, hedges, disclaimers, instructions and verbless text."""
    text = sent.text.strip()
    if not text or text.endswith(("?", ":")) or "?" in text[-3:]:
        return True
    if not any(t.pos_ in VERB_POS for t in sent):
        return True
    return uncheckable_text(text) or is_imperative(sent.root)


def is_imperative(head: Token) -> bool:
    """A base-form verb with neither subject nor auxiliary: "Consult a doctor", "Let me know"."""
    if head.tag_ != "VB":
        return False
    return not any(c.dep_ in SUBJECT_DEPS or c.dep_ in ("aux", "auxpass") for c in head.children)


def skip_clause(head: Token, subject: Token, first: Token) -> bool:
    """True for fragments and for statements about the speaker or the reader ("I", "we", "you").

    `first` is the clause's first word: a clause opening with a wh-word or governed by a
    subordinator ("When fear takes hold", "Where the sun sets") is a fragment, as is a bare
    gerund ("Our minds growing strong").
    """
    if subject.lower_ in _PERSONAL:
        return True
    children = list(head.children)
    if any(c.dep_ == "mark" and c.i < head.i for c in children):
        return True
    if first.tag_ in ("WDT", "WP", "WP$", "WRB") and first.head.i == head.i:
        return True
    return head.tag_ == "VBG" and not any(c.dep_ in ("aux", "auxpass") for c in children)
