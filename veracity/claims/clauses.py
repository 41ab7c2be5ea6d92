"""Reading the dependency parse for claim extraction: clause heads and their coordination, subjects
(own or borrowed), non-restrictive asides, and the coordinated items a clause splits into."""

from __future__ import annotations

from typing import TYPE_CHECKING

from veracity.claims.filters import SUBJECT_DEPS, VERB_POS, is_imperative
from veracity.claims.pieces import EDGE_PUNCT, QUOTES, trim

if TYPE_CHECKING:
    from spacy.tokens import Token

_NON_SPLITTING_CC = frozenset({"or", "nor", "either", "neither"})
_NOUN_POS = frozenset({"NOUN", "PROPN", "NUM"})
_ITEM_POS = frozenset({"NOUN", "PROPN", "ADJ"})
_NON_DISTRIBUTIVE = ("combin", "mix", "compar", "connect", "link", "join", "separat", "distinguish",
                     "blend", "merg", "unit", "contrast", "relat", "associat", "confus", "between", "among")
_ASIDES = frozenset({"relcl", "appos", "acl", "advcl", "parataxis"})
_POSTMODIFIERS = frozenset({"prep", "acl", "relcl"})
_OPENERS = frozenset({",", "(", "-", "—", "–"})
_CLOSERS = frozenset({",", ")", "-", "—", "–"})
_RELATIVIZERS = frozenset({"which", "who", "that"})


def fronted_clauses(head: Token) -> list[Token]:
    """Clauses parsed as complements that are really coordinated: "X tends to run fast, so Y helps"."""
    doc = head.doc
    return [
        c for c in head.children
        if c.dep_ in ("ccomp", "parataxis") and c.i < head.i and c.pos_ in VERB_POS and subject_of(c) is not None
        and c.right_edge.i + 1 < head.i and doc[c.right_edge.i + 1].text in (",", ";")
        and head.lemma_.lower() not in ("say", "tell", "report", "add", "explain", "note", "write", "claim")
    ]  # fmt: skip


def named_complement(head: Token, subject: Token) -> Token | None:
    """In "The smallest ocean is the Arctic Ocean", the named complement (later pronouns mean it)."""
    if head.lemma_ != "be" or subject.pos_ != "NOUN":
        return None
    return next((c for c in head.children if c.dep_ == "attr" and c.pos_ == "PROPN"), None)


def non_restrictive(aside: Token) -> bool:
    """An appositive, relative or participial clause set off by a comma, dash or bracket."""
    if aside.dep_ not in ("appos", "relcl", "acl") or aside.left_edge.i == 0:
        return False
    return aside.doc[aside.left_edge.i - 1].text in _OPENERS


def relative_pronoun(relcl: Token) -> Token | None:
    """The subject relative pronoun of a relative clause ("which", "who", "that"), if it has one."""
    for child in relcl.children:
        if child.dep_ in ("nsubj", "nsubjpass") and child.lower_ in _RELATIVIZERS:
            return child
    return None


def noun_phrase(noun: Token) -> list[Token]:
    """`noun` with its modifiers, without its asides, coordinated nouns and surrounding punctuation."""
    dropped = {t.i for c in noun.children if c.dep_ in ("relcl", "acl", "appos", "conj", "cc", "punct", "advcl") for t in c.subtree}
    return trim([t for t in noun.subtree if t.i not in dropped and not t.is_space])


def clause_heads(root: Token, coordination: bool = True) -> list[Token]:
    """The root verb and every verb coordinated with it by and/but (not or/nor)."""
    if root.pos_ not in VERB_POS:
        return []
    heads = [root]
    if coordination:
        for head in heads:
            heads.extend(split_conjs(head))
    return sorted(heads, key=lambda t: t.i)


def coordinator(head: Token, conj: Token) -> str:
    between = [c for c in head.children if c.dep_ in ("cc", "preconj") and head.i < c.i < conj.i]
    own = [c for c in conj.children if c.dep_ == "cc"]
    marks = between or own
    return marks[-1].lower_ if marks else ""


def split_conjs(head: Token) -> list[Token]:
    """Verbs coordinated with `head` by and/but; not or/nor, nor the idiom "can't help but"."""
    found = []
    for conj in head.children:
        if conj.dep_ != "conj" or conj.pos_ not in VERB_POS:
            continue
        word = coordinator(head, conj)
        if word not in _NON_SPLITTING_CC and not (word == "but" and head.lower_ == "help"):
            found.append(conj)
    return found


def clause_tokens(head: Token, coordination: bool, asides: list[tuple[Token, Token]]) -> list[Token]:
    """`head`'s subtree minus the clauses coordinated with it, the words joining them, and `asides`."""
    dropped: set[int] = set()
    if coordination:
        for conj in split_conjs(head):
            dropped.update(t.i for t in conj.subtree)
            joiners = [c for c in head.children if c.dep_ in ("cc", "preconj", "punct")
                       and head.i < c.i < conj.left_edge.i]
            dropped.update(c.i for c in joiners if c.dep_ != "punct" or c.text in EDGE_PUNCT)
    doc = head.doc
    if coordination:
        for fronted in fronted_clauses(head):
            dropped.update(t.i for t in fronted.subtree)
    for child in head.children:  # "According to the census, ..." attributes the claim; it is not part of it
        if child.dep_ == "prep" and child.lower_ == "according" and child.i < head.i:
            dropped.update(t.i for t in child.subtree)
            after = child.right_edge.i + 1
            if after < len(doc) and doc[after].text == ",":
                dropped.add(after)
    for _, aside in asides:
        left, right = aside.left_edge.i, aside.right_edge.i
        dropped.update(range(left, right + 1))
        if left > 0 and doc[left - 1].text in _OPENERS:
            dropped.add(left - 1)
        if right + 1 < len(doc) and doc[right + 1].text in _CLOSERS:
            dropped.add(right + 1)
    return [t for t in head.subtree if t.i not in dropped and not t.is_space]


def subject_of(head: Token) -> Token | None:
    """The subject child of `head`; of several (a parse error), the one closest to it."""
    subjects = [c for c in head.children if c.dep_ in SUBJECT_DEPS]
    before = [c for c in subjects if c.i < head.i]
    return before[-1] if before else (subjects[0] if subjects else None)


def borrowed_subject(head: Token) -> list[Token]:
    """Subject words (plus auxiliaries for a bare participle/infinitive) of the clause `head` joins."""
    anchor = head
    while anchor.dep_ == "conj" and subject_of(anchor) is None:
        anchor = anchor.head
    subject = subject_of(anchor)
    if subject is None or anchor.i == head.i or is_imperative(anchor):
        return []
    aside = {t.i for c in subject.children if c.dep_ in _ASIDES for t in c.subtree}
    aside |= {c.i for c in subject.children if c.dep_ == "punct" and c.text not in QUOTES}
    words = [t for t in subject.subtree if t.i not in aside]
    own_aux = any(c.dep_ in ("aux", "auxpass") for c in head.children)
    if head.tag_ in ("VB", "VBN", "VBG") and not own_aux:
        copied = ("aux", "auxpass") if coordinator(head.head, head) == "but" else ("aux", "auxpass", "neg")
        words += [c for c in head.head.children if c.dep_ in copied and c.i < head.head.i]
    return [t for t in words if not t.is_space]


def item_groups(head: Token, in_clause: set[int], subject: Token, rules: frozenset[str]) -> list[tuple[list[Token], Token | None]]:
    """Coordinated items to split on, each with the token whose subtree the items replace (None: in place)."""
    if head.lower_.startswith(_NON_DISTRIBUTIVE):
        return []
    groups: list[tuple[list[Token], Token | None]] = []
    if "objects" in rules:
        for obj in head.children:
            if obj.dep_ in ("dobj", "attr") and obj.i in in_clause:
                items = coordinated_items(obj)
                if items:
                    groups.append((items, None))
    if "such_as" in rules:
        for token in sorted(in_clause):
            noun = head.doc[token]
            for prep in noun.children:
                if prep.lower_ == "as" and any(c.lower_ == "such" for c in prep.children) or prep.lower_ == "like" and prep.dep_ == "prep":
                    pobj = [c for c in prep.children if c.dep_ == "pobj"]
                    items = coordinated_items(pobj[0], loose=True) if pobj else []
                    if items and noun.pos_ in ("NOUN", "PROPN"):
                        groups.append((items, noun))
    if "appositives" in rules:  # "4,135 miles (6,650 kilometers)": the same quantity twice
        for token in sorted(in_clause):
            noun = head.doc[token]
            for appos in noun.children:
                if appos.dep_ == "appos" and is_quantity(noun) and is_quantity(appos):
                    groups.append(([noun, appos], None))
    if "subjects" in rules and subject.i in in_clause and subject.dep_ in ("nsubj", "nsubjpass"):
        items = coordinated_items(subject)
        if items:
            groups.append((items, None))
    return groups


def is_quantity(noun: Token) -> bool:
    return noun.pos_ == "NUM" or any(c.dep_ == "nummod" for c in noun.children)


def coordinated_items(first: Token, loose: bool = False) -> list[Token]:
    """`first` and the nouns coordinated with it by and (at least two), else []."""
    if first.pos_ not in _NOUN_POS:
        return []
    items = [first]
    allowed = {"NUM"} if first.pos_ == "NUM" else _ITEM_POS
    for item in items:  # conjuncts hang off the first item or off each other
        for nxt in (c for c in item.children if c.dep_ == "conj"):
            if nxt.pos_ not in allowed or coordinator(item, nxt) in _NON_SPLITTING_CC:
                return []
            items.append(nxt)
    items.sort(key=lambda t: t.i)
    if len(items) < 2:
        return []
    if not loose:
        last_modified = any(c.dep_ in _POSTMODIFIERS for c in items[-1].children)
        if last_modified and not all(any(c.dep_ in _POSTMODIFIERS for c in it.children) for it in items[:-1]):
            return []
    return items


def split_items(tokens: list[Token], items: list[Token], region: Token | None) -> list[list[Token]]:
    joiners = {c.i for item in items for c in item.children
               if c.dep_ in ("cc", "preconj") or (c.dep_ == "punct" and c.text in EDGE_PUNCT | {"(", ")"})}
    owned = [_own_tokens(item, items) for item in items]
    outside: set[int] = set()
    if region is not None:  # "countries such as A, B and C": the list replaces the noun it exemplifies
        outside = {t.i for t in region.subtree} - set().union(*owned) - joiners
    variants = []
    for i in range(len(items)):
        others = set().union(*(owned[j] for j in range(len(items)) if j != i)) | joiners | outside
        kept = trim([t for t in tokens if t.i not in others])
        if kept:
            variants.append(kept)
    return variants


def _own_tokens(item: Token, items: list[Token]) -> set[int]:
    inner = {t.i for t in item.subtree}
    for other in items:
        if other.i != item.i and other.head.i == item.i:
            inner -= {t.i for t in other.subtree}
    return inner
