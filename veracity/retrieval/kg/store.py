"""`KnowledgeGraph`: (subject, relation, object) triples over a networkx `MultiDiGraph`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import networkx as nx

from veracity.errors import IndexNotFoundError
from veracity.retrieval.kg.jsonl import iter_json_objects, write_jsonl
from veracity.retrieval.kg.vocabulary import DEFAULT_FUNCTIONAL_LABELS, DEFAULT_TEMPLATES

__all__ = [  # the vocabulary and the JSONL reader live in their own modules and are re-exported here
    "DEFAULT_FUNCTIONAL_LABELS",
    "DEFAULT_TEMPLATES",
    "KGPath",
    "KnowledgeGraph",
    "Triple",
    "iter_json_objects",
]

Triple = tuple[str, str, str]
KGPath = tuple[Triple, ...]

_LABEL = "label"
_ENTITIES = "entities.jsonl"
_RELATIONS = "relations.jsonl"
_TRIPLES = "triples.jsonl"


class KnowledgeGraph:
    """A directed multigraph of entities; each edge is keyed by its relation id.

    `labels` maps entity id -> display name, `relation_labels` relation id -> text,
    `aliases` entity id -> other names, `types` entity id -> type ids, and
    `functional_relations` holds the relation ids with at most one object per subject.
    """

    def __init__(
        self,
        functional_relations: Iterable[str] = (),
        templates: dict[str, str] | None = None,
    ) -> None:
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.labels: dict[str, str] = {}
        self.relation_labels: dict[str, str] = {}
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.types: dict[str, set[str]] = defaultdict(set)
        self.functional_relations: set[str] = set(functional_relations)
        self.templates: dict[str, str] = dict(DEFAULT_TEMPLATES if templates is None else templates)
        self._objects: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._relation_counts: dict[str, int] = defaultdict(int)

    # -- building -----------------------------------------------------------------------------

    def add_triple(self, subject: str, relation: str, obj: str) -> bool:
        """Add a triple; returns False when it was already present."""
        if self.graph.has_edge(subject, obj, key=relation):
            return False
        self.graph.add_edge(subject, obj, key=relation)
        self._objects[(subject, relation)].add(obj)
        self._relation_counts[relation] += 1
        return True

    def add_triples(self, triples: Iterable[Triple]) -> int:
        """Add many triples; returns how many were new."""
        return sum(self.add_triple(s, r, o) for s, r, o in triples)

    def remove_triple(self, subject: str, relation: str, obj: str) -> bool:
        """Remove a triple (its entities stay); returns False when it was absent."""
        if not self.graph.has_edge(subject, obj, key=relation):
            return False
        self.graph.remove_edge(subject, obj, key=relation)
        objects = self._objects[(subject, relation)]
        objects.discard(obj)
        if not objects:
            del self._objects[(subject, relation)]
        self._relation_counts[relation] -= 1
        if not self._relation_counts[relation]:
            del self._relation_counts[relation]
        return True

    def add_entity(self, entity_id: str, label: str | None = None) -> None:
        """Add an entity without triples, optionally with its display name."""
        self.graph.add_node(entity_id)
        if label:
            self.labels[entity_id] = label

    def set_label(self, entity_id: str, label: str) -> None:
        """Set the display name of an entity."""
        self.labels[entity_id] = label

    def add_alias(self, entity_id: str, alias: str) -> None:
        """Record another name for an entity; the first name seen becomes its label if it has none."""
        alias = alias.strip()
        if not alias:
            return
        self.labels.setdefault(entity_id, alias)
        if alias != self.labels[entity_id]:
            self.aliases[entity_id].add(alias)

    def add_type(self, entity_id: str, type_id: str) -> None:
        """Record a type (class) id of an entity."""
        self.types[entity_id].add(type_id)

    def set_relation_label(self, relation: str, label: str) -> None:
        """Set the text of a relation id (e.g. `P19` -> `place of birth`)."""
        self.relation_labels[relation] = label

    def mark_functional_by_label(self, labels: Iterable[str] = DEFAULT_FUNCTIONAL_LABELS) -> set[str]:
        """Declare functional every known relation whose label (case-insensitive) is in `labels`."""
        wanted = {label.casefold() for label in labels}
        found = {r for r in self.relations if self.relation_label(r).casefold() in wanted}
        self.functional_relations |= found
        return found

    # -- queries -------------------------------------------------------------------------------

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.graph

    def has_triple(self, subject: str, relation: str, obj: str) -> bool:
        """Whether the exact triple is in the graph."""
        return self.graph.has_edge(subject, obj, key=relation)

    def objects(self, subject: str, relation: str) -> set[str]:
        """The objects of `subject` under `relation` (a copy)."""
        return set(self._objects.get((subject, relation), ()))

    def subjects(self, relation: str, obj: str) -> set[str]:
        """The subjects having `obj` as object of `relation`."""
        if obj not in self.graph:
            return set()
        return {s for s, _, key in self.graph.in_edges(obj, keys=True) if key == relation}

    def relations_of(self, subject: str) -> set[str]:
        """Relations with `subject` as subject."""
        if subject not in self.graph:
            return set()
        return {key for _, _, key in self.graph.out_edges(subject, keys=True)}

    def triples(self) -> Iterator[Triple]:
        """Every triple, in insertion order."""
        for s, o, r in self.graph.edges(keys=True):
            yield (s, r, o)

    def triples_of(self, entity_id: str) -> list[Triple]:
        """Triples with `entity_id` as subject or object."""
        if entity_id not in self.graph:
            return []
        out = [(s, r, o) for s, o, r in self.graph.out_edges(entity_id, keys=True)]
        into = [(s, r, o) for s, o, r in self.graph.in_edges(entity_id, keys=True)]
        return out + into

    def triples_between(self, a: str, b: str) -> list[Triple]:
        """Triples linking `a` and `b` in either direction."""
        found: list[Triple] = []
        for s, o in ((a, b), (b, a)):
            if self.graph.has_edge(s, o):
                found.extend((s, r, o) for r in self.graph[s][o])
        return found

    def neighbours(self, entity_id: str) -> set[str]:
        """Entities one edge away, in either direction."""
        if entity_id not in self.graph:
            return set()
        return set(self.graph.successors(entity_id)) | set(self.graph.predecessors(entity_id))

    def paths(self, a: str, b: str, max_hops: int = 2, limit: int = 50) -> list[KGPath]:
        """Paths of at most `max_hops` triples from `a` to `b`, edges followed in either direction.

        Each path is a tuple of triples in their stored orientation; shortest first, at most `limit`.
        """
        if a not in self.graph or b not in self.graph or a == b or max_hops < 1:
            return []
        found: list[KGPath] = []
        frontier: list[tuple[str, KGPath, frozenset[str]]] = [(a, (), frozenset({a}))]
        for hop in range(1, max_hops + 1):
            next_frontier: list[tuple[str, KGPath, frozenset[str]]] = []
            for node, path, seen in frontier:
                if hop == max_hops:  # the last hop must end at b: no need to expand every neighbour
                    adjacent = self.graph.has_edge(node, b) or self.graph.has_edge(b, node)
                    steps = [b] if adjacent and b not in seen else []
                else:
                    steps = sorted(self.neighbours(node) - seen)
                for nxt in steps:
                    for triple in self.triples_between(node, nxt):
                        extended = (*path, triple)
                        if nxt == b:
                            found.append(extended)
                            if len(found) >= limit:
                                return found
                        else:
                            next_frontier.append((nxt, extended, seen | {nxt}))
            frontier = next_frontier
        return found

    def connected_within(self, a: str, b: str, max_hops: int = 2) -> bool:
        """Whether `b` is reachable from `a` in at most `max_hops` edges (either direction)."""
        if a not in self.graph or b not in self.graph or a == b:
            return False
        reached = {a}
        frontier = {a}
        for _ in range(max_hops):
            frontier = {n for node in frontier for n in self.neighbours(node)} - reached
            if b in frontier:
                return True
            reached |= frontier
        return False

    def functionality(self, relation: str) -> float:
        """Mean number of objects per subject of `relation` (1.0 = functional in this graph)."""
        subjects = sum(1 for (_, r) in self._objects if r == relation)
        return self._relation_counts.get(relation, 0) / subjects if subjects else 0.0

    # -- names and text ------------------------------------------------------------------------

    def label(self, entity_id: str) -> str:
        """Display name of an entity (its id when it has none)."""
        return self.labels.get(entity_id, entity_id)

    def relation_label(self, relation: str) -> str:
        """Text of a relation (its id with `_` as spaces when it has none)."""
        return self.relation_labels.get(relation, relation.replace("_", " "))

    def names(self, entity_id: str) -> set[str]:
        """Label and aliases of an entity."""
        names = set(self.aliases.get(entity_id, ()))
        if entity_id in self.labels:
            names.add(self.labels[entity_id])
        return names

    def verbalise(self, triple: Triple) -> str:
        """One English sentence for a triple, e.g. "Barack Obama was born in Honolulu."

        Uses `templates[relation label]` when present, else "S — relation — O.".
        """
        s, r, o = triple
        text = self.relation_label(r)
        template = self.templates.get(text.casefold())
        if template is not None:
            return template.format(s=self.label(s), o=self.label(o))
        return f"{self.label(s)} — {text} — {self.label(o)}."

    def verbalise_path(self, path: KGPath) -> str:
        """The sentences of a path's triples joined by spaces."""
        return " ".join(self.verbalise(t) for t in path)

    # -- counts --------------------------------------------------------------------------------

    @property
    def entities(self) -> list[str]:
        return list(self.graph.nodes)

    @property
    def relations(self) -> set[str]:
        return set(self._relation_counts) | set(self.relation_labels)

    @property
    def num_entities(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def num_triples(self) -> int:
        return self.graph.number_of_edges()

    def relation_counts(self) -> dict[str, int]:
        """Triples per relation id."""
        return dict(self._relation_counts)

    def counts(self) -> dict[str, int]:
        """Sizes: entities, relations, triples, labelled entities, aliases, functional relations."""
        return {
            "entities": self.num_entities,
            "relations": len(self.relations),
            "triples": self.num_triples,
            "labelled_entities": len(self.labels),
            "aliases": sum(len(v) for v in self.aliases.values()),
            "functional_relations": len(self.functional_relations),
        }

    def __repr__(self) -> str:
        c = self.counts()
        return f"KnowledgeGraph(entities={c['entities']}, relations={c['relations']}, triples={c['triples']})"

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write `entities.jsonl`, `relations.jsonl` and `triples.jsonl` under `directory`."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        entity_ids = sorted(set(self.graph.nodes) | set(self.labels) | set(self.aliases) | set(self.types))
        write_jsonl(
            path / _ENTITIES,
            (
                {
                    "id": e,
                    _LABEL: self.labels.get(e),
                    "aliases": sorted(self.aliases.get(e, ())),
                    "types": sorted(self.types.get(e, ())),
                }
                for e in entity_ids
            ),
        )
        write_jsonl(
            path / _RELATIONS,
            (
                {
                    "id": r,
                    _LABEL: self.relation_labels.get(r),
                    "functional": r in self.functional_relations,
                    "template": self.templates.get(self.relation_label(r).casefold()),
                }
                for r in sorted(self.relations | self.functional_relations)
            ),
        )
        write_jsonl(path / _TRIPLES, ({"subject": s, "relation": r, "object": o} for s, r, o in self.triples()))
        return path

    @classmethod
    def load(cls, directory: str | Path) -> KnowledgeGraph:
        """Read a graph written by `save`."""
        path = Path(directory)
        missing = [name for name in (_ENTITIES, _RELATIONS, _TRIPLES) if not (path / name).is_file()]
        if missing:
            raise IndexNotFoundError(f"{path} is not a saved knowledge graph: missing {', '.join(missing)}")
        kg = cls()
        for _, row in iter_json_objects(path / _ENTITIES, ("id",)):
            kg.add_entity(row["id"], row.get(_LABEL))
            for alias in row.get("aliases") or ():
                kg.add_alias(row["id"], alias)
            for type_id in row.get("types") or ():
                kg.add_type(row["id"], type_id)
        for _, row in iter_json_objects(path / _RELATIONS, ("id",)):
            if row.get(_LABEL):
                kg.set_relation_label(row["id"], row[_LABEL])
            if row.get("functional"):
                kg.functional_relations.add(row["id"])
            if row.get("template"):
                kg.templates[kg.relation_label(row["id"]).casefold()] = row["template"]
        for _, row in iter_json_objects(path / _TRIPLES, ("subject", "relation", "object")):
            kg.add_triple(row["subject"], row["relation"], row["object"])
        return kg
