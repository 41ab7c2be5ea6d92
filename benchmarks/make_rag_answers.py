"""Derive `tests/data/rag_answers.jsonl`: real RAG answers with `[n]` citations and human labels.

No dev set here ships whole cited answers with their passages, so this rebuilds them from the
AttributionBench dev sample (`../shared/data/attributionbench/dev_sample.jsonl`). Only its ExpertQA
rows are used: ExpertQA is MIT-licensed (AttributionBench itself is Apache-2.0 on Hugging Face),
its claims are sentences of a system's answer that keep their `[n]` markers, and each row's
reference is the cited passage, headed "[n] url". The other subsets are left out: Stanford-GenSearch
and LFQA state no licence, and AttributedQA answers are one sentence with one citation.

For every ExpertQA response with at least `--min-sentences` labelled rows:

* the labelled sentences, in their order in the response and with whitespace collapsed, one a line,
  make the answer (unlabelled sentences are left out: their passages are not in the data; a line
  break keeps two sentences apart where the splitter would join them, e.g. after `?[2]"` or before
  a lower-case word);
* the distinct cited passages (header line removed, URL kept apart), in order of first citation,
  make the passage list, and every `[n]` marker is renumbered to its 1-based place in that list;
* each sentence keeps its human label (`attributable` = its cited passages support it).

Run from the repository root (deterministic; a second run reproduces the file byte for byte)::

    python benchmarks/make_rag_answers.py --data ../shared/data --out tests/data/rag_answers.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/make_rag_answers.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from veracity.attribution import parse_citations  # noqa: E402
from veracity.evaluation.pairs import read_jsonl  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
DEFAULT_OUT = REPO_ROOT / "tests" / "data" / "rag_answers.jsonl"
SOURCE = "ExpertQA"
LABELS = ("attributable", "not attributable")
_HEADER = re.compile(r"\[(\d+)\] (\S*)\n\n")
_MARKER = re.compile(r"\[(\d+)\]")


def split_reference(reference: str) -> tuple[str | None, str | None, str]:
    """(marker number, URL, text) of an ExpertQA reference "[n] url\\n\\ntext"; (None, None, text) if unheaded."""
    match = _HEADER.match(reference)
    if match is None:
        return None, None, reference.strip()
    return match.group(1), match.group(2) or None, reference[match.end() :].strip()


def read_rows(data: Path) -> list[dict[str, Any]]:
    """The AttributionBench dev sample's rows, in file order."""
    path = data / "attributionbench" / "dev_sample.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"AttributionBench dev sample not found: {path}")
    return list(read_jsonl(path))


def build_answers(rows: Iterable[dict[str, Any]], min_sentences: int = 2) -> list[dict[str, Any]]:
    """One record per ExpertQA response with at least `min_sentences` labelled sentences."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["src_dataset"] == SOURCE:
            groups[row["response"]].append(row)
    answers = [_answer(response, members) for response, members in groups.items() if len(members) >= min_sentences]
    return sorted(answers, key=lambda a: a["id"])


def _answer(response: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: (response.find(r["claim"]), r["id"]))
    passages: list[dict[str, Any]] = []
    place: dict[tuple[str, str], int] = {}  # (original marker, passage text) -> 1-based place
    sentences: list[dict[str, Any]] = []
    for row in rows:
        if row["attribution_label"] not in LABELS:
            raise ValueError(f"{row['id']}: unknown label {row['attribution_label']!r}")
        renumber: dict[str, int] = {}
        for reference in row["references"]:
            number, url, text = split_reference(reference)
            if number is None:
                raise ValueError(f"{row['id']}: reference without an '[n] url' header")
            key = (number, text)
            if key not in place:
                passages.append({"url": url, "text": text})
                place[key] = len(passages)
            renumber[number] = place[key]
        claim = " ".join(row["claim"].split())
        text = _MARKER.sub(lambda m: f"[{renumber[m.group(1)]}]", claim)
        sentences.append(
            {
                "text": text,
                "citations": sorted({renumber[n] - 1 for n in _MARKER.findall(claim)}),
                "label": row["attribution_label"],
                "source_id": row["id"],
            }
        )
    answer = "\n".join(s["text"] for s in sentences)
    _check_alignment(answer, sentences, len(passages))
    digest = hashlib.sha1(response.encode("utf-8")).hexdigest()[:10]
    return {
        "id": f"expertqa-{digest}",
        "source": SOURCE,
        "question": rows[0]["question"],
        "answer": answer,
        "passages": passages,
        "sentences": sentences,
    }


def _check_alignment(answer: str, sentences: list[dict[str, Any]], n_passages: int) -> None:
    """Each labelled sentence must parse as exactly one cited sentence of the answer."""
    parsed = parse_citations(answer, n_passages)
    if len(parsed) != len(sentences) or any(
        sorted(p.citations) != s["citations"] or p.out_of_range for p, s in zip(parsed, sentences, strict=True)
    ):
        raise ValueError(f"sentences of {sentences[0]['source_id']} do not parse one to one: {answer!r}")


def write_jsonl(records: Sequence[dict[str, Any]], out: Path) -> None:
    """Write one JSON object per line (UTF-8, keys in insertion order)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Build the answers and write them; print a one-line summary."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared dev sets root (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output JSONL (default: %(default)s)")
    ap.add_argument("--min-sentences", type=int, default=2, help="labelled sentences an answer needs (default: 2)")
    args = ap.parse_args(argv)
    answers = build_answers(read_rows(args.data), args.min_sentences)
    write_jsonl(answers, args.out)
    n_sentences = sum(len(a["sentences"]) for a in answers)
    n_attributable = sum(s["label"] == "attributable" for a in answers for s in a["sentences"])
    print(
        f"{len(answers)} answers, {n_sentences} sentences ({n_attributable} attributable), "
        f"{sum(len(a['passages']) for a in answers)} passages -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
