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
Reading the parse (clauses, subjects, asides, items) is `clauses`; turning tokens into claim text is `pieces`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from veracity.claims.attributes import PLACE_ENTITIES, attribute_variants, with_quantity
from veracity.claims.checkworthiness import SKIP_RULES, SkipRule
from veracity.claims.clauses import (
    borrowed_subject,
    clause_heads,
    clause_tokens,
    fronted_clauses,
    is_quantity,
    item_groups,
    named_complement,
    non_restrictive,
    noun_phrase,
    relative_pronoun,
    split_items,
    subject_of,
)
from veracity.claims.filters import (
    SUBJECT_DEPS,
    about_speaker,
    VERB_POS,
    skip_clause,
    skip_reason,
    uncheckable_text,
    unwrap,
)
from veracity.claims.pieces import Piece, merge_spans, render, sentence_case, token_spans, trim
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

RULES = ("coordination", "objects", "subjects", "such_as", "appositives", "relatives", "participles", "pronouns",
         "attributes", "with_quantities")
"""Decomposition and decontextualisation rules, in the order the benchmark adds them."""
DEFAULT_RULES = frozenset(RULES)
_UNRESOLVED = PRONOUNS | DEMONSTRATIVES | {"him", "them", "theirs", "hers"}


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
        heads = clause_heads(root, "coordination" in self.rules)
        if "coordination" in self.rules:
            heads = sorted({h.i: h for h in [*heads, *(f for h in heads for f in fronted_clauses(h))]}.values(), key=lambda t: t.i)
        for head in heads:
            own = subject_of(head)
            borrowed = [] if own is not None else borrowed_subject(head)
            subject = own if own is not None else (borrowed[0] if borrowed else None)
            asides = self.asides(head, heads)
            tokens = trim(clause_tokens(head, "coordination" in self.rules, asides))
            if head.i == root.i != sent.root.i:  # "Note that X": X without its "that"
                tokens = trim([t for t in tokens if not (t.dep_ == "mark" and t.head.i == head.i)])
            fragment = True
            if subject is not None and tokens:
                unwrapped = head.i == root.i != sent.root.i
                fragment = about_speaker(subject) if unwrapped else skip_clause(head, subject, tokens[0])
            if subject is not None and tokens and not fragment:
                for variant in self.variants(head, tokens, subject):
                    draft = self.draft(sent, list(borrowed), variant, own, (head.i, 0))
                    if not uncheckable_text(render(draft.pieces), self.skip_rules):
                        out.append(draft)
                for k, (noun, aside) in enumerate(asides):
                    inside = {a.i for a in aside.subtree}
                    nested = {t.i for _, other in asides if other.i != aside.i and other.i in inside for t in other.subtree}
                    out.extend(self.aside(sent, noun, aside, head, (aside.i, k + 1), nested))
            if own is not None and own.pos_ != "PRON" and description_replacement(own, self.mentions) is None:
                mention = mention_of(named_complement(head, own) or own, self.chunks)
                self.mentions = [*self.mentions[-3:], mention] if mention is not None else []
        return out

    def asides(self, head: Token, heads: list[Token]) -> list[tuple[Token, Token]]:
        """(noun, aside head) for the non-restrictive asides in `head`'s clause that become claims of their own."""
        found = []
        for token in clause_tokens(head, "coordination" in self.rules, []):
            if token.pos_ not in ("NOUN", "PROPN") or token.i == head.i:
                continue
            for child in token.children:
                if non_restrictive(child) and self.splits(child):
                    found.append((token, child))
        subject = subject_of(head)
        if "with_quantities" in self.rules and subject is not None and (prep := with_quantity(head)) is not None:
            found.append((subject, prep))
        return found

    def splits(self, aside: Token) -> bool:
        if aside.dep_ == "appos":  # not "Menlo Park, California": a place narrowed by its region
            place = aside.ent_type_ in PLACE_ENTITIES and aside.head.ent_type_ in PLACE_ENTITIES
            return "appositives" in self.rules and aside.pos_ in ("NOUN", "PROPN") and not is_quantity(aside.head) and not place
        if aside.dep_ == "relcl":
            return "relatives" in self.rules and relative_pronoun(aside) is not None
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
        subject = noun_phrase(noun)
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
            relativizer = relative_pronoun(aside)
            prefix = list(subject)
            body = [t for t in body if relativizer is None or t.i != relativizer.i]
        else:
            prefix = [*subject, ("were" if plural else "was") if aside.dep_ == "acl" and past else ("are" if plural else "is")]
        bodies = attribute_variants(aside, body) if "attributes" in self.rules and aside.pos_ in VERB_POS else [body]
        drafts = []
        for part in bodies:
            pieces = [*prefix, *trim(part)]
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
        for items, region in item_groups(head, in_clause, subject, self.rules):
            split = split_items(tokens, items, region)
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
    spans = token_spans(tokens)
    for s, e, _ in draft.replacements:
        spans = merge_spans([*spans, (s, e)])
    start, end = spans[0][0], spans[-1][1]
    return Claim(
        id=f"c{n}", text=sentence_case(render(draft.pieces)), start=start, end=end,
        sentence=draft.sentence.text.strip(), spans=spans if len(spans) > 1 else [],
        replacements=[Replacement(start=s, end=e, text=t) for s, e, t in draft.replacements],
        unresolved=draft.unresolved,
    )  # fmt: skip


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
