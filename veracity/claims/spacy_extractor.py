"""Offline claim extraction with a spaCy dependency parse.

Each sentence that states something checkable (`filters.skip_reason`; skipped ones are recorded with
their reason) is split into:

* clauses at verb coordination ("born in Oslo and won a prize"); a clause without its own subject
  borrows the subject (and, for participles, the auxiliary) of the clause it is coordinated with;
* one claim per item of a coordinated object, complement or subject ("speaks English, French and
  German"), and per item of a "such as" list;
* non-restrictive asides, each its own claim about the noun they describe: appositives ("Wole
  Soyinka, a Nigerian poet, won ..." -> "Wole Soyinka is a Nigerian poet."), relative clauses ("X,
  which was founded in 1990, ..." -> "X was founded in 1990.") and participial clauses ("X, located
  in Y, ..." -> "X is located in Y."), removed from the main claim;
* separable attributes (`attributes`): a clause whose verb carries two or more time, place or
  quantity modifiers after it gives one claim per modifier, the rest of the clause shared ("born in
  Warsaw in 1867" -> "born in Warsaw." + "born in 1867."; "located on the border of Zambia in
  Africa" -> "... on the border of Zambia." + "... in Africa."); one modifier stays put ("signed by
  Jefferson on April 30, 1803" is one claim, as annotators keep it);
* a comma-set quantity ("X is the largest city, with a population of 37 million") becomes "X has a
  population of 37 million." (`with_quantities`).

Pronoun subjects and anaphors ("this protein", "the company") are replaced with the nominal subject of
a recent clause; the replaced words are recorded on the claim, and a claim that still leans on an
unresolved pronoun is flagged `unresolved`. Every claim records the character spans it was built from.
`rules` switches the decomposition rules one by one (see `RULES`); the benchmark measures each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from veracity.claims.attributes import PLACE_ENTITIES, attribute_variants, with_quantity
from veracity.claims.checkworthiness import SKIP_RULES, SkipRule
from veracity.claims.filters import (
    SUBJECT_DEPS,
    about_speaker,
    VERB_POS,
    is_imperative,
    skip_clause,
    skip_reason,
    uncheckable_text,
    unwrap,
)
from veracity.claims.pronouns import (
    DEMONSTRATIVES,
    PRONOUNS,
    Mention,
    description_replacement,
    is_expletive_it,
    mention_of,
    resolve,
)
from veracity.claims.protocol import Extraction, check_text, register_extractor
from veracity.errors import VeracityError
from veracity.types import Claim, Replacement, SkippedSentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

Piece = Union["Token", str]

RULES = ("coordination", "objects", "subjects", "such_as", "appositives", "relatives", "participles", "pronouns",
         "attributes", "with_quantities")
"""Decomposition and decontextualisation rules, in the order the benchmark adds them."""
DEFAULT_RULES = frozenset(RULES)

_NON_SPLITTING_CC = frozenset({"or", "nor", "either", "neither"})
_NOUN_POS = frozenset({"NOUN", "PROPN", "NUM"})
_ITEM_POS = frozenset({"NOUN", "PROPN", "ADJ"})
_QUOTES = frozenset({'"', "“", "”", "'", "‘", "’"})
_NON_DISTRIBUTIVE = ("combin", "mix", "compar", "connect", "link", "join", "separat", "distinguish",
                     "blend", "merg", "unit", "contrast", "relat", "associat", "confus", "between", "among")
_ASIDES = frozenset({"relcl", "appos", "acl", "advcl", "parataxis"})
_POSTMODIFIERS = frozenset({"prep", "acl", "relcl"})
_EDGE_PUNCT = frozenset({",", ".", ";", ":", "!", "?", "-", "--", "—", "–", "…", "*", "•", "/", "|"})
_OPENERS = frozenset({",", "(", "-", "—", "–"})
_CLOSERS = frozenset({",", ")", "-", "—", "–"})
_DISCOURSE = (("however",), ("additionally",), ("also",), ("furthermore",), ("moreover",),
              ("overall",), ("finally",), ("therefore",), ("thus",), ("hence",), ("besides",),
              ("meanwhile",), ("nevertheless",), ("instead",), ("firstly",), ("secondly",),
              ("lastly",), ("sure",), ("certainly",), ("yes",), ("no",), ("well",), ("indeed",),
              ("absolutely",), ("okay",), ("ok",), ("in", "addition"), ("of", "course"),
              ("in", "fact"), ("in", "conclusion"), ("in", "summary"), ("for", "example"),
              ("for", "instance"), ("as", "a", "result"), ("in", "general"), ("generally",),
              ("in", "contrast"), ("similarly",), ("likewise",), ("today",), ("currently",))
_LEFT_ATTACHED = re.compile(r"^(?:[,.;:!?%)\]}]|['’]\w*|n['’]t)$", re.IGNORECASE)
_UNRESOLVED = PRONOUNS | DEMONSTRATIVES | {"him", "them", "theirs", "hers"}
_RELATIVIZERS = frozenset({"which", "who", "that"})


@dataclass
class _Draft:
    """A claim being built: its words (tokens of the text, or replacement strings) and bookkeeping."""

    pieces: list[Piece]
    order: tuple[int, int]
    sentence: Span
    replacements: list[tuple[int, int, str]] = field(default_factory=list)
    unresolved: bool = False


@register_extractor("spacy")
class SpacyClaimExtractor:
    """Rule-based claim extractor over spaCy's parser and NER; `nlp` defaults to `load_nlp()`.

    `rules`: the decomposition rules to apply (default: all of `RULES`). `skip_rules`: the
    check-worthiness rules (`checkworthiness.SKIP_RULES`).
    """

    def __init__(
        self, nlp: Language | None = None, *, rules: Iterable[str] | None = None,
        skip_rules: tuple[SkipRule, ...] = SKIP_RULES,
    ) -> None:  # fmt: skip
        if nlp is None:
            from veracity.claims.spacy_nlp import load_nlp

            nlp = load_nlp()
        self.nlp = nlp
        self.rules = DEFAULT_RULES if rules is None else frozenset(rules)
        unknown = self.rules - set(RULES)
        if unknown:
            raise VeracityError(f"unknown claim rules {sorted(unknown)}; known: {', '.join(RULES)}")
        self.skip_rules = skip_rules

    def extract(self, text: str) -> list[Claim]:
        """Atomic claims of `text` in order of position, with ids c1, c2, ..."""
        return self.extract_all(text).claims

    def extract_all(self, text: str) -> Extraction:
        """Claims of `text` and the sentences skipped as not check-worthy, with their reasons."""
        if len(check_text(text)) > self.nlp.max_length:
            raise VeracityError(f"text is too long to parse ({len(text)} > {self.nlp.max_length} characters)")
        return self.from_doc(self.nlp(text))

    def from_doc(self, doc: Doc) -> Extraction:
        """`extract_all` on an already parsed text (the benchmark parses in batches with `nlp.pipe`)."""
        drafts, skipped = _Walker(doc, self.rules, self.skip_rules).run()
        finished = [(claim, draft.order) for draft in drafts if (claim := _finish(draft, 0)) is not None]
        finished.sort(key=lambda pair: (pair[0].start, pair[1]))
        claims = [claim.model_copy(update={"id": f"c{n}"}) for n, (claim, _) in enumerate(finished, 1)]
        return Extraction(claims=claims, skipped=skipped)


class _Walker:
    """One pass over a parsed text, carrying the mentions pronouns may refer to."""

    def __init__(self, doc: Doc, rules: frozenset[str], skip_rules: tuple[SkipRule, ...]) -> None:
        self.doc, self.rules, self.skip_rules = doc, rules, skip_rules
        self.chunks = {chunk.root.i: chunk for chunk in doc.noun_chunks}
        self.mentions: list[Mention] = []

    def run(self) -> tuple[list[_Draft], list[SkippedSentence]]:
        drafts: list[_Draft] = []
        skipped: list[SkippedSentence] = []
        for sent in self.doc.sents:
            if not sent.text.strip():
                continue
            reason = skip_reason(sent, self.skip_rules)
            found = [] if reason is not None else self.sentence(sent)
            if reason is None and not found:
                reason = ("no_fact", "no-claim")
                if any(t.lower_ in ("i", "we", "you") and t.dep_ in SUBJECT_DEPS for t in sent):
                    reason = ("about_speaker", "personal-subject")
            if reason is not None:
                body = sent.text.strip()
                start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
                skipped.append(SkippedSentence(start=start, end=start + len(body), text=body, reason=reason[0], rule=reason[1]))
            drafts.extend(found)
        return drafts, skipped

    def sentence(self, sent: Span) -> list[_Draft]:
        out: list[_Draft] = []
        root = unwrap(sent.root)
        heads = _clause_heads(root, "coordination" in self.rules)
        if "coordination" in self.rules:
            heads = sorted({h.i: h for h in [*heads, *(f for h in heads for f in _fronted_clauses(h))]}.values(), key=lambda t: t.i)
        for head in heads:
            own = _subject(head)
            borrowed = [] if own is not None else _borrowed_subject(head)
            subject = own if own is not None else (borrowed[0] if borrowed else None)
            asides = self.asides(head, heads)
            tokens = _trim(_clause_tokens(head, "coordination" in self.rules, asides))
            if head.i == root.i != sent.root.i:  # "Note that X": X without its "that"
                tokens = _trim([t for t in tokens if not (t.dep_ == "mark" and t.head.i == head.i)])
            fragment = True
            if subject is not None and tokens:
                unwrapped = head.i == root.i != sent.root.i
                fragment = about_speaker(subject) if unwrapped else skip_clause(head, subject, tokens[0])
            if subject is not None and tokens and not fragment:
                for variant in self.variants(head, tokens, subject):
                    draft = self.draft(sent, list(borrowed), variant, own, (head.i, 0))
                    if not uncheckable_text(_render(draft.pieces), self.skip_rules):
                        out.append(draft)
                for k, (noun, aside) in enumerate(asides):
                    inside = {a.i for a in aside.subtree}
                    nested = {t.i for _, other in asides if other.i != aside.i and other.i in inside for t in other.subtree}
                    out.extend(self.aside(sent, noun, aside, head, (aside.i, k + 1), nested))
            if own is not None and own.pos_ != "PRON" and description_replacement(own, self.mentions) is None:
                mention = mention_of(_named_complement(head, own) or own, self.chunks)
                self.mentions = [*self.mentions[-3:], mention] if mention is not None else []
        return out

    def asides(self, head: Token, heads: list[Token]) -> list[tuple[Token, Token]]:
        """(noun, aside head) for the non-restrictive asides in `head`'s clause that become claims of their own."""
        found = []
        for token in _clause_tokens(head, "coordination" in self.rules, []):
            if token.pos_ not in ("NOUN", "PROPN") or token.i == head.i:
                continue
            for child in token.children:
                if _non_restrictive(child) and self.splits(child):
                    found.append((token, child))
        subject = _subject(head)
        if "with_quantities" in self.rules and subject is not None and (prep := with_quantity(head)) is not None:
            found.append((subject, prep))
        return found

    def splits(self, aside: Token) -> bool:
        if aside.dep_ == "appos":  # not "Menlo Park, California": a place narrowed by its region
            place = aside.ent_type_ in PLACE_ENTITIES and aside.head.ent_type_ in PLACE_ENTITIES
            return "appositives" in self.rules and aside.pos_ in ("NOUN", "PROPN") and not _quantity(aside.head) and not place
        if aside.dep_ == "relcl":
            return "relatives" in self.rules and _relativizer(aside) is not None
        if aside.dep_ == "acl":
            return "participles" in self.rules and aside.tag_ == "VBN"
        return False

    def draft(self, sent: Span, prefix: list[Token], tokens: list[Token], subject: Token | None, order: tuple[int, int]) -> _Draft:
        draft = _Draft(pieces=[*prefix, *tokens], order=order, sentence=sent)
        if "pronouns" in self.rules:
            self.resolve(draft, subject)
        draft.unresolved = _leans_on_pronoun(draft.pieces, subject)
        return draft

    def resolve(self, draft: _Draft, subject: Token | None) -> None:
        pieces = draft.pieces
        for i, piece in enumerate(pieces):
            if isinstance(piece, str) or not (i == 0 or (subject is not None and piece.i == subject.i)):
                continue
            new = resolve(piece, self.mentions)
            if new is not None:
                pieces[i] = new
                draft.replacements.append((piece.idx, piece.idx + len(piece), new))
                continue
            if subject is not None and piece.i == subject.i:
                found = description_replacement(piece, self.mentions)
                if found is not None:
                    first, text = found
                    start = next(k for k, p in enumerate(pieces) if not isinstance(p, str) and p.i == first)
                    replaced = [p for p in pieces[start : i + 1] if not isinstance(p, str)]
                    draft.replacements.append((replaced[0].idx, replaced[-1].idx + len(replaced[-1]), text))
                    pieces[start : i + 1] = [text]
                    return

    def aside(self, sent: Span, noun: Token, aside: Token, head: Token, order: tuple[int, int],
              nested: set[int] = frozenset()) -> list[_Draft]:  # type: ignore[assignment]
        """The claims an appositive, relative or participial clause (or a "with" quantity) makes about
        `noun`: one, or one per separable attribute of the aside's verb."""
        subject = _noun_phrase(noun)
        owned = aside.dep_ == "prep"  # ", with 94 reactors": what the subject has
        if not subject or (noun.pos_ == "PRON" and not owned):
            return []
        plural = noun.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in noun.children)
        past = head.tag_ == "VBD" or any(c.tag_ == "VBD" for c in head.children if c.dep_ in ("aux", "auxpass"))
        body = [t for t in aside.subtree if t.i not in nested]
        if owned:
            link = "had" if past else ("have" if plural or noun.lower_ in ("they", "we", "i", "you") else "has")
            prefix: list[Piece] = [*subject, link]
            body = [t for t in body if t.i != aside.i]
        elif aside.dep_ == "relcl":
            relativizer = _relativizer(aside)
            prefix = list(subject)
            body = [t for t in body if relativizer is None or t.i != relativizer.i]
        else:
            prefix = [*subject, ("were" if plural else "was") if aside.dep_ == "acl" and past else ("are" if plural else "is")]
        bodies = attribute_variants(aside, body) if "attributes" in self.rules and aside.pos_ in VERB_POS else [body]
        drafts = []
        for part in bodies:
            pieces = [*prefix, *_trim(part)]
            if len(pieces) <= len(subject) + 1:
                continue
            draft = _Draft(pieces=pieces, order=order, sentence=sent)
            if "pronouns" in self.rules:
                self.resolve(draft, noun)
            draft.unresolved = _leans_on_pronoun(draft.pieces, noun)
            drafts.append(draft)
        return drafts

    def variants(self, head: Token, tokens: list[Token], subject: Token) -> list[list[Token]]:
        """One token list per item of a coordinated object, subject or "such as" list (else just `tokens`),
        each split again per separable attribute."""
        in_clause = {t.i for t in tokens}
        variants = [tokens]
        for items, region in _item_groups(head, in_clause, subject, self.rules):
            split = _split_items(tokens, items, region)
            if len(split) > 1:
                variants = split
                break
        if "attributes" in self.rules:
            variants = [part for variant in variants for part in attribute_variants(head, variant)]
        return variants


def _finish(draft: _Draft, n: int) -> Claim | None:
    tokens = [p for p in draft.pieces if not isinstance(p, str)]
    if not tokens:
        return None
    spans = _spans(tokens)
    for s, e, _ in draft.replacements:
        spans = _merge([*spans, (s, e)])
    start, end = spans[0][0], spans[-1][1]
    return Claim(
        id=f"c{n}", text=_sentence_case(_render(draft.pieces)), start=start, end=end,
        sentence=draft.sentence.text.strip(), spans=spans if len(spans) > 1 else [],
        replacements=[Replacement(start=s, end=e, text=t) for s, e, t in draft.replacements],
        unresolved=draft.unresolved,
    )  # fmt: skip


def _spans(tokens: list[Token]) -> list[tuple[int, int]]:
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
    return _merge(runs)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _leans_on_pronoun(pieces: Sequence[Piece], subject: Token | None) -> bool:
    """The claim still leans on a pronoun or demonstrative nobody resolved (its subject, first word, or any
    third-person pronoun in it)."""
    for piece in pieces:
        if not isinstance(piece, str) and piece.pos_ == "PRON" and piece.lower_ in _UNRESOLVED - DEMONSTRATIVES:
            if not (piece.lower_ == "it" and is_expletive_it(piece)):
                return True
    for i, piece in enumerate(pieces):
        if isinstance(piece, str):
            continue
        if (i == 0 or (subject is not None and piece.i == subject.i)) and piece.lower_ in _UNRESOLVED:
            return not (piece.lower_ == "it" and piece.dep_ == "expl") and piece.lower_ != "that"
        if i == 0 and piece.lower_ in DEMONSTRATIVES and piece.dep_ == "det":
            return True
    return False


def _fronted_clauses(head: Token) -> list[Token]:
    """Clauses parsed as complements that are really coordinated: "X tends to run fast, so Y helps"."""
    doc = head.doc
    return [
        c for c in head.children
        if c.dep_ in ("ccomp", "parataxis") and c.i < head.i and c.pos_ in VERB_POS and _subject(c) is not None
        and c.right_edge.i + 1 < head.i and doc[c.right_edge.i + 1].text in (",", ";")
        and head.lemma_.lower() not in ("say", "tell", "report", "add", "explain", "note", "write", "claim")
    ]  # fmt: skip


def _named_complement(head: Token, subject: Token) -> Token | None:
    """In "The smallest ocean is the Arctic Ocean", the named complement (later pronouns mean it)."""
    if head.lemma_ != "be" or subject.pos_ != "NOUN":
        return None
    return next((c for c in head.children if c.dep_ == "attr" and c.pos_ == "PROPN"), None)


def _non_restrictive(aside: Token) -> bool:
    """An appositive, relative or participial clause set off by a comma, dash or bracket."""
    if aside.dep_ not in ("appos", "relcl", "acl") or aside.left_edge.i == 0:
        return False
    return aside.doc[aside.left_edge.i - 1].text in _OPENERS


def _relativizer(relcl: Token) -> Token | None:
    """The subject relative pronoun of a relative clause ("which", "who", "that"), if it has one."""
    for child in relcl.children:
        if child.dep_ in ("nsubj", "nsubjpass") and child.lower_ in _RELATIVIZERS:
            return child
    return None


def _noun_phrase(noun: Token) -> list[Token]:
    """`noun` with its modifiers, without its asides, coordinated nouns and surrounding punctuation."""
    dropped = {t.i for c in noun.children if c.dep_ in ("relcl", "acl", "appos", "conj", "cc", "punct", "advcl") for t in c.subtree}
    return _trim([t for t in noun.subtree if t.i not in dropped and not t.is_space])


def _clause_heads(root: Token, coordination: bool = True) -> list[Token]:
    """The root verb and every verb coordinated with it by and/but (not or/nor)."""
    if root.pos_ not in VERB_POS:
        return []
    heads = [root]
    if coordination:
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


def _clause_tokens(head: Token, coordination: bool, asides: list[tuple[Token, Token]]) -> list[Token]:
    """`head`'s subtree minus the clauses coordinated with it, the words joining them, and `asides`."""
    dropped: set[int] = set()
    if coordination:
        for conj in _split_conjs(head):
            dropped.update(t.i for t in conj.subtree)
            joiners = [c for c in head.children if c.dep_ in ("cc", "preconj", "punct")
                       and head.i < c.i < conj.left_edge.i]
            dropped.update(c.i for c in joiners if c.dep_ != "punct" or c.text in _EDGE_PUNCT)
    doc = head.doc
    if coordination:
        for fronted in _fronted_clauses(head):
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
    aside |= {c.i for c in subject.children if c.dep_ == "punct" and c.text not in _QUOTES}
    words = [t for t in subject.subtree if t.i not in aside]
    own_aux = any(c.dep_ in ("aux", "auxpass") for c in head.children)
    if head.tag_ in ("VB", "VBN", "VBG") and not own_aux:
        copied = ("aux", "auxpass") if _coordinator(head.head, head) == "but" else ("aux", "auxpass", "neg")
        words += [c for c in head.head.children if c.dep_ in copied and c.i < head.head.i]
    return [t for t in words if not t.is_space]


def _item_groups(head: Token, in_clause: set[int], subject: Token, rules: frozenset[str]) -> list[tuple[list[Token], Token | None]]:
    """Coordinated items to split on, each with the token whose subtree the items replace (None: in place)."""
    if head.lower_.startswith(_NON_DISTRIBUTIVE):
        return []
    groups: list[tuple[list[Token], Token | None]] = []
    if "objects" in rules:
        for obj in head.children:
            if obj.dep_ in ("dobj", "attr") and obj.i in in_clause:
                items = _coordinated(obj)
                if items:
                    groups.append((items, None))
    if "such_as" in rules:
        for token in sorted(in_clause):
            noun = head.doc[token]
            for prep in noun.children:
                if prep.lower_ == "as" and any(c.lower_ == "such" for c in prep.children) or prep.lower_ == "like" and prep.dep_ == "prep":
                    pobj = [c for c in prep.children if c.dep_ == "pobj"]
                    items = _coordinated(pobj[0], loose=True) if pobj else []
                    if items and noun.pos_ in ("NOUN", "PROPN"):
                        groups.append((items, noun))
    if "appositives" in rules:  # "4,135 miles (6,650 kilometers)": the same quantity twice
        for token in sorted(in_clause):
            noun = head.doc[token]
            for appos in noun.children:
                if appos.dep_ == "appos" and _quantity(noun) and _quantity(appos):
                    groups.append(([noun, appos], None))
    if "subjects" in rules and subject.i in in_clause and subject.dep_ in ("nsubj", "nsubjpass"):
        items = _coordinated(subject)
        if items:
            groups.append((items, None))
    return groups


def _quantity(noun: Token) -> bool:
    return noun.pos_ == "NUM" or any(c.dep_ == "nummod" for c in noun.children)


def _coordinated(first: Token, loose: bool = False) -> list[Token]:
    """`first` and the nouns coordinated with it by and (at least two), else []."""
    if first.pos_ not in _NOUN_POS:
        return []
    items = [first]
    allowed = {"NUM"} if first.pos_ == "NUM" else _ITEM_POS
    for item in items:  # conjuncts hang off the first item or off each other
        for nxt in (c for c in item.children if c.dep_ == "conj"):
            if nxt.pos_ not in allowed or _coordinator(item, nxt) in _NON_SPLITTING_CC:
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


def _split_items(tokens: list[Token], items: list[Token], region: Token | None) -> list[list[Token]]:
    joiners = {c.i for item in items for c in item.children
               if c.dep_ in ("cc", "preconj") or (c.dep_ == "punct" and c.text in _EDGE_PUNCT | {"(", ")"})}
    owned = [_own_tokens(item, items) for item in items]
    outside: set[int] = set()
    if region is not None:  # "countries such as A, B and C": the list replaces the noun it exemplifies
        outside = {t.i for t in region.subtree} - set().union(*owned) - joiners
    variants = []
    for i in range(len(items)):
        others = set().union(*(owned[j] for j in range(len(items)) if j != i)) | joiners | outside
        kept = _trim([t for t in tokens if t.i not in others])
        if kept:
            variants.append(kept)
    return variants


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
    if kept and sum(t.text == "(" for t in kept) != sum(t.text == ")" for t in kept):
        if kept[-1].text == ")":
            return _trim(kept[:-1])
        if kept[0].text == "(":
            return _trim(kept[1:])
    return kept


def _leading_junk(tokens: list[Token], start: int, end: int) -> int:
    """How many tokens at `start` are filler: punctuation, "and", "However,", "Janice:"."""
    first = tokens[start]
    if first.text in _EDGE_PUNCT or first.dep_ in ("cc", "preconj") or first.is_space or (first.tag_ == "CC" and start + 1 < end):
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
