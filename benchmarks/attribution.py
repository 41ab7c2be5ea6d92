"""Benchmark attribution checking: claim vs cited reference, and ALCE citation recall/precision.

Run from the repository root::

    python benchmarks/attribution.py --limit 200 --json out.json

Part A, AttributionBench (`<data>/attributionbench/dev_sample.jsonl`): does the cited reference
support the claim? The claim alone is the hypothesis (the README's `claim` is "the answer/claim to
check"; the question is not prepended), with its `[n]` markers removed; the premise is the cited
reference(s) joined by newlines, ExpertQA's "[n] url" header line removed. Printed per source
dataset and pooled: n, share attributable, and for our verifier (calibrated P(supported) at
`--threshold`) and the lexical-overlap baseline, balanced accuracy and ROC-AUC.

Part B, real RAG answers with citations (`tests/data/rag_answers.jsonl`, derived from the same
sample's ExpertQA rows by `benchmarks/make_rag_answers.py`): `citation_scores` on every answer with
three judges, each as ALCE's entailment function: our verifier, the lexical baseline, and the human
labels ("gold": a sentence is supported iff annotated attributable, so every citation of an
attributable sentence counts as relevant). Printed: mean citation recall and precision over
answers, the agreement and balanced accuracy of the per-sentence "citation-supported" decision
with the human label (and its confusion counts, positive = supported), and the Pearson r of
per-answer recall with the human recall.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/attribution.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.make_rag_answers import read_rows, split_reference  # noqa: E402
from veracity.attribution import CitationScores, citation_scores, parse_citations  # noqa: E402
from veracity.errors import VeracityError  # noqa: E402
from veracity.evaluation.baselines import lexical_overlap  # noqa: E402
from veracity.evaluation.metrics import balanced_accuracy, roc_auc  # noqa: E402
from veracity.evaluation.pairs import read_jsonl  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
DEFAULT_RAG = REPO_ROOT / "tests" / "data" / "rag_answers.jsonl"
SEED = "20240917-bench-attribution"
Entails = Callable[[str, str], bool]


@dataclass(frozen=True)
class Example:
    """One AttributionBench row as a (premise, hypothesis, label) pair."""

    subset: str
    premise: str
    hypothesis: str
    label: int


@dataclass
class SubsetRow:
    """Part A metrics of the verifier and the lexical baseline on one subset."""

    subset: str
    n: int
    positives: float
    bacc: float
    auc: float | None
    lex_bacc: float
    lex_auc: float | None


@dataclass
class CitationRow:
    """Part B metrics of one judge over all answers.

    `confusion`: sentences decided supported and human-attributable, supported but not attributable,
    unsupported but attributable, unsupported and not attributable (None for the human labels).
    """

    judge: str
    recall: float
    precision: float
    agreement: float | None
    bacc: float | None
    recall_r: float | None
    confusion: tuple[int, int, int, int] | None  # sentences: (supported, not) x (attributable, not)


LEXICAL_THRESHOLD = 0.5  # the baseline's cut, as in benchmarks/verifier.py

class Verifier:
    """Our verifier as a scorer: calibrated P(supported), supported at or above `threshold`."""

    def __init__(self, model: str, threshold: float | None) -> None:
        from veracity.judges.nli import NLIJudge

        self.judge = NLIJudge(model)
        self.threshold = self.judge.threshold if threshold is None else threshold  # default: the model's tuned cut

    def probabilities(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[float]:
        """Calibrated P(supported) for each (premise, hypothesis) pair, in one batched pass."""
        return self.judge.p_supported(premises, hypotheses)

    def entails(self, premise: str, hypothesis: str) -> bool:
        """ALCE's entailment check with our verifier."""
        return self.probabilities([premise], [hypothesis])[0] >= self.threshold


def model_fingerprint(model: str) -> str:
    """The model name, with the first 12 hex digits of its weights' SHA-256 for our packaged verifier."""
    from veracity.verifier.model import DEFAULT_MODEL_DIR, WEIGHTS_FILE

    path = (DEFAULT_MODEL_DIR if model == "default" else Path(model)) / WEIGHTS_FILE
    if not path.is_file():
        return model
    return f"{model} (weights sha256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]})"


# -- Part A ----------------------------------------------------------------------------------------


def claim_text(claim: str, n_references: int) -> str:
    """The claim with its citation markers removed (the raw claim if nothing else is left)."""
    text = " ".join(s.text for s in parse_citations(claim, max(n_references, 1)))
    return text or claim.strip()


def load_examples(data: Path) -> list[Example]:
    """AttributionBench rows as examples: attributable -> 1, not attributable -> 0."""
    labels = {"attributable": 1, "not attributable": 0}
    examples = []
    for row in read_rows(data):
        if row["attribution_label"] not in labels:
            raise VeracityError(f"{row['id']}: unknown label {row['attribution_label']!r}")
        premise = "\n".join(text for _, _, text in map(split_reference, row["references"]) if text)
        examples.append(
            Example(
                subset=row["src_dataset"],
                premise=premise,
                hypothesis=claim_text(row["claim"], len(row["references"])),
                label=labels[row["attribution_label"]],
            )
        )
    return examples


def subsample(examples: list[Example], limit: int | None, seed: str = SEED) -> list[Example]:
    """A seeded random subset of at most `limit` examples, in file order."""
    if limit is None or len(examples) <= limit:
        return examples
    keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


def subset_row(name: str, labels: list[int], probs: list[float], lexical: list[float], threshold: float) -> SubsetRow:
    """Balanced accuracy at `threshold` and ROC-AUC of the verifier and the lexical baseline."""
    return SubsetRow(
        subset=name,
        n=len(labels),
        positives=sum(labels) / len(labels),
        bacc=balanced_accuracy(labels, [int(p >= threshold) for p in probs]),
        auc=roc_auc(labels, probs),
        lex_bacc=balanced_accuracy(labels, [int(s >= LEXICAL_THRESHOLD) for s in lexical]),
        lex_auc=roc_auc(labels, lexical),
    )


def part_a(examples: list[Example], verifier: Verifier, threshold: float) -> tuple[list[SubsetRow], float]:
    """Rows per subset (sorted by name), then the pooled row; and the seconds the verifier took."""
    start = time.perf_counter()
    probs = verifier.probabilities([e.premise for e in examples], [e.hypothesis for e in examples])
    elapsed = time.perf_counter() - start
    lexical = [lexical_overlap(e.premise, e.hypothesis) for e in examples]
    rows = []
    for name in sorted({e.subset for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.subset == name]
        labels = [examples[i].label for i in idx]
        rows.append(subset_row(name, labels, [probs[i] for i in idx], [lexical[i] for i in idx], threshold))
    rows.append(subset_row("all (pooled)", [e.label for e in examples], probs, lexical, threshold))
    return rows, elapsed


# -- Part B ----------------------------------------------------------------------------------------


def load_answers(path: Path) -> list[dict[str, Any]]:
    """The committed RAG answers (see `tests/data/README.md`)."""
    if not path.is_file():
        raise VeracityError(f"RAG answers not found: {path} (run benchmarks/make_rag_answers.py)")
    return list(read_jsonl(path))


def human_entails(answer: dict[str, Any]) -> Entails:
    """An `entails` that answers with the human label of the hypothesis sentence, whatever the premise."""
    parsed = parse_citations(answer["answer"], len(answer["passages"]))
    if len(parsed) != len(answer["sentences"]):
        raise VeracityError(f"{answer['id']}: {len(parsed)} parsed sentences but {len(answer['sentences'])} labels")
    gold: dict[str, bool] = {}
    for sentence, labelled in zip(parsed, answer["sentences"], strict=True):
        value = labelled["label"] == "attributable"
        if gold.setdefault(sentence.text, value) != value:
            raise VeracityError(f"{answer['id']}: one sentence text with two labels")
    return lambda premise, hypothesis: gold[hypothesis]


def lexical_entails(threshold: float) -> Entails:
    """The lexical baseline as an `entails`: overlap at or above `threshold`."""
    return lambda premise, hypothesis: lexical_overlap(premise, hypothesis) >= threshold


def score_answers(answers: list[dict[str, Any]], entails: Callable[[dict[str, Any]], Entails]) -> list[CitationScores]:
    """`citation_scores` of every answer, with the judge `entails(answer)` returns for it."""
    scores = []
    for answer in answers:
        result = citation_scores(answer["answer"], answer["passages"], entails=entails(answer))
        if len(result.sentences) != len(answer["sentences"]):
            raise VeracityError(f"{answer['id']}: scored sentences do not match the labelled ones")
        scores.append(result)
    return scores


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson correlation; None when either side is constant."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.size < 2 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def citation_row(
    judge: str, answers: list[dict[str, Any]], scores: list[CitationScores], gold: list[CitationScores] | None
) -> CitationRow:
    """Mean recall/precision over answers; per-sentence agreement with the human labels (None for gold)."""
    human = [int(s["label"] == "attributable") for a in answers for s in a["sentences"]]
    decided = [int(s.supported) for sc in scores for s in sc.sentences]
    return CitationRow(
        judge=judge,
        recall=float(np.mean([s.recall for s in scores])),
        precision=float(np.mean([s.precision for s in scores])),
        agreement=None if gold is None else float(np.mean([h == d for h, d in zip(human, decided, strict=True)])),
        bacc=None if gold is None else balanced_accuracy(human, decided),
        recall_r=None if gold is None else pearson([s.recall for s in scores], [g.recall for g in gold]),
        confusion=None if gold is None else _confusion(human, decided),
    )


def _confusion(human: list[int], decided: list[int]) -> tuple[int, int, int, int]:
    pairs = list(zip(decided, human, strict=True))
    return pairs.count((1, 1)), pairs.count((1, 0)), pairs.count((0, 1)), pairs.count((0, 0))


def part_b(answers: list[dict[str, Any]], verifier: Verifier, threshold: float) -> tuple[list[CitationRow], float]:
    """Rows for the verifier, the lexical baseline and the human labels; and the verifier's seconds."""
    gold = score_answers(answers, human_entails)
    start = time.perf_counter()
    model = score_answers(answers, lambda _: verifier.entails)
    elapsed = time.perf_counter() - start
    lexical = score_answers(answers, lambda _: lexical_entails(LEXICAL_THRESHOLD))
    rows = [
        citation_row("verifier", answers, model, gold),
        citation_row("lexical", answers, lexical, gold),
        citation_row("human labels", answers, gold, None),
    ]
    return rows, elapsed


# -- output ----------------------------------------------------------------------------------------


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def render_a(rows: Sequence[SubsetRow]) -> str:
    """Part A table; the last row is pooled over all subsets, followed by the unweighted mean."""
    head = f"{'subset':<20}{'n':>5}{'attr%':>7} | {'bacc':>6}{'auc':>7} | {'lex bacc':>9}{'lex auc':>8}"
    lines = [head, "-" * len(head)]

    def line(name: str, n: str, pos: str, vals: Sequence[float | None]) -> str:
        b, a, lb, la = (_fmt(v) for v in vals)
        return f"{name:<20}{n:>5}{pos:>7} | {b:>6}{a:>7} | {lb:>9}{la:>8}"

    subsets, pooled = rows[:-1], rows[-1]
    for r in subsets:
        lines.append(line(r.subset, str(r.n), f"{100 * r.positives:.1f}", (r.bacc, r.auc, r.lex_bacc, r.lex_auc)))
    lines.append("-" * len(head))
    r = pooled
    lines.append(line(r.subset, str(r.n), f"{100 * r.positives:.1f}", (r.bacc, r.auc, r.lex_bacc, r.lex_auc)))
    means = [_mean([getattr(s, k) for s in subsets]) for k in ("bacc", "auc", "lex_bacc", "lex_auc")]
    lines.append(line("mean of subsets", "", "", means))
    return "\n".join(lines)


def render_b(rows: Sequence[CitationRow]) -> str:
    """Part B table."""
    head = (
        f"{'judge':<14}{'cit. recall':>12}{'cit. prec':>11} | {'sent. agree':>12}{'sent. bacc':>11}"
        f"{'r(recall)':>10}{'TP/FP/FN/TN':>14}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        confusion = "-" if r.confusion is None else "/".join(map(str, r.confusion))
        lines.append(
            f"{r.judge:<14}{_fmt(r.recall):>12}{_fmt(r.precision):>11} | "
            f"{_fmt(r.agreement):>12}{_fmt(r.bacc):>11}{_fmt(r.recall_r):>10}{confusion:>14}"
        )
    return "\n".join(lines)


def _mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared dev sets root (default: %(default)s)")
    ap.add_argument("--rag", type=Path, default=DEFAULT_RAG, help="RAG answers JSONL (default: %(default)s)")
    ap.add_argument("--model", default="default", help="NLIJudge model name or path (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=None, help="AttributionBench rows, seeded sample (default: all)")
    ap.add_argument(
        "--threshold", type=float, default=None,
        help="calibrated P(supported) threshold of the verifier (default: the model's tuned threshold)",
    )
    ap.add_argument("--json", dest="json_out", type=Path, default=None, metavar="OUT", help="also write JSON")
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run both parts and print their tables."""
    args = parse_args(argv)
    try:
        all_examples = load_examples(args.data)
        examples = subsample(all_examples, args.limit)
        answers = load_answers(args.rag)
        verifier = Verifier(args.model, args.threshold)
        rows_a, seconds_a = part_a(examples, verifier, verifier.threshold)
        rows_b, seconds_b = part_b(answers, verifier, verifier.threshold)
    except (VeracityError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    model = model_fingerprint(args.model)
    n_sentences = sum(len(a["sentences"]) for a in answers)
    n_attributable = sum(s["label"] == "attributable" for a in answers for s in a["sentences"])
    print(
        f"verifier: {model}; supported when calibrated P(supported) >= {verifier.threshold:.3f}; "
        f"lexical overlap >= {LEXICAL_THRESHOLD}"
    )
    print(
        f"\nA. AttributionBench dev sample, claim vs cited reference(s): {len(examples)} of "
        f"{len(all_examples)} rows (seed {SEED!r}); verifier {seconds_a:.0f} s"
    )
    print(render_a(rows_a))
    print(
        f"\nB. RAG answers {args.rag.name}: {len(answers)} answers, {n_sentences} cited sentences "
        f"({n_attributable} attributable), {sum(len(a['passages']) for a in answers)} passages; "
        f"verifier {seconds_b:.0f} s"
    )
    print(render_b(rows_b))
    if args.json_out is not None:
        payload = {
            "model": model,
            "threshold": verifier.threshold,
            "limit": args.limit,
            "attributionbench": {"n": len(examples), "rows": [asdict(r) for r in rows_a], "seconds": seconds_a},
            "rag_answers": {
                "file": str(args.rag),
                "answers": len(answers),
                "sentences": n_sentences,
                "attributable": n_attributable,
                "rows": [asdict(r) for r in rows_b],
                "seconds": seconds_b,
            },
        }
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
