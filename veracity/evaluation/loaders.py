"""Per-dataset readers that turn the shared dev samples into :class:`ClaimEvidencePair` rows.

Every loader takes the root data folder (the one holding ``scifact/``, ``wice/``, ...)
and follows the label mapping of that folder's README: supported -> label 1, anything
else (refuted, not-enough-info, partial, conflicting) -> label 0.

Dev sets deliberately left out:

* ``factcheck_gpt``: the dev sample is in Factbench format (prompt, response, atomic
  claims, per-claim truth labels) and carries no evidence text per claim, so there is
  no premise to verify against (the claim-evidence stance subtask is not in the sample).
* ``halueval_general``: closed-book hallucination labels with no grounding document.
* Pairwise-preference and knowledge-graph sets: no claim/evidence pairs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError, VeracityError
from veracity.evaluation.pairs import ClaimEvidencePair, ThreeWay, dedupe, read_jsonl

__all__ = ["LOADERS", "DevsetNotFoundError", "Loader"]

Loader = Callable[[Path], list[ClaimEvidencePair]]


class DevsetNotFoundError(VeracityError, FileNotFoundError):
    """A dev-set folder or one of its files is missing."""


def _file(data_dir: Path, name: str, filename: str) -> Path:
    folder = Path(data_dir) / name
    if not folder.is_dir():
        raise DevsetNotFoundError(f"dev set {name!r} not found: no folder {folder}")
    path = folder / filename
    if not path.is_file():
        raise DevsetNotFoundError(f"dev set {name!r} is incomplete: missing {path}")
    return path


def _field(row: dict[str, Any], key: str, where: str) -> Any:
    try:
        return row[key]
    except KeyError:
        raise InputFormatError(f"{where}: record lacks field {key!r}") from None


def _mapped(
    label: str, mapping: dict[str, tuple[int, ThreeWay | None]], where: str
) -> tuple[int, ThreeWay | None]:
    try:
        return mapping[label]
    except KeyError:
        raise InputFormatError(f"{where}: unknown label {label!r}") from None


def _pairs(rows: Iterable[ClaimEvidencePair]) -> list[ClaimEvidencePair]:
    """Keep rows with non-blank text, then drop exact duplicates."""
    return dedupe(p for p in rows if p.premise.strip() and p.hypothesis.strip())


def _scifact_abstract(doc: dict[str, Any]) -> str:
    title = str(doc["title"]).strip()
    body = " ".join(s.strip() for s in doc["abstract"])
    if title and title[-1] not in ".?!":
        title += "."
    return f"{title} {body}".strip()


def load_scifact(data_dir: Path) -> list[ClaimEvidencePair]:
    """SciFact: one pair per (claim, cited abstract), labelled by that abstract's evidence.

    SUPPORT -> supported, CONTRADICT -> refuted, no rationale in the cited abstract ->
    not_enough_info. Premise = title + abstract sentences from ``corpus_subset.jsonl``.
    """
    claims_path = _file(data_dir, "scifact", "claims_train_sample.jsonl")
    corpus_path = _file(data_dir, "scifact", "corpus_subset.jsonl")
    corpus = {int(d["doc_id"]): _scifact_abstract(d) for d in read_jsonl(corpus_path)}
    out: list[ClaimEvidencePair] = []
    for claim in read_jsonl(claims_path):
        evidence: dict[str, list[dict[str, Any]]] = claim.get("evidence") or {}
        for doc_id in claim.get("cited_doc_ids") or []:
            if int(doc_id) not in corpus:
                raise InputFormatError(
                    f"{corpus_path}: cited abstract {doc_id} is missing"
                )
            labels = {r["label"] for r in evidence.get(str(doc_id), [])}
            if "SUPPORT" in labels and "CONTRADICT" in labels:
                continue  # contradictory rationales: no single gold label
            three: ThreeWay = (
                "supported"
                if "SUPPORT" in labels
                else "refuted"
                if "CONTRADICT" in labels
                else "not_enough_info"
            )
            out.append(
                ClaimEvidencePair(
                    premise=corpus[int(doc_id)],
                    hypothesis=claim["claim"],
                    label=int(three == "supported"),
                    dataset="scifact",
                    three_way=three,
                    group_id=str(claim["id"]),
                )
            )
    return _pairs(out)


_FEVER_3WAY: dict[str, tuple[int, ThreeWay | None]] = {
    "SUPPORTS": (1, "supported"),
    "REFUTES": (0, "refuted"),
    "NOT_ENOUGH_INFO": (0, "not_enough_info"),
}


def load_climate_fever(data_dir: Path) -> list[ClaimEvidencePair]:
    """CLIMATE-FEVER: one pair per (claim, evidence sentence) with its ``evidence_label``.

    Sentence-level labels are SUPPORTS/REFUTES/NOT_ENOUGH_INFO only; DISPUTED exists
    only at claim level, so those claims still contribute their evidence pairs.
    """
    path = _file(data_dir, "climate_fever", "climate-fever.dev_sample.jsonl")
    out: list[ClaimEvidencePair] = []
    for row in read_jsonl(path):
        for ev in _field(row, "evidences", str(path)):
            if ev["evidence_label"] not in _FEVER_3WAY:
                continue
            label, three = _FEVER_3WAY[ev["evidence_label"]]
            out.append(
                ClaimEvidencePair(
                    premise=ev["evidence"],
                    hypothesis=row["claim"],
                    label=label,
                    dataset="climate_fever",
                    three_way=three,
                    group_id=str(row["claim_id"]),
                )
            )
    return _pairs(out)


def load_healthver(data_dir: Path) -> list[ClaimEvidencePair]:
    """HealthVer: Supports -> supported, Refutes -> refuted, Neutral -> not_enough_info."""
    path = _file(data_dir, "healthver", "healthver_dev_sample.csv")
    mapping: dict[str, tuple[int, ThreeWay | None]] = {
        "Supports": (1, "supported"),
        "Refutes": (0, "refuted"),
        "Neutral": (0, "not_enough_info"),
    }
    out: list[ClaimEvidencePair] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label, three = _mapped(row["label"].strip(), mapping, str(path))
            out.append(
                ClaimEvidencePair(
                    row["evidence"], row["claim"], label, "healthver", three
                )
            )
    return _pairs(out)


def load_covidfact(data_dir: Path) -> list[ClaimEvidencePair]:
    """COVID-Fact: claim vs its evidence sentences joined; SUPPORTED/REFUTED."""
    path = _file(data_dir, "covidfact", "COVIDFACT_dataset.dev_sample.jsonl")
    mapping: dict[str, tuple[int, ThreeWay | None]] = {
        "SUPPORTED": (1, "supported"),
        "REFUTED": (0, "refuted"),
    }
    out: list[ClaimEvidencePair] = []
    for row in read_jsonl(path):
        label, three = _mapped(row["label"], mapping, str(path))
        premise = " ".join(s.strip() for s in row["evidence"] if s.strip())
        out.append(
            ClaimEvidencePair(
                premise,
                row["claim"],
                label,
                "covidfact",
                three,
                group_id=row.get("gold_source"),
            )
        )
    return _pairs(out)


_PTB_BRACKETS = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
}
_PTB_RE = re.compile("|".join(map(re.escape, _PTB_BRACKETS)))


def _unbracket(text: str) -> str:
    """Undo FEVER's PTB bracket escapes (``-LRB-`` -> ``(``); other spacing is kept."""
    return _PTB_RE.sub(lambda m: _PTB_BRACKETS[m.group(0)], text)


def load_fever_symmetric(data_dir: Path) -> list[ClaimEvidencePair]:
    """FEVER-Symmetric v0.2 dev: SUPPORTS -> supported, REFUTES -> refuted.

    ``group_id`` is the original FEVER id, shared by a pair and its symmetric edits.
    """
    path = _file(data_dir, "fever_symmetric", "fever_symmetric_v0.2_dev.sample.jsonl")
    out: list[ClaimEvidencePair] = []
    for row in read_jsonl(path):
        label, three = _mapped(row["label"], _FEVER_3WAY, str(path))
        rid = str(row["id"])
        base = (
            rid[:-7]
            if len(rid) > 7 and rid[-7:] in {"0000002", "0000003", "0000004"}
            else rid
        )
        out.append(
            ClaimEvidencePair(
                _unbracket(row["evidence"]),
                _unbracket(row["claim"]),
                label,
                "fever_symmetric",
                three,
                group_id=base,
            )
        )
    return _pairs(out)


def _joined(parts: list[str], separator: str) -> str:
    """The non-blank parts, stripped, joined by `separator`."""
    return separator.join(p.strip() for p in parts if p.strip())


def load_wice(data_dir: Path) -> list[ClaimEvidencePair]:
    """WiCE oracle chunks (claim level): supported -> 1; partially/not supported -> 0.

    WiCE does not separate contradicted from unsupported, so label-0 rows have no
    three-way label. Each claim has up to 3 rows (``group_id`` = claim id); the
    authors score a claim by the max over its rows.
    """
    path = _file(data_dir, "wice", "wice_oracle_chunks_claim_dev.sample.jsonl")
    mapping: dict[str, tuple[int, ThreeWay | None]] = {
        "supported": (1, "supported"),
        "partially_supported": (0, None),
        "not_supported": (0, None),
    }
    out: list[ClaimEvidencePair] = []
    for row in read_jsonl(path):
        label, three = _mapped(row["label"], mapping, str(path))
        premise = _joined(row["evidence"], " ")
        out.append(ClaimEvidencePair(premise, row["claim"], label, "wice", three, group_id=str(row["meta"]["id"])))
    return _pairs(out)


def load_begin(data_dir: Path) -> list[ClaimEvidencePair]:
    """BEGIN: response vs knowledge snippet. Fully attributable -> 1, Not fully -> 0.

    ``Generic`` responses (no factual content) are dropped. ``subset`` is the source
    corpus (wow, cmu, tc); ``tc`` (TopicalChat) is CDLA-Sharing 1.0, the rest CC BY 4.0.
    """
    path = _file(data_dir, "begin", "begin_dev.sample.jsonl")
    mapping: dict[str, tuple[int, ThreeWay | None]] = {
        "Fully attributable": (1, "supported"),
        "Not fully attributable": (0, None),
    }
    out: list[ClaimEvidencePair] = []
    for row in read_jsonl(path):
        if row["begin_label"] == "Generic":
            continue
        label, three = _mapped(row["begin_label"], mapping, str(path))
        out.append(
            ClaimEvidencePair(
                row["knowledge"],
                row["response"],
                label,
                "begin",
                three,
                subset=row["data_source"],
            )
        )
    return _pairs(out)


def load_attributionbench(data_dir: Path) -> list[ClaimEvidencePair]:
    """AttributionBench: claim vs its cited reference(s); attributable -> 1, else 0."""
    path = _file(data_dir, "attributionbench", "dev_sample.jsonl")
    mapping: dict[str, tuple[int, ThreeWay | None]] = {
        "attributable": (1, "supported"),
        "not attributable": (0, None),
    }
    out: list[ClaimEvidencePair] = []
    for row in read_jsonl(path):
        label, three = _mapped(row["attribution_label"], mapping, str(path))
        premise = _joined(row["references"], "\n")
        out.append(
            ClaimEvidencePair(premise, row["claim"], label, "attributionbench", three, subset=row.get("src_dataset"), group_id=row.get("id"))
        )
    return _pairs(out)


def load_qags(data_dir: Path) -> list[ClaimEvidencePair]:
    """QAGS (CNN/DM + XSum): summary sentence vs article; >= 2 of 3 "yes" votes -> 1."""
    out: list[ClaimEvidencePair] = []
    for subset in ("cnndm", "xsum"):
        path = _file(data_dir, "qags", f"mturk_{subset}.dev_sample.jsonl")
        for i, row in enumerate(read_jsonl(path)):
            for sent in row["summary_sentences"]:
                votes = [r["response"] for r in sent["responses"]]
                label = int(2 * sum(v == "yes" for v in votes) > len(votes))
                out.append(
                    ClaimEvidencePair(
                        row["article"],
                        sent["sentence"],
                        label,
                        "qags",
                        "supported" if label else None,
                        subset=subset,
                        group_id=f"{subset}-{row.get('qags_line', i)}",
                    )
                )
    return _pairs(out)


def _averitec_evidence(questions: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for q in questions:
        answers: list[str] = []
        for a in q.get("answers") or []:
            text = str(a.get("answer", "")).strip()
            if a.get("answer_type") == "Unanswerable" or not text:
                text = "No answer could be found."
            explanation = str(a.get("boolean_explanation") or "").strip()
            answers.append(f"{text} {explanation}".strip())
        parts.append(f"Q: {q['question'].strip()} A: {' '.join(answers)}")
    return "\n".join(parts)


def load_averitec(data_dir: Path) -> list[ClaimEvidencePair]:
    """AVeriTeC (CC BY-NC 4.0: benchmarks only, never copy into the repo).

    Premise = the annotators' question-answer evidence ("Q: ... A: ..." lines, Boolean
    answers with their explanation). Supported -> 1; Refuted, Not Enough Evidence and
    Conflicting Evidence/Cherrypicking -> 0 (conflicting has no three-way label).
    """
    path = _file(data_dir, "averitec", "averitec_dev.dev_sample.jsonl")
    mapping: dict[str, tuple[int, ThreeWay | None]] = {
        "Supported": (1, "supported"),
        "Refuted": (0, "refuted"),
        "Not Enough Evidence": (0, "not_enough_info"),
        "Conflicting Evidence/Cherrypicking": (0, None),
    }
    out: list[ClaimEvidencePair] = []
    for i, row in enumerate(read_jsonl(path)):
        label, three = _mapped(row["label"], mapping, str(path))
        out.append(
            ClaimEvidencePair(
                _averitec_evidence(row.get("questions") or []),
                row["claim"],
                label,
                "averitec",
                three,
                group_id=str(row.get("averitec_dev_index", i)),
            )
        )
    return _pairs(out)


_LOADERS: tuple[Loader, ...] = (
    load_scifact, load_climate_fever, load_healthver, load_covidfact, load_fever_symmetric,
    load_wice, load_begin, load_attributionbench, load_qags, load_averitec,
)
LOADERS: dict[str, Loader] = {fn.__name__.removeprefix("load_"): fn for fn in _LOADERS}
