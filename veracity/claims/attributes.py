"""Separable attributes of one event: time, place and quantity modifiers that annotators split apart.

FActScore-style annotators turn "X was born in Warsaw in 1867." into "X was born in Warsaw." and
"X was born in 1867.", but keep "The treaty was signed by Jefferson on April 30, 1803." whole: a
clause is split only when its verb carries two or more such modifiers after it. A modifier is a
preposition whose object is a date or time (``in``, ``on``, ``during``, ...), a named place (``in``,
``at``, ``near``, ...; the place may sit inside the object: "on the border of Zambia"), or an amount
(money, percent, measure); a place phrase nested in another place phrase ("on the border of Zambia
in Africa") counts as its own modifier. Modifiers before the verb ("In 1990, ...") scope the whole
clause and stay in every claim.

`with_quantity` finds the comma-set "..., with 94 operating reactors" that states what the subject has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

__all__ = ["attribute_variants", "attributes", "with_quantity"]

TIME_ENTITIES = frozenset({"DATE", "TIME"})
PLACE_ENTITIES = frozenset({"GPE", "LOC", "FAC"})
AMOUNT_ENTITIES = frozenset({"MONEY", "PERCENT", "QUANTITY"})
TIME_PREPS = frozenset({"in", "on", "at", "during", "since", "until", "till", "before", "after", "around", "circa", "by"})
PLACE_PREPS = frozenset({"in", "at", "on", "near", "within", "throughout", "outside", "inside", "across"})
AMOUNT_PREPS = frozenset({"for", "at", "by", "of", "to"})
_NESTED_PLACE_PREPS = frozenset({"in", "at", "near"})


def _object(prep: Token) -> Token | None:
    return next((c for c in prep.children if c.dep_ == "pobj"), None)


def kind(modifier: Token) -> str | None:
    """"time", "place" or "amount" when `modifier` (a child of a verb) is a separable attribute, else None."""
    if modifier.dep_ == "npadvmod" and modifier.ent_type_ in TIME_ENTITIES:
        return "time"
    if modifier.dep_ != "prep":
        return None
    obj = _object(modifier)
    if obj is None:
        return None
    word = modifier.lower_
    if word in TIME_PREPS and obj.ent_type_ in TIME_ENTITIES:
        return "time"
    if word in AMOUNT_PREPS and obj.ent_type_ in AMOUNT_ENTITIES:
        return "amount"
    if word in PLACE_PREPS and any(t.ent_type_ in PLACE_ENTITIES for t in obj.subtree):
        return "place"
    return None


def _nested_places(prep: Token) -> list[Token]:
    """Place phrases inside a place phrase's object, after it: "on the border of Zambia [in Africa]"."""
    obj = _object(prep)
    if obj is None:
        return []
    return [
        t for t in obj.subtree
        if t.dep_ == "prep" and t.lower_ in _NESTED_PLACE_PREPS and t.head.pos_ in ("NOUN", "PROPN") and t.i > obj.i
        and (inner := _object(t)) is not None and inner.ent_type_ in PLACE_ENTITIES
    ]  # fmt: skip


def attributes(head: Token, in_clause: set[int]) -> list[set[int]]:
    """The token indices each separable attribute of `head`'s clause owns (its words and the commas
    setting it off); [] unless there are at least two."""
    found: list[Token] = []
    for child in head.children:
        if child.i > head.i and child.i in in_clause and (k := kind(child)) is not None:
            found.append(child)
            if k == "place":
                found.extend(_nested_places(child))
    if len(found) < 2:
        return []
    doc = head.doc
    owned = []
    for modifier in found:
        words = {t.i for t in modifier.subtree}
        for other in found:  # a nested place belongs to itself, not to the phrase holding it
            if other.i != modifier.i and other.i in words:
                words -= {t.i for t in other.subtree}
        left, right = min(words), max(words)
        if left > 0 and doc[left - 1].text == ",":
            words.add(left - 1)
        if right + 1 < len(doc) and doc[right + 1].text == ",":
            words.add(right + 1)
        owned.append(words)
    return owned


def attribute_variants(head: Token, tokens: list[Token]) -> list[list[Token]]:
    """`tokens` (one claim of `head`'s clause) once per separable attribute, the others left out;
    just `tokens` when the clause has fewer than two."""
    owned = attributes(head, {t.i for t in tokens})
    if not owned:
        return [tokens]
    variants = []
    for k in range(len(owned)):
        others = set().union(*(owned[j] for j in range(len(owned)) if j != k))
        variants.append([t for t in tokens if t.i not in others])
    return variants


def with_quantity(head: Token) -> Token | None:
    """The comma-set "with" phrase stating an amount the subject has: "X has the most plants, with 94
    reactors", "X is the largest city, with a population of 37 million"; None if the clause has none."""
    owners = [head]
    owners += [c for c in head.children if (c.dep_ == "attr" and head.lemma_ == "be") or (c.dep_ == "dobj" and head.lemma_ == "have")]
    doc = head.doc
    for owner in owners:
        for prep in owner.children:
            if prep.dep_ != "prep" or prep.lower_ != "with" or prep.i < head.i or prep.i == 0 or doc[prep.i - 1].text != ",":
                continue
            obj = _object(prep)
            if obj is not None and any(t.like_num or t.ent_type_ in AMOUNT_ENTITIES | {"CARDINAL"} for t in obj.subtree):
                return prep
    return None
