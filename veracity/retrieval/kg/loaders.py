"""Read triples into a `KnowledgeGraph`: TSV, N-Triples, JSON Lines, alias files, CoDEx and FB13.

Every malformed line raises `veracity.errors.InputFormatError` naming `file:line`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from veracity.errors import InputFormatError
from veracity.retrieval.kg.jsonl import iter_json_objects
from veracity.retrieval.kg.store import KnowledgeGraph, Triple
from veracity.retrieval.kg.vocabulary import DEFAULT_FUNCTIONAL_LABELS

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
LABEL_PREDICATES = frozenset(
    {RDFS_LABEL, SKOS_PREF_LABEL, "http://schema.org/name", "https://schema.org/name", "http://xmlns.com/foaf/0.1/name"}
)
ALIAS_PREDICATES = frozenset({SKOS_ALT_LABEL})
POSITIVE_LABELS = frozenset({"1", "+1", "true", "t", "yes", "supported", "positive"})
NEGATIVE_LABELS = frozenset({"-1", "0", "false", "f", "no", "refuted", "negative"})


class LabelledTriple(NamedTuple):
    """A triple with its truth label (from a triple-classification split)."""

    subject: str
    relation: str
    object: str
    label: bool

    @property
    def triple(self) -> Triple:
        return (self.subject, self.relation, self.object)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without newline) for each line; unreadable files raise `InputFormatError`."""
    try:
        with path.open("r", encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                yield line_no, line.rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read {path}: {exc}") from exc


def _new(kg: KnowledgeGraph | None, functional_relations: Iterable[str]) -> KnowledgeGraph:
    kg = kg if kg is not None else KnowledgeGraph()
    kg.functional_relations |= set(functional_relations)
    return kg


# -- TSV ---------------------------------------------------------------------------------------


def read_tsv_rows(
    path: str | Path, n_columns: int, *, delimiter: str = "\t", skip_header: bool = False
) -> Iterator[tuple[str, list[str]]]:
    """Yield (`file:line`, cells) for rows with at least `n_columns` non-empty leading cells.

    Blank lines and lines starting with `#` are skipped.
    """
    path = Path(path)
    for line_no, line in _lines(path):
        if (skip_header and line_no == 1) or not line.strip() or line.startswith("#"):
            continue
        where = f"{path}:{line_no}"
        cells = [cell.strip() for cell in line.split(delimiter)]
        if len(cells) < n_columns or not all(cells[:n_columns]):
            raise InputFormatError(
                f"{where}: expected {n_columns} non-empty {delimiter!r}-separated columns, "
                f"got {len(cells)}: {line[:80]!r}"
            )
        yield where, cells


def load_tsv(
    path: str | Path,
    *,
    kg: KnowledgeGraph | None = None,
    columns: Sequence[int] = (0, 1, 2),
    delimiter: str = "\t",
    skip_header: bool = False,
    functional_relations: Iterable[str] = (),
) -> KnowledgeGraph:
    """Add the (subject, relation, object) rows of a delimited file (columns picked by `columns`)."""
    if len(columns) != 3:
        raise InputFormatError(f"columns must name 3 columns (subject, relation, object), got {list(columns)}")
    kg = _new(kg, functional_relations)
    s_col, r_col, o_col = columns
    for _, cells in read_tsv_rows(path, max(columns) + 1, delimiter=delimiter, skip_header=skip_header):
        kg.add_triple(cells[s_col], cells[r_col], cells[o_col])
    return kg


def read_labelled_triples(
    path: str | Path, *, label_column: int = 3, delimiter: str = "\t", skip_header: bool = False
) -> list[LabelledTriple]:
    """Read `subject relation object label` rows (labels `1`/`-1`, `true`/`false`, ...)."""
    rows: list[LabelledTriple] = []
    for where, cells in read_tsv_rows(path, max(3, label_column + 1), delimiter=delimiter, skip_header=skip_header):
        rows.append(LabelledTriple(cells[0], cells[1], cells[2], _truth(cells[label_column], where)))
    return rows


def _truth(value: str, where: str) -> bool:
    folded = value.casefold()
    if folded in POSITIVE_LABELS:
        return True
    if folded in NEGATIVE_LABELS:
        return False
    raise InputFormatError(f"{where}: unknown triple label {value!r}")


# -- aliases -----------------------------------------------------------------------------------


def load_aliases(path: str | Path, kg: KnowledgeGraph | None = None) -> dict[str, list[str]]:
    """Read entity names: TSV `id<TAB>name[<TAB>name...]`, JSON `{id: name | [names]}` or JSONL.

    JSONL rows are `{"id", "label"?, "aliases"?}`. The first name of an entity is its preferred
    label. With `kg`, the names are added to it (`add_alias`; the first becomes the label if unset).
    """
    path = Path(path)
    names: dict[str, list[str]] = {}
    if path.suffix == ".jsonl":
        for where, row in iter_json_objects(path, ("id",)):
            listed = [row["label"]] if isinstance(row.get("label"), str) else []
            listed += _name_list(row.get("aliases", []), where)
            names.setdefault(row["id"], []).extend(listed)
    elif path.suffix == ".json":
        data = _read_json(path)
        if not isinstance(data, dict):
            raise InputFormatError(f"{path}: expected a JSON object mapping entity ids to names")
        for key, value in data.items():
            if isinstance(value, dict):
                value = [value[k] for k in ("label",) if isinstance(value.get(k), str)] + list(value.get("aliases", []))
            names[str(key)] = _name_list(value, f"{path}: entry {key!r}")
    else:
        for where, cells in read_tsv_rows(path, 2):
            names.setdefault(cells[0], []).extend(cell for cell in cells[1:] if cell)
    if kg is not None:
        for entity_id, listed in names.items():
            for name in listed:
                kg.add_alias(entity_id, name)
    return names


def _name_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputFormatError(f"{where}: names must be a string or a list of strings")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc


# -- JSON Lines --------------------------------------------------------------------------------


def load_jsonl(
    path: str | Path,
    *,
    kg: KnowledgeGraph | None = None,
    aliases: str | Path | None = None,
    functional_relations: Iterable[str] = (),
) -> KnowledgeGraph:
    """Add `{"subject", "relation", "object"}` rows of a JSON Lines file.

    Optional fields per row: `subject_label`, `object_label`, `relation_label` and `aliases`
    (`{entity_id: name | [names]}`). `aliases` names an extra alias file (see `load_aliases`).
    """
    kg = _new(kg, functional_relations)
    for where, row in iter_json_objects(Path(path), ("subject", "relation", "object")):
        s, r, o = row["subject"], row["relation"], row["object"]
        kg.add_triple(s, r, o)
        for entity_id, key in ((s, "subject_label"), (o, "object_label")):
            if isinstance(row.get(key), str) and row[key]:
                kg.set_label(entity_id, row[key])
        if isinstance(row.get("relation_label"), str) and row["relation_label"]:
            kg.set_relation_label(r, row["relation_label"])
        extra = row.get("aliases")
        if extra is not None:
            if not isinstance(extra, dict):
                raise InputFormatError(f"{where}: 'aliases' must map entity ids to names")
            for entity_id, value in extra.items():
                for name in _name_list(value, where):
                    kg.add_alias(str(entity_id), name)
    if aliases is not None:
        load_aliases(aliases, kg)
    return kg


# -- N-Triples ---------------------------------------------------------------------------------

_IRI = r"<([^<>\"{}|^`\\\s]*)>"
_BNODE = r"_:([A-Za-z0-9_][A-Za-z0-9_.\-]*)"
_LITERAL = r"\"((?:[^\"\\\n\r]|\\.)*)\"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<([^<>\s]*)>)?"
_NT_LINE = re.compile(
    rf"^\s*(?:{_IRI}|{_BNODE})\s+{_IRI}\s+(?:{_IRI}|{_BNODE}|{_LITERAL})\s*\.\s*(?:#.*)?$"
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def local_name(iri: str) -> str:
    """The last segment of an IRI after `#` or `/` (`http://www.wikidata.org/entity/Q76` -> `Q76`)."""
    stripped = iri.rstrip("/#")
    cut = max(stripped.rfind("#"), stripped.rfind("/"))
    name = stripped[cut + 1 :]
    return name or iri


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        return _SIMPLE_ESCAPES.get(match.group(3), match.group(0))

    return _ESCAPE.sub(replace, text)


def load_ntriples(
    path: str | Path,
    *,
    kg: KnowledgeGraph | None = None,
    lang: str | None = "en",
    functional_relations: Iterable[str] = (),
) -> KnowledgeGraph:
    """Add the triples of an N-Triples file (`<s> <p> <o> .`), entities named by IRI local names.

    `rdfs:label` / `skos:prefLabel` / `schema:name` literals become labels, `skos:altLabel`
    literals aliases (only language-less or `lang` literals when `lang` is set); a label on an id
    used as a predicate names that relation. Other literal objects become entities named by
    their text. Blank nodes keep their `_:` id.
    """
    kg = _new(kg, functional_relations)
    path = Path(path)
    names: dict[str, list[str]] = {}
    alt: dict[str, list[str]] = {}
    for line_no, line in _lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _NT_LINE.match(line)
        if match is None:
            raise InputFormatError(f"{path}:{line_no}: not an N-Triples statement: {line[:80]!r}")
        s_iri, s_bnode, p_iri, o_iri, o_bnode, literal, literal_lang, _datatype = match.groups()
        subject = local_name(s_iri) if s_iri is not None else f"_:{s_bnode}"
        if literal is not None:
            text = _unescape(literal)
            if p_iri in LABEL_PREDICATES or p_iri in ALIAS_PREDICATES:
                if lang is None or literal_lang is None or literal_lang.split("-")[0].casefold() == lang.casefold():
                    (names if p_iri in LABEL_PREDICATES else alt).setdefault(subject, []).append(text)
                continue
            kg.add_triple(subject, local_name(p_iri), text)
            kg.set_label(text, text)
            continue
        obj = local_name(o_iri) if o_iri is not None else f"_:{o_bnode}"
        kg.add_triple(subject, local_name(p_iri), obj)
    relations = kg.relations
    for entity_id, listed in names.items():
        if entity_id in relations and entity_id not in kg:
            kg.set_relation_label(entity_id, listed[0])
            continue
        kg.set_label(entity_id, listed[0])
        for name in listed[1:]:
            kg.add_alias(entity_id, name)
    for entity_id, listed in alt.items():
        for name in listed:
            kg.add_alias(entity_id, name)
    return kg


# -- shared datasets ---------------------------------------------------------------------------


def _first(directory: Path, patterns: Sequence[str]) -> Path | None:
    for pattern in patterns:
        found = sorted(directory.glob(pattern))
        if found:
            return found[0]
    return None


def load_codex(
    directory: str | Path,
    *,
    split: str = "train.txt",
    functional_labels: Iterable[str] = DEFAULT_FUNCTIONAL_LABELS,
) -> KnowledgeGraph:
    """The CoDEx graph of `split` (Wikidata Q/P ids), with names and types from its side files.

    Reads, when present: `relations_en.json` / `relations.json` (P id -> {label}),
    `entities*.json` (Q id -> {label}; absent from the shared snapshot), `entity2types*.json`
    and `types_en*.json` (type labels also name the graph entities that are types).
    Relations whose label is in `functional_labels` are declared functional.
    """
    directory = Path(directory)
    kg = load_tsv(directory / split)
    relations = _first(directory, ("relations_en.json", "relations.json"))
    if relations is not None:
        for pid, info in _json_object(relations).items():
            if isinstance(info, dict) and isinstance(info.get("label"), str):
                kg.set_relation_label(pid, info["label"])
    for names_file in (_first(directory, ("entities_en.json", "entities.json", "entities*.json")),
                       _first(directory, ("types_en*.json", "types.json"))):
        if names_file is None:
            continue
        for qid, info in _json_object(names_file).items():
            if qid in kg and isinstance(info, dict) and isinstance(info.get("label"), str):
                kg.labels.setdefault(qid, info["label"])
    types = _first(directory, ("entity2types*.json",))
    if types is not None:
        for qid, listed in _json_object(types).items():
            if qid in kg and isinstance(listed, list):
                for type_id in listed:
                    kg.add_type(qid, str(type_id))
    kg.mark_functional_by_label(functional_labels)
    return kg


def _json_object(path: Path) -> dict[str, Any]:
    data = _read_json(path)
    if not isinstance(data, dict):
        raise InputFormatError(f"{path}: expected a JSON object")
    return data


def load_fb13(
    directory: str | Path,
    *,
    files: Sequence[str] = ("train.tsv",),
    functional_labels: Iterable[str] = DEFAULT_FUNCTIONAL_LABELS,
) -> KnowledgeGraph:
    """An FB13 graph from the true triples of `files` (3-column rows, or 4-column rows labelled 1/-1).

    Every entity of `entity2text_capital*.txt` (else `entity2text.txt`) is added with its name,
    so names of entities outside the graph still link; `relation2text.txt` names the relations.
    """
    directory = Path(directory)
    kg = KnowledgeGraph()
    for name in files:
        path = directory / name
        for where, cells in read_tsv_rows(path, 3):
            if len(cells) > 3 and cells[3] and not _truth(cells[3], where):
                continue
            kg.add_triple(cells[0], cells[1], cells[2])
    names = _first(directory, ("entity2text_capital*.txt", "entity2text*.txt"))
    if names is not None:
        for entity_id, listed in load_aliases(names).items():
            kg.add_entity(entity_id)
            for alias in listed:
                kg.add_alias(entity_id, alias)
    relations = directory / "relation2text.txt"
    if relations.is_file():
        for _, cells in read_tsv_rows(relations, 2):
            kg.set_relation_label(cells[0], cells[1])
    kg.mark_functional_by_label(functional_labels)
    return kg
