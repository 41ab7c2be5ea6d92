"""The relation vocabulary a graph starts with: which relation labels are functional (one object per
subject) and the sentence template that verbalises each relation label."""

from __future__ import annotations

#: Relation labels treated as functional (one object per subject) when declared by label.
DEFAULT_FUNCTIONAL_LABELS: frozenset[str] = frozenset(
    {
        "place of birth",
        "place of death",
        "place of burial",
        "cause of death",
        "date of birth",
        "date of death",
        "capital",
        "gender",
        "sex or gender",
    }
)

#: Sentence templates keyed by relation label (lower case); `{s}` / `{o}` are entity labels.
DEFAULT_TEMPLATES: dict[str, str] = {
    "place of birth": "{s} was born in {o}.",
    "place of death": "{s} died in {o}.",
    "place of burial": "{s} is buried in {o}.",
    "cause of death": "The cause of death of {s} was {o}.",
    "occupation": "{s} works as {o}.",
    "profession": "{s} works as {o}.",
    "country of citizenship": "{s} is a citizen of {o}.",
    "nationality": "The nationality of {s} is {o}.",
    "gender": "The gender of {s} is {o}.",
    "sex or gender": "The gender of {s} is {o}.",
    "religion": "The religion of {s} is {o}.",
    "ethnicity": "The ethnicity of {s} is {o}.",
    "ethnic group": "The ethnic group of {s} is {o}.",
    "institution": "{s} was educated at {o}.",
    "educated at": "{s} was educated at {o}.",
    "employer": "{s} worked for {o}.",
    "spouse": "{s} is married to {o}.",
    "children": "{o} is a child of {s}.",
    "child": "{o} is a child of {s}.",
    "parents": "{o} is a parent of {s}.",
    "member of": "{s} is a member of {o}.",
    "member of political party": "{s} is a member of {o}.",
    "location": "{s} is located in {o}.",
    "country": "{s} is in {o}.",
    "continent": "{s} is in {o}.",
    "capital": "The capital of {s} is {o}.",
    "languages spoken, written, or signed": "{s} speaks {o}.",
    "official language": "The official language of {s} is {o}.",
    "influenced by": "{s} was influenced by {o}.",
    "founded by": "{s} was founded by {o}.",
    "genre": "The genre of {s} is {o}.",
    "instrument": "{s} plays {o}.",
    "record label": "The record label of {s} is {o}.",
    "residence": "{s} lived in {o}.",
    "headquarters location": "{s} is headquartered in {o}.",
    "part of": "{s} is part of {o}.",
    "diplomatic relation": "{s} has diplomatic relations with {o}.",
}
