"""Rules that drop sentences and clauses nobody can fact-check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from veracity.claims.checkworthiness import SKIP_RULES, SkipRule, match_rule
from veracity.types import SkipReason

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj", "csubjpass"})
VERB_POS = frozenset({"VERB", "AUX"})
_PERSONAL = frozenset({"i", "me", "we", "us", "you", "im"})


def uncheckable_text(text: str, rules: tuple[SkipRule, ...] = SKIP_RULES) -> bool:
    """True when `text` reads as a greeting, opinion, hedge, disclaimer or advice."""
    return match_rule(text, rules) is not None


def skip_reason(sent: Span, rules: tuple[SkipRule, ...] = SKIP_RULES) -> tuple[SkipReason, str] | None:
    """(reason, rule name) when `sent` states nothing checkable, else None.

    Questions, text without a verb and imperatives are found from the parse; the rest by `rules`.
    """
    text = sent.text.strip()
    if not text:
        return "no_fact", "empty"
    if text.endswith("?") or "?" in text[-3:]:
        return "question", "question-mark"
    if text.endswith(":"):
        return "meta", "list-heading"
    rule = match_rule(text, rules)
    if rule is not None:
        return rule.reason, rule.name
    if not any(t.pos_ in VERB_POS for t in sent):
        return "no_fact", "no-verb"
    if is_imperative(sent.root) and unwrap(sent.root).i == sent.root.i:
        return "advice", "imperative"
    return None


def skip_sentence(sent: Span) -> bool:
    """True for questions, greetings, hedges, disclaimers, instructions and verbless text."""
    return skip_reason(sent) is not None


_WRAPPER_VERBS = frozenset({"note", "remember", "mention", "know", "believe", "estimate", "report", "say", "think", "notice"})
_WRAPPER_ADJS = frozenset({"worth", "important", "interesting", "notable", "noteworthy", "true", "clear", "known", "obvious", "evident"})


def unwrap(root: Token) -> Token:
    """The clause a wrapper introduces ("Note that X", "It is worth noting that X", "It is known that X"), else `root`."""
    def ccomp_below(token: Token, depth: int = 0) -> Token | None:
        for child in token.children:
            if child.dep_ == "ccomp" and child.pos_ in VERB_POS:
                return child
            if depth < 2 and child.dep_ in ("xcomp", "acomp", "attr", "pcomp", "prep") and (
                child.lemma_.lower() in _WRAPPER_VERBS or child.lower_ in _WRAPPER_ADJS or child.dep_ in ("xcomp", "prep", "pcomp")
            ):
                found = ccomp_below(child, depth + 1)
                if found is not None:
                    return found
        return None

    subjects = [c for c in root.children if c.dep_ in SUBJECT_DEPS]
    imperative = root.lemma_.lower() in _WRAPPER_VERBS and is_imperative(root)
    it_subject = bool(subjects) and all(c.lower_ == "it" for c in subjects)
    wrapped = it_subject and (
        any(c.dep_ in ("acomp", "attr") and c.lower_ in _WRAPPER_ADJS for c in root.children)
        or (root.lemma_.lower() in _WRAPPER_VERBS and root.tag_ == "VBN")
    )
    if not (imperative or wrapped):
        return root
    return ccomp_below(root) or root


def is_imperative(head: Token) -> bool:
    """A base-form verb with neither subject nor auxiliary: "Consult a doctor", "Let me know"."""
    if head.tag_ != "VB":
        return False
    return not any(c.dep_ in SUBJECT_DEPS or c.dep_ in ("aux", "auxpass") for c in head.children)


def about_speaker(subject: Token) -> bool:
    """The clause is about the speaker or the reader ("I", "we", "you")."""
    return subject.lower_ in _PERSONAL and (subject.pos_ == "PRON" or subject.lower_ != "us")


def skip_clause(head: Token, subject: Token, first: Token) -> bool:
    """True for fragments and for statements about the speaker or the reader ("I", "we", "you").

    `first` is the clause's first word: a clause opening with a wh-word or governed by a
    subordinator ("When fear takes hold", "Where the sun sets") is a fragment, as is a bare
    gerund ("Our minds growing strong").
    """
    if about_speaker(subject):
        return True
    children = list(head.children)
    if any(c.dep_ == "mark" and c.i < head.i for c in children):
        return True
    if first.tag_ in ("WDT", "WP", "WP$", "WRB") and first.head.i == head.i:
        return True
    return head.tag_ == "VBG" and not any(c.dep_ in ("aux", "auxpass") for c in children)
