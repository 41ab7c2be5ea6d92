"""Cut the knowledge-graph test fixture from the shared CoDEx-S and FB13 dev samples.

    python tests/data/kg/cut_fixture.py [../shared/data]

Deterministic: fixed lists of entities and (head, relation) groups, no sampling.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data"

# CoDEx-S train triples kept: London's continent and countries, the 2-hop paths behind two valid
# positives (a US citizen speaking English; Vaclav Havel speaking Czech), Havel's citizenship,
# Madonna's spouse, and a birthplace/deathplace pair.
CODEX_TRAIN = [
    ("Q84", "P30", "Q46"),
    ("Q84", "P17", "Q145"),
    ("Q233529", "P27", "Q30"),
    ("Q30", "P37", "Q1860"),
    ("Q36233", "P27", "Q33946"),
    ("Q33946", "P37", "Q9056"),
    ("Q33946", "P35", "Q36233"),
    ("Q1744", "P26", "Q44221"),
    ("Q1744", "P27", "Q145"),
    ("Q5679", "P19", "Q84"),
]
# Labelled CoDEx-S validation triples: (triple, file it comes from).
CODEX_VALID = [
    (("Q233529", "P1412", "Q1860"), "valid.sample150.txt"),
    (("Q36233", "P1412", "Q9056"), "valid.sample150.txt"),
    (("Q84", "P30", "Q48"), "valid_negatives.sample150.txt"),
    (("Q36233", "P27", "Q36"), "valid_negatives.sample150.txt"),
    (("Q1744", "P26", "Q1345514"), "valid_negatives.sample150.txt"),
]
# FB13 (head, relation) groups kept with all their dev_sample rows.
FB13_GROUPS = [
    ("river_phoenix", "cause_of_death"),
    ("gang_lu", "cause_of_death"),
    ("eliot_ness", "cause_of_death"),
    ("howard_k_smith", "cause_of_death"),
    ("michiel_jansz_van_mierevelt", "gender"),
    ("charles_j_guiteau", "gender"),
    ("herb_lubalin", "gender"),
    ("andre-marie_ampere", "nationality"),
    ("henri_charriere", "nationality"),
    ("denis_diderot", "nationality"),
    ("fleiss_joseph_l", "profession"),
    ("francis_kernan", "profession"),
    ("heinrich_burkhardt", "institution"),
    ("andrew_gregg_curtin", "religion"),
]


def _lines(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cut_codex(out: Path) -> None:
    src = SHARED / "codex_s"
    train = {tuple(row) for row in _lines(src / "train.txt")}
    missing = [t for t in CODEX_TRAIN if t not in train]
    assert not missing, missing
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.txt").write_text("".join("\t".join(t) + "\n" for t in CODEX_TRAIN), encoding="utf-8")
    rows = []
    for triple, name in CODEX_VALID:
        assert triple in {tuple(r) for r in _lines(src / name)}, (triple, name)
        rows.append("\t".join((*triple, "-1" if "negatives" in name else "1")) + "\n")
    (out / "valid.tsv").write_text("".join(rows), encoding="utf-8")
    entities = {e for t in CODEX_TRAIN + [t for t, _ in CODEX_VALID] for e in (t[0], t[2])}
    relations = {t[1] for t in CODEX_TRAIN + [t for t, _ in CODEX_VALID]}
    rel = json.loads((src / "relations_en.json").read_text(encoding="utf-8"))
    _dump(out / "relations_en.json", {r: rel[r] for r in sorted(relations)})
    e2t = json.loads((src / "entity2types.codex-s.json").read_text(encoding="utf-8"))
    kept_types = {e: e2t[e] for e in sorted(entities) if e in e2t}
    _dump(out / "entity2types.codex-s.json", kept_types)
    types = json.loads((src / "types_en.codex-s.json").read_text(encoding="utf-8"))
    wanted = {t for listed in kept_types.values() for t in listed} | entities
    _dump(out / "types_en.codex-s.json", {t: {"label": types[t]["label"]} for t in sorted(wanted) if t in types})


def cut_fb13(out: Path) -> None:
    src = SHARED / "fb13_triples"
    groups = set(FB13_GROUPS)
    rows = [row for row in _lines(src / "dev_sample.tsv") if (row[0], row[1]) in groups]
    assert {(r[0], r[1]) for r in rows} == groups
    out.mkdir(parents=True, exist_ok=True)
    (out / "dev.tsv").write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    entities = {e for r in rows for e in (r[0], r[2])}
    names = [r for r in _lines(src / "entity2text_capital.subset.txt") if r[0] in entities]
    assert len(names) == len(entities)
    (out / "entity2text_capital.txt").write_text("".join("\t".join(r) + "\n" for r in names), encoding="utf-8")
    (out / "relation2text.txt").write_text((src / "relation2text.txt").read_text(encoding="utf-8"), encoding="utf-8")


def _dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    cut_codex(HERE / "codex_s")
    cut_fb13(HERE / "fb13")
