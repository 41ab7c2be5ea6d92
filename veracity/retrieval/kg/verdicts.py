"""Claim-level knowledge-graph verdicts: supported, refuted, or no KG verdict (None).

* the claimed triple is in the graph -> `"supported"`;
* the claimed relation is functional and the subject has another object in the graph (one not
  directly linked to the claimed object, so "born in Hawaii" is not refuted by "born in
  Honolulu" when Honolulu is linked to Hawaii) -> `"refuted"`;
* otherwise None: the graph cannot decide, but its related triples and 2-hop paths are still
  returned as evidence for the NLI judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Literal

from veracity.retrieval.kg.evidence import merge_evidence, path_evidence, triple_evidence
from veracity.retrieval.kg.linking import EntityLinker, Mention
from veracity.retrieval.kg.relations import RelationMatcher, context_words
from veracity.retrieval.kg.store import KnowledgeGraph, Triple
from veracity.types import Evidence

KGLabel = Literal["supported", "refuted"]
DIRECT_SCORE = 1.0
RELATED_SCORE = 0.8
PATH_SCORE = 0.5


@dataclass(frozen=True)
class KGDecision:
    """What the knowledge graph says about one claim.

    `label` is None when the graph cannot decide; `triples` are the deciding triples (the
    matching triple, or the subject's other objects of a functional relation); `evidence` holds
    verbalised triples and paths, best first; `reason` says why in one sentence.
    """

    label: KGLabel | None
    triples: list[Triple]
    evidence: list[Evidence]
    reason: str
    mentions: list[Mention] = field(default_factory=list)
    relation: str | None = None

    @property
    def decided(self) -> bool:
        return self.label is not None


def decide_triple(kg: KnowledgeGraph, subject: str, relation: str, obj: str, max_paths: int = 5) -> KGDecision:
    """The KG verdict on one (subject, relation, object) triple, with its evidence."""
    paths = kg.paths(subject, obj, max_hops=2, limit=max_paths) if max_paths > 0 else []
    context = [path_evidence(kg, p, DIRECT_SCORE if len(p) == 1 else PATH_SCORE) for p in paths]
    name = kg.relation_label(relation)
    if kg.has_triple(subject, relation, obj):
        triple = (subject, relation, obj)
        return KGDecision(
            "supported", [triple], merge_evidence([triple_evidence(kg, triple), *context]),
            f"the knowledge graph holds the triple ({kg.label(subject)}, {name}, {kg.label(obj)})", relation=relation,
        )
    known = sorted(kg.objects(subject, relation))
    if relation in kg.functional_relations and known:
        if any(kg.triples_between(obj, other) for other in known):
            reason = (f"{name} is functional, but the graph's {name} of {kg.label(subject)} is directly linked "
                      f"to {kg.label(obj)}, so it does not contradict the claim")
            return KGDecision(None, [], merge_evidence(context), reason, relation=relation)
        triples = [(subject, relation, other) for other in known]
        evidence = [triple_evidence(kg, t) for t in triples] + context
        names = ", ".join(kg.label(o) for o in known)
        return KGDecision(
            "refuted", triples, merge_evidence(evidence),
            f"{name} is functional and the knowledge graph gives {kg.label(subject)} {names}, not {kg.label(obj)}",
            relation=relation,
        )
    if known:
        reason = f"{name} is not functional; the graph lists other objects for {kg.label(subject)} but not this one"
        context += [triple_evidence(kg, (subject, relation, o), RELATED_SCORE) for o in known]
    elif subject not in kg or obj not in kg:
        reason = "an entity of the triple is not in the knowledge graph"
    else:
        reason = f"the knowledge graph has no {name} for {kg.label(subject)}"
    return KGDecision(None, [], merge_evidence(context), reason, relation=relation)


def kg_verdict(
    claim_text: str,
    kg: KnowledgeGraph,
    linker: EntityLinker | None = None,
    *,
    matcher: RelationMatcher | None = None,
    mentions: Sequence[Mention] | None = None,
    max_paths: int = 5,
    max_evidence: int = 10,
) -> KGDecision:
    """Link the claim's entities, read its relation from the wording, and decide from the graph.

    Every ordered pair of distinct linked entities is checked against every relation the
    wording matches (direction is not enforced); a supporting triple wins over a conflict, and
    only the best-matching relations may refute. `mentions` skips linking (e.g. from
    `EntityLinker.link_many`). Build `linker` and `matcher` once and reuse them across claims.
    """
    linker = linker if linker is not None else EntityLinker(kg)
    matcher = matcher if matcher is not None else RelationMatcher(kg)
    found = list(mentions) if mentions is not None else linker.link(claim_text)
    entities = list(dict.fromkeys(m.entity_id for m in found))
    scores = matcher.match(context_words(claim_text, [(m.start, m.end) for m in found]))
    ranked = sorted(scores, key=lambda r: (-scores[r], r))
    top = {r for r in ranked if scores[r] == scores[ranked[0]]} if ranked else set()

    related: list[Evidence] = []
    for a, b in permutations(entities, 2):
        if a < b:  # direct triples and 2-hop paths between each pair, once
            related += [triple_evidence(kg, t) for t in kg.triples_between(a, b)]
            paths = kg.paths(a, b, max_hops=2, limit=max_paths) if max_paths > 0 else []
            related += [path_evidence(kg, p, DIRECT_SCORE if len(p) == 1 else PATH_SCORE) for p in paths]
    for entity in entities:
        for relation in ranked:
            objects = sorted(kg.objects(entity, relation))
            related += [triple_evidence(kg, (entity, relation, o), RELATED_SCORE) for o in objects]

    if len(entities) < 2 or not ranked:
        if len(entities) < 2:
            reason = f"no KG verdict: {len(entities)} entity linked, a triple needs two"
        else:
            reason = "no KG verdict: the claim's wording matches no relation of the knowledge graph"
        return KGDecision(None, [], merge_evidence(related, max_evidence), reason, found)

    supported: list[KGDecision] = []
    refuted: list[KGDecision] = []
    undecided: list[KGDecision] = []
    for subject, obj in permutations(entities, 2):
        for relation in ranked:
            decision = decide_triple(kg, subject, relation, obj, max_paths=0)
            if decision.label == "supported":
                supported.append(decision)
            elif decision.label == "refuted" and relation in top:
                refuted.append(decision)
            else:
                undecided.append(decision)
    chosen = supported or refuted
    if chosen:
        first = chosen[0]
        reason = first.reason + (" (other entity pairs conflict)" if supported and refuted else "")
        triples = list(dict.fromkeys(t for d in chosen for t in d.triples))
        evidence = [e for d in chosen for e in d.evidence] + related
        return KGDecision(first.label, triples, merge_evidence(evidence, max_evidence), reason, found, first.relation)
    evidence = related + [e for d in undecided for e in d.evidence]
    reason = "no KG verdict: " + (undecided[0].reason if undecided else "nothing to check")
    return KGDecision(None, [], merge_evidence(evidence, max_evidence), reason, found, ranked[0])


def kg_verdicts(
    claim_texts: Sequence[str],
    kg: KnowledgeGraph,
    linker: EntityLinker | None = None,
    *,
    matcher: RelationMatcher | None = None,
    max_paths: int = 5,
    max_evidence: int = 10,
) -> list[KGDecision]:
    """`kg_verdict` for many claims, linking them in one batched spaCy pass."""
    linker = linker if linker is not None else EntityLinker(kg)
    matcher = matcher if matcher is not None else RelationMatcher(kg)
    return [
        kg_verdict(text, kg, linker, matcher=matcher, mentions=found, max_paths=max_paths, max_evidence=max_evidence)
        for text, found in zip(claim_texts, linker.link_many(list(claim_texts)))
    ]
