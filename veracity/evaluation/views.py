"""Other views of the claim/evidence dev sets: the same claims against other evidence units.

A user's evidence is rarely cut the way a dev set's default loader cuts it (`loaders.py`). Each view
re-reads one set's files and pairs its claims with another evidence unit that the source's annotations
still label: a single rationale sentence, the union of a claim's chunks, a document with the deciding
sentences deleted, and so on. Views keep the set's `dataset` name and claim `group_id`, so
`veracity.evaluation.splits` puts a claim in the same half in every view (the shipped calibration, fitted
on the calibration half, never sees an evaluation-half claim in any view).

Random choices (a distractor sentence) are seeded per claim: a view is the same on every run.
Sets without a view: COVID-Fact (every claim already comes with its counter-claims and one evidence
list; single sentences carry no label), BEGIN (one knowledge snippet per response), AVeriTeC (one
question-answer evidence per claim).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veracity.errors import VeracityError
from veracity.evaluation.loaders import (
    _FEVER_3WAY,
    _file,
    _pairs,
    _scifact_abstract,
    _unbracket,
    load_fever_symmetric,
)
from veracity.evaluation.pairs import ClaimEvidencePair, ThreeWay, read_jsonl

__all__ = ["VIEWS", "load_view", "view_names"]

ViewLoader = Callable[[Path], list[ClaimEvidencePair]]
SEED = "20261203-views"


def _rng(*key: object) -> random.Random:
    return random.Random("\x1f".join([SEED, *map(str, key)]))


def _join(sentences: list[str]) -> str:
    return " ".join(s.strip() for s in sentences if s.strip())


# -- SciFact ------------------------------------------------------------------------------------


def _scifact_rows(data_dir: Path) -> list[tuple[dict[str, Any], int, dict[str, Any], ThreeWay, list[int]]]:
    """(claim, doc id, doc, three-way label, rationale sentence indices) per cited abstract."""
    claims_path = _file(data_dir, "scifact", "claims_train_sample.jsonl")
    corpus_path = _file(data_dir, "scifact", "corpus_subset.jsonl")
    corpus = {int(d["doc_id"]): d for d in read_jsonl(corpus_path)}
    rows = []
    for claim in read_jsonl(claims_path):
        evidence = claim.get("evidence") or {}
        for doc_id in claim.get("cited_doc_ids") or []:
            doc = corpus.get(int(doc_id))
            if doc is None:
                raise VeracityError(f"{corpus_path}: cited abstract {doc_id} is missing")
            sets = evidence.get(str(doc_id), [])
            labels = {r["label"] for r in sets}
            if len(labels) > 1:
                continue
            three: ThreeWay = "supported" if "SUPPORT" in labels else "refuted" if labels else "not_enough_info"
            rationale = sorted({i for r in sets for i in r["sentences"]})
            rows.append((claim, int(doc_id), doc, three, rationale))
    return rows


def _pair(premise: str, claim: str, three: ThreeWay, dataset: str, group: str, subset: str | None = None) -> ClaimEvidencePair:
    return ClaimEvidencePair(premise, claim, int(three == "supported"), dataset, three, subset, group)


def scifact_rationale(data_dir: Path) -> list[ClaimEvidencePair]:
    """Claim vs its rationale sentences in one cited abstract (all rationale sets, abstract order).

    Not-enough-info claims: a seeded run of 1-2 consecutive sentences of the cited abstract.
    """
    out = []
    for claim, doc_id, doc, three, rationale in _scifact_rows(data_dir):
        sents: list[str] = doc["abstract"]
        if not sents:
            continue
        if rationale:
            premise = _join([sents[i] for i in rationale if i < len(sents)])
        else:
            start = _rng("scifact.rationale", claim["id"], doc_id).randrange(len(sents))
            premise = _join(sents[start : start + 2])
        out.append(_pair(premise, claim["claim"], three, "scifact", str(claim["id"])))
    return _pairs(out)


def scifact_sentence(data_dir: Path) -> list[ClaimEvidencePair]:
    """Claim vs ONE sentence of the cited abstract.

    A one-sentence rationale set keeps the claim's label; a non-rationale sentence of the same abstract
    (seeded) is not-enough-info, as is a sentence of an abstract with no rationale. Rationales of two or
    more sentences are skipped (one of them alone carries no label).
    """
    out = []
    for claim, doc_id, doc, three, rationale in _scifact_rows(data_dir):
        sents: list[str] = doc["abstract"]
        rng = _rng("scifact.sentence", claim["id"], doc_id)
        sets = (claim.get("evidence") or {}).get(str(doc_id), [])
        singles = sorted({r["sentences"][0] for r in sets if len(r["sentences"]) == 1 and r["sentences"][0] < len(sents)})
        if singles:
            out.append(_pair(sents[rng.choice(singles)], claim["claim"], three, "scifact", str(claim["id"])))
        others = [i for i in range(len(sents)) if i not in rationale]
        if others:
            out.append(_pair(sents[rng.choice(others)], claim["claim"], "not_enough_info", "scifact", str(claim["id"])))
    return _pairs(out)


def scifact_deletion(data_dir: Path) -> list[ClaimEvidencePair]:
    """Minimal pairs: a supporting abstract whole (supported) and with its rationale sentences deleted
    (not-enough-info)."""
    out = []
    for claim, _doc_id, doc, three, rationale in _scifact_rows(data_dir):
        if three != "supported":
            continue
        kept = {**doc, "abstract": [s for i, s in enumerate(doc["abstract"]) if i not in rationale]}
        if not kept["abstract"]:
            continue
        out.append(_pair(_scifact_abstract(doc), claim["claim"], "supported", "scifact", str(claim["id"])))
        out.append(_pair(_scifact_abstract(kept), claim["claim"], "not_enough_info", "scifact", str(claim["id"])))
    return _pairs(out)


# -- WiCE ---------------------------------------------------------------------------------------

_WICE_LABEL: dict[str, int] = {"supported": 1, "partially_supported": 0, "not_supported": 0}


def _wice_rows(data_dir: Path) -> list[dict[str, Any]]:
    path = _file(data_dir, "wice", "wice_oracle_chunks_claim_dev.sample.jsonl")
    rows = list(read_jsonl(path))
    for row in rows:
        if row["label"] not in _WICE_LABEL:
            raise VeracityError(f"{path}: unknown label {row['label']!r}")
    return rows


def _wice_pair(premise: str, row: dict[str, Any], label: int) -> ClaimEvidencePair:
    return ClaimEvidencePair(
        premise, row["claim"], label, "wice", "supported" if label else None, group_id=str(row["meta"]["id"])
    )


def wice_oracle(data_dir: Path) -> list[ClaimEvidencePair]:
    """Claim vs only the annotator's supporting sentences of one chunk (no distractors).

    Supported rows stay supported; partially supported rows, whose marked sentences cover only part of
    the claim, stay not supported: a completeness test. Not-supported rows mark no sentence and are left out.
    """
    out = []
    for row in _wice_rows(data_dir):
        meta = row["meta"]
        oracle = set(meta.get("oracle_idx") or [])
        if not oracle:
            continue
        sents = [s for i, s in zip(meta["chunk_idx"], row["evidence"], strict=False) if i in oracle]
        out.append(_wice_pair(_join(sents), row, _WICE_LABEL[row["label"]]))
    return _pairs(out)


def wice_claim(data_dir: Path) -> list[ClaimEvidencePair]:
    """One pair per claim: the union of its (up to three) annotator chunks, in page order."""
    by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _wice_rows(data_dir):
        by_claim[str(row["meta"]["id"])].append(row)
    out = []
    for rows in by_claim.values():
        sentences = {i: s for row in rows for i, s in zip(row["meta"]["chunk_idx"], row["evidence"], strict=False)}
        label = min(_WICE_LABEL[r["label"]] for r in rows)
        out.append(_wice_pair(_join([sentences[i] for i in sorted(sentences)]), rows[0], label))
    return _pairs(out)


def wice_deletion(data_dir: Path) -> list[ClaimEvidencePair]:
    """Minimal pairs from supported chunks: the chunk (supported) and the chunk without the annotator's
    supporting sentences (not supported)."""
    out = []
    for row in _wice_rows(data_dir):
        oracle = set(row["meta"].get("oracle_idx") or [])
        if row["label"] != "supported" or not oracle:
            continue
        pairs = list(zip(row["meta"]["chunk_idx"], row["evidence"], strict=False))
        rest = [s for i, s in pairs if i not in oracle]
        if not _join(rest):
            continue
        out.append(_wice_pair(_join([s for _, s in pairs]), row, 1))
        out.append(_wice_pair(_join(rest), row, 0))
    return _pairs(out)


# -- Climate-FEVER ------------------------------------------------------------------------------


def _climate_rows(data_dir: Path) -> list[dict[str, Any]]:
    return list(read_jsonl(_file(data_dir, "climate_fever", "climate-fever.dev_sample.jsonl")))


def climate_fever_claim(data_dir: Path) -> list[ClaimEvidencePair]:
    """Claim vs all five evidence sentences together, with the claim-level label (DISPUTED left out)."""
    out = []
    for row in _climate_rows(data_dir):
        if row["claim_label"] not in _FEVER_3WAY:
            continue
        label, three = _FEVER_3WAY[row["claim_label"]]
        premise = _join([ev["evidence"] for ev in row["evidences"]])
        out.append(ClaimEvidencePair(premise, row["claim"], label, "climate_fever", three, group_id=str(row["claim_id"])))
    return _pairs(out)


def climate_fever_decisive(data_dir: Path) -> list[ClaimEvidencePair]:
    """Claim vs one evidence sentence, only sentences labelled SUPPORTS or REFUTES: support vs contradiction."""
    out = []
    for row in _climate_rows(data_dir):
        for ev in row["evidences"]:
            if ev["evidence_label"] in ("SUPPORTS", "REFUTES"):
                label, three = _FEVER_3WAY[ev["evidence_label"]]
                out.append(ClaimEvidencePair(ev["evidence"], row["claim"], label, "climate_fever", three, group_id=str(row["claim_id"])))
    return _pairs(out)


# -- HealthVer, FEVER-Symmetric, QAGS, AttributionBench -----------------------------------------


def healthver_decisive(data_dir: Path) -> list[ClaimEvidencePair]:
    """Supports vs Refutes rows only (Neutral left out): does the model tell support from contradiction?"""
    path = _file(data_dir, "healthver", "healthver_dev_sample.csv")
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = row["label"].strip()
            if label in ("Supports", "Refutes"):
                three: ThreeWay = "supported" if label == "Supports" else "refuted"
                out.append(ClaimEvidencePair(row["evidence"], row["claim"], int(label == "Supports"), "healthver", three))
    return _pairs(out)


def _fever_subset(data_dir: Path, edited: bool) -> list[ClaimEvidencePair]:
    path = _file(data_dir, "fever_symmetric", "fever_symmetric_v0.2_dev.sample.jsonl")
    edited_texts = set()
    for row in read_jsonl(path):
        rid = str(row["id"])
        if len(rid) > 7 and rid[-7:] in {"0000002", "0000003", "0000004"}:
            edited_texts.add((_unbracket(row["evidence"]), _unbracket(row["claim"])))
    return [p for p in load_fever_symmetric(data_dir) if ((p.premise, p.hypothesis) in edited_texts) == edited]


def fever_symmetric_original(data_dir: Path) -> list[ClaimEvidencePair]:
    """The original FEVER (claim, evidence) pairs only."""
    return _fever_subset(data_dir, edited=False)


def fever_symmetric_edited(data_dir: Path) -> list[ClaimEvidencePair]:
    """The annotator-edited symmetric counterparts only (minimal edits that flip the label)."""
    return _fever_subset(data_dir, edited=True)


def qags_summary(data_dir: Path) -> list[ClaimEvidencePair]:
    """Whole summary vs its article: consistent only if the majority says every sentence is (QAGS convention)."""
    out = []
    for subset in ("cnndm", "xsum"):
        path = _file(data_dir, "qags", f"mturk_{subset}.dev_sample.jsonl")
        for i, row in enumerate(read_jsonl(path)):
            sents = row["summary_sentences"]
            ok = [2 * sum(r["response"] == "yes" for r in s["responses"]) > len(s["responses"]) for s in sents]
            label = int(all(ok))
            out.append(
                ClaimEvidencePair(
                    row["article"], _join([s["sentence"] for s in sents]), label, "qags",
                    "supported" if label else None, subset, f"{subset}-{row.get('qags_line', i)}",
                )
            )
    return _pairs(out)


def attributionbench_question(data_dir: Path) -> list[ClaimEvidencePair]:
    """The claim read as the answer to its question ("question answer"), as AttributionBench's own inputs do."""
    path = _file(data_dir, "attributionbench", "dev_sample.jsonl")
    out = []
    for row in read_jsonl(path):
        label = int(row["attribution_label"] == "attributable")
        premise = "\n".join(r.strip() for r in row["references"] if r.strip())
        question = str(row.get("question") or "").strip()
        hypothesis = f"{question} {row['claim']}".strip()
        out.append(
            ClaimEvidencePair(
                premise, hypothesis, label, "attributionbench", "supported" if label else None,
                row.get("src_dataset"), row.get("id"),
            )
        )
    return _pairs(out)


_VIEW_LOADERS: tuple[ViewLoader, ...] = (
    scifact_rationale, scifact_sentence, scifact_deletion, wice_oracle, wice_claim, wice_deletion,
    climate_fever_claim, climate_fever_decisive, healthver_decisive, fever_symmetric_original,
    fever_symmetric_edited, qags_summary, attributionbench_question,
)
VIEWS: dict[str, ViewLoader] = {".".join(fn.__name__.rsplit("_", 1)): fn for fn in _VIEW_LOADERS}
"""View name (``<dev set>.<view>``) -> loader taking the root data folder."""


def view_names(sets: list[str] | None = None) -> list[str]:
    """All view names, or those of the given dev sets, in registry order."""
    return [v for v in VIEWS if sets is None or v.split(".", 1)[0] in sets]


def load_view(name: str, data_dir: Path | str) -> list[ClaimEvidencePair]:
    """Load one view; :class:`VeracityError` for an unknown name, `DevsetNotFoundError` for missing files."""
    try:
        loader = VIEWS[name]
    except KeyError:
        raise VeracityError(f"unknown view {name!r}; known: {', '.join(VIEWS)}") from None
    return loader(Path(data_dir))
