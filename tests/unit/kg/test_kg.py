"""Knowledge-graph store, loaders, entity linking and KG verdicts on real CoDEx-S / FB13 triples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _paths import DATA

from veracity.errors import InputFormatError
from veracity.retrieval import Retriever, available_retrievers, get_retriever
from veracity.retrieval.kg import (
    EntityLinker,
    KGRetriever,
    KnowledgeGraph,
    decide_triple,
    kg_verdict,
    kg_verdicts,
    load_aliases,
    load_codex,
    load_fb13,
    load_jsonl,
    load_ntriples,
    load_tsv,
    normalise,
    read_labelled_triples,
)

KG_DATA = DATA / "kg"
CODEX = KG_DATA / "codex_s"
FB13 = KG_DATA / "fb13"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"

# How the tests phrase each FB13 relation in a claim (deliberately not the verbalise templates).
FB13_PHRASES = {
    "cause_of_death": "died of",
    "gender": "has the gender",
    "nationality": "is a citizen of",
    "profession": "worked as a",
    "institution": "studied at",
    "religion": "followed the religion",
}
FB13_FUNCTIONAL = {"cause_of_death", "gender"}


@pytest.fixture(scope="module")
def codex() -> KnowledgeGraph:
    return load_codex(CODEX)


@pytest.fixture(scope="module")
def fb13() -> KnowledgeGraph:
    return load_fb13(FB13, files=("dev.tsv",))


@pytest.fixture(scope="module")
def fb13_linker(fb13: KnowledgeGraph) -> EntityLinker:
    return EntityLinker(fb13)


def fb13_rows():
    return read_labelled_triples(FB13 / "dev.tsv")


def fb13_claim(kg: KnowledgeGraph, s: str, r: str, o: str) -> str:
    return f"{kg.label(s)} {FB13_PHRASES[r]} {kg.label(o)}."


# -- store and dataset loaders -----------------------------------------------------------------


def test_codex_loader_reads_names_types_and_functional_relations(codex: KnowledgeGraph) -> None:
    assert codex.num_triples == 10
    assert codex.relation_label("P30") == "continent"
    assert codex.relation_label("P19") == "place of birth"
    assert codex.functional_relations == {"P19"}  # the only declared-functional relation present
    assert codex.label("Q1860") == "English"
    assert codex.label("Q84") == "Q84"  # CoDEx entity labels are absent from the snapshot
    assert "Q515" in codex.types["Q84"]  # London is a city
    assert codex.objects("Q84", "P30") == {"Q46"}
    assert codex.has_triple("Q30", "P37", "Q1860") and not codex.has_triple("Q1860", "P37", "Q30")


def test_fb13_loader_keeps_positives_and_names_every_entity(fb13: KnowledgeGraph) -> None:
    rows = fb13_rows()
    assert fb13.num_triples == sum(row.label for row in rows) == 14
    assert all(fb13.has_triple(*row.triple) == row.label for row in rows)
    assert fb13.label("river_phoenix") == "River Phoenix"
    assert fb13.relation_label("cause_of_death") == "cause of death"
    assert {"skiing", "memoir"} <= set(fb13.entities)  # negative tails are known names, not in triples
    assert fb13.functional_relations == {"cause_of_death", "gender", "place_of_birth", "place_of_death"}


def test_verbalise_uses_templates_then_dashes(codex: KnowledgeGraph, fb13: KnowledgeGraph) -> None:
    assert fb13.verbalise(("river_phoenix", "cause_of_death", "heroin_overdose")) == (
        "The cause of death of River Phoenix was Heroin Overdose."
    )
    assert codex.verbalise(("Q30", "P37", "Q1860")) == "The official language of Q30 is English."
    bare = KnowledgeGraph(templates={})
    assert bare.verbalise(("Q84", "continent", "Q46")) == "Q84 — continent — Q46."


def test_paths_two_hops_in_both_directions(codex: KnowledgeGraph) -> None:
    forward = codex.paths("Q233529", "Q1860")
    assert forward == [(("Q233529", "P27", "Q30"), ("Q30", "P37", "Q1860"))]
    assert codex.paths("Q1860", "Q233529") == [(("Q30", "P37", "Q1860"), ("Q233529", "P27", "Q30"))]
    # Havel -> Czechoslovakia (citizen of, and its head of state) -> Czech: two paths
    havel = codex.paths("Q36233", "Q9056")
    assert {p[0] for p in havel} == {("Q36233", "P27", "Q33946"), ("Q33946", "P35", "Q36233")}
    assert codex.paths("Q233529", "Q1860", max_hops=1) == []
    assert codex.triples_between("Q33946", "Q36233") == [("Q33946", "P35", "Q36233"), ("Q36233", "P27", "Q33946")]
    assert codex.connected_within("Q233529", "Q1860") and not codex.connected_within("Q84", "Q9056")


def test_save_and_load_round_trip(tmp_path: Path, codex: KnowledgeGraph) -> None:
    codex.save(tmp_path / "g")
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["entities.jsonl", "relations.jsonl", "triples.jsonl"]
    again = KnowledgeGraph.load(tmp_path / "g")
    assert sorted(again.triples()) == sorted(codex.triples())
    assert again.labels == codex.labels and again.functional_relations == codex.functional_relations
    assert again.relation_labels == codex.relation_labels and again.types["Q84"] == codex.types["Q84"]


# -- file formats ------------------------------------------------------------------------------


def test_load_tsv_from_real_triples(tmp_path: Path) -> None:
    rows = [r for r in fb13_rows() if r.label]
    path = tmp_path / "fb13.tsv"
    path.write_text("# head\trelation\ttail\n" + "".join(f"{s}\t{r}\t{o}\n" for s, r, o, _ in rows))
    kg = load_tsv(path, functional_relations={"gender"})
    assert kg.num_triples == len(rows) and kg.functional_relations == {"gender"}
    assert kg.has_triple("andre-marie_ampere", "nationality", "france")
    swapped = tmp_path / "swapped.tsv"
    swapped.write_text("".join(f"{o}\t{s}\t{r}\n" for s, r, o, _ in rows))
    assert sorted(load_tsv(swapped, columns=(1, 2, 0)).triples()) == sorted(kg.triples())


def test_load_ntriples_with_labels_and_aliases(tmp_path: Path) -> None:
    triples = [tuple(line.split("\t")) for line in (CODEX / "train.txt").read_text().splitlines()]
    lines = [f"<{WD}{s}> <{WDT}{r}> <{WD}{o}> ." for s, r, o in triples]
    lines += [
        "# labels",
        f'<{WD}Q1860> {RDFS_LABEL} "English"@en .',
        f'<{WD}Q1860> {RDFS_LABEL} "anglais"@fr .',
        f'<{WD}Q1860> {SKOS_ALT} "English language"@en .',
        f'<{WDT}P37> {RDFS_LABEL} "official language"@en .',
        f'<{WD}Q84> <{WDT}P1448> "London \\"Londinium\\" \\u00e9"@en .',
    ]
    path = tmp_path / "codex.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kg = load_ntriples(path)
    assert kg.has_triple("Q30", "P37", "Q1860") and kg.num_triples == len(triples) + 1
    assert kg.label("Q1860") == "English" and kg.aliases["Q1860"] == {"English language"}
    assert kg.relation_label("P37") == "official language"
    assert kg.objects("Q84", "P1448") == {'London "Londinium" é'}
    assert "P37" not in kg  # a relation label does not create an entity


def test_load_jsonl_with_alias_field_and_file(tmp_path: Path, fb13: KnowledgeGraph) -> None:
    rows = [r for r in fb13_rows() if r.label]
    path = tmp_path / "fb13.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for s, r, o, _ in rows:
            record = {"subject": s, "relation": r, "object": o, "subject_label": fb13.label(s), "object_label": fb13.label(o)}
            if s == "fleiss_joseph_l":
                record["aliases"] = {s: ["Joseph L. Fleiss"]}
            out.write(json.dumps(record) + "\n")
    alias_file = tmp_path / "aliases.tsv"
    alias_file.write_text("denis_diderot\tDiderot\n")
    kg = load_jsonl(path, aliases=alias_file)
    assert kg.num_triples == len(rows)
    assert kg.label("fleiss_joseph_l") == "Fleiss Joseph L"
    assert kg.aliases["fleiss_joseph_l"] == {"Joseph L. Fleiss"}
    assert kg.aliases["denis_diderot"] == {"Diderot"}


def test_load_aliases_formats(tmp_path: Path) -> None:
    assert load_aliases(FB13 / "entity2text_capital.txt")["river_phoenix"] == ["River Phoenix"]
    (tmp_path / "a.json").write_text(json.dumps({"Q1860": {"label": "English", "aliases": ["English language"]}}))
    assert load_aliases(tmp_path / "a.json") == {"Q1860": ["English", "English language"]}
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "Q1860", "label": "English", "aliases": "English language"}))
    kg = KnowledgeGraph()
    assert load_aliases(tmp_path / "a.jsonl", kg) == {"Q1860": ["English", "English language"]}
    assert kg.label("Q1860") == "English" and kg.aliases["Q1860"] == {"English language"}


@pytest.mark.parametrize(
    ("name", "text", "loader", "line"),
    [
        ("bad.tsv", "Q84\tP30\tQ46\n\nQ84\tP17\n", load_tsv, 3),
        ("bad.nt", f"<{WD}Q84> <{WDT}P30> <{WD}Q46> .\n<{WD}Q84> <{WDT}P17> Q145 .\n", load_ntriples, 2),
        ("bad.jsonl", '{"subject": "Q84", "relation": "P30", "object": "Q46"}\n{"subject": "Q84"}\n', load_jsonl, 2),
        ("broken.jsonl", '{"subject": "Q84", "relation": "P30", "object": "Q46"}\n{not json\n', load_jsonl, 2),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, name: str, text: str, loader, line: int) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputFormatError, match=f"{name}:{line}:"):
        loader(path)


def test_missing_file_is_an_input_format_error(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="cannot read"):
        load_tsv(tmp_path / "absent.tsv")


# -- entity linking ----------------------------------------------------------------------------


def test_normalise_folds_case_accents_punctuation_and_articles() -> None:
    assert normalise("André-Marie  Ampère") == "andre marie ampere"
    assert normalise("The Humboldt University of Berlin") == "humboldt university of berlin"


def test_alias_linking(fb13: KnowledgeGraph) -> None:
    kg = load_fb13(FB13, files=("dev.tsv",))
    kg.add_alias("fleiss_joseph_l", "Joseph L. Fleiss")
    linker = EntityLinker(kg)
    text = "Joseph L. Fleiss worked as a statistician at the Humboldt University of Berlin."
    mentions = linker.link(text)
    assert [(m.entity_id, m.text) for m in mentions] == [
        ("fleiss_joseph_l", "Joseph L. Fleiss"),
        ("statistician", "statistician"),
        ("humboldt_university_of_berlin", "Humboldt University of Berlin"),
    ]
    assert all(text[m.start : m.end] == m.text and m.score == 1.0 for m in mentions)
    assert linker.lookup("andre marie AMPÈRE") == ["andre-marie_ampere"]


def test_fuzzy_linking_and_no_overlaps(fb13_linker: EntityLinker) -> None:
    mentions = fb13_linker.link("Eliot Nes died of pneumonia.")
    assert [m.entity_id for m in mentions] == ["eliot_ness", "pneumonia"]
    assert mentions[0].method == "fuzzy" and 0.9 <= mentions[0].score < 1.0
    # "France" inside a longer name is not linked on its own; spans never overlap
    spans = [(m.start, m.end) for m in fb13_linker.link("Andre-Marie Ampère, of France, is male.")]
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))
    assert len(spans) == 3


# -- verdicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("row", fb13_rows(), ids=lambda r: f"{r.subject}-{r.relation}-{r.object}")
def test_fb13_claims_supported_refuted_or_undecided(fb13: KnowledgeGraph, fb13_linker: EntityLinker, row) -> None:
    claim = fb13_claim(fb13, *row.triple)
    decision = kg_verdict(claim, fb13, fb13_linker)
    if row.label:
        assert decision.label == "supported", decision.reason
        assert decision.triples == [row.triple]
        top = decision.evidence[0]
        assert top.passage.id == f"kg:{row.subject}|{row.relation}|{row.object}" and top.score == 1.0
        assert top.source == "kg" and top.passage.text == fb13.verbalise(row.triple)
    elif row.relation in FB13_FUNCTIONAL:
        assert decision.label == "refuted", decision.reason
        assert decision.triples == [(row.subject, row.relation, o) for o in sorted(fb13.objects(row.subject, row.relation))]
        assert decision.evidence[0].passage.text == fb13.verbalise(decision.triples[0])
    else:  # a non-functional relation with another object: the graph cannot refute it
        assert decision.label is None
        assert "not functional" in decision.reason
        assert any(e.passage.text == fb13.verbalise((row.subject, row.relation, o))
                   for o in fb13.objects(row.subject, row.relation) for e in decision.evidence)


def test_undecided_without_relation_or_second_entity(fb13: KnowledgeGraph, fb13_linker: EntityLinker) -> None:
    no_relation = kg_verdict("River Phoenix and skiing.", fb13, fb13_linker)
    assert no_relation.label is None and "matches no relation" in no_relation.reason
    one_entity = kg_verdict("River Phoenix died of an unknown illness.", fb13, fb13_linker)
    assert one_entity.label is None and "1 entity linked" in one_entity.reason
    assert [e.passage.text for e in one_entity.evidence] == ["The cause of death of River Phoenix was Heroin Overdose."]


def test_two_hop_path_evidence(fb13: KnowledgeGraph, fb13_linker: EntityLinker) -> None:
    decision = kg_verdict("Andre-Marie Ampere and Denis Diderot", fb13, fb13_linker)
    assert decision.label is None
    path = next(e for e in decision.evidence if ";" in e.passage.id)
    assert path.score == 0.5
    assert path.passage.id == "kg:andre-marie_ampere|nationality|france;denis_diderot|nationality|france"
    assert path.passage.text == "The nationality of Andre-Marie Ampere is France. The nationality of Denis Diderot is France."


def test_codex_hard_negatives_and_functional_declaration(codex: KnowledgeGraph) -> None:
    valid = {r.triple: r.label for r in read_labelled_triples(CODEX / "valid.tsv")}
    assert decide_triple(codex, "Q84", "P30", "Q46").label == "supported"
    # London on Asia: an annotated hard negative; continent is refuted only once declared functional
    assert valid[("Q84", "P30", "Q48")] is False
    assert decide_triple(codex, "Q84", "P30", "Q48").label is None
    kg = load_codex(CODEX)
    kg.functional_relations.add("P30")
    refuted = decide_triple(kg, "Q84", "P30", "Q48")
    assert refuted.label == "refuted" and refuted.triples == [("Q84", "P30", "Q46")]
    # Havel as a citizen of Poland: citizenship is not functional, so no KG verdict
    assert valid[("Q36233", "P27", "Q36")] is False
    assert decide_triple(codex, "Q36233", "P27", "Q36").label is None
    # a true triple held out of train: no verdict, but the 2-hop path is evidence
    held_out = decide_triple(codex, "Q233529", "P1412", "Q1860")
    assert valid[("Q233529", "P1412", "Q1860")] is True and held_out.label is None
    assert [(e.passage.id, e.score) for e in held_out.evidence] == [("kg:Q233529|P27|Q30;Q30|P37|Q1860", 0.5)]


def test_functional_object_linked_to_the_true_one_is_not_refuted(codex: KnowledgeGraph) -> None:
    # Q5679 was born in London (Q84), which is in the United Kingdom (Q145): not a contradiction
    assert decide_triple(codex, "Q5679", "P19", "Q145").label is None
    assert decide_triple(codex, "Q5679", "P19", "Q30").label == "refuted"


def test_kg_verdicts_batch_matches_single(fb13: KnowledgeGraph, fb13_linker: EntityLinker) -> None:
    claims = [fb13_claim(fb13, *row.triple) for row in fb13_rows()[:6]]
    batch = kg_verdicts(claims, fb13, fb13_linker)
    assert [d.label for d in batch] == [kg_verdict(c, fb13, fb13_linker).label for c in claims]


# -- retriever ---------------------------------------------------------------------------------


def test_kg_retriever_fits_the_protocol_and_registry(fb13: KnowledgeGraph, fb13_linker: EntityLinker) -> None:
    retriever = KGRetriever(fb13, fb13_linker)
    assert isinstance(retriever, Retriever)
    found = retriever.search("Did River Phoenix die of a heroin overdose?", k=3)
    assert found[0].passage.text == "The cause of death of River Phoenix was Heroin Overdose."
    assert len(found) <= 3 and all(e.source == "kg" and e.passage.doc_id == "kg" for e in found)
    many = retriever.search_many(["Gang Lu died of suicide.", "Denis Diderot is a citizen of France."], k=2)
    assert [m[0].passage.id for m in many] == ["kg:gang_lu|cause_of_death|suicide", "kg:denis_diderot|nationality|france"]
    assert "kg" in available_retrievers()
    assert isinstance(get_retriever("kg", kg=fb13), KGRetriever)
