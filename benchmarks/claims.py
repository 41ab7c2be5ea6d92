"""Claim extraction against people's decompositions, beside sentence and clause baselines.

Run from the repository root::

    python benchmarks/claims.py [--data ../shared/data] [--extractor spacy] [--curve] [--json out.json]
    python benchmarks/claims.py --extractor llm:gpt-4o-mini     # any extractor spec, unchanged

Gold (``--data/factcheck_gpt``, Factbench format; one file, 50 responses):

* ``atomic``: the FacTool-QA responses, split by annotators into atomic claims (10 responses, 47
  claims); ``segments``: the FELM-WK responses with their annotators' segments (40 responses; a
  coarser unit, about one sentence each).
* Each set is split in two halves by a hash of the prompt (``fit``: the half whose errors were read
  while writing the rules; ``held``: the other half) and reported on both halves and the whole.

Metrics, per method:

* claim ``P/R/F1``: a predicted claim matches a gold claim when their token F1 (lower-cased word
  tokens) is at least 0.6; matching is one-to-one, greedy by descending token F1.
* ``per_sent``: claims per claim-bearing sentence (sentences, split by spaCy, with at least one gold
  claim; a gold claim belongs to the sentence holding most of its words), beside the gold figure.
* ``ncw_yield``: share of not-check-worthy sentences that yield a claim, on the hand-labelled
  ``tests/data/claims_checkworthy.jsonl`` (real LLM sentences; see ``tests/data/README.md``).
* ``pronoun_acc``: accuracy on the hand-labelled ``tests/data/claims_pronouns.jsonl``: the claims
  from the last sentence must name the labelled antecedent (or, for a non-referential or
  unresolvable pronoun, must not be given a wrong one).
* ``claims/s``: claims per second of extraction over all 50 responses (spaCy parsing included, its
  cache cleared, after a warm-up), the median of ``--repeats`` runs (3) for the baselines and the
  extractor under test; the ``--curve`` rows reuse cached parses and are not timed. On a loaded
  machine it is a lower bound;
  ``cpu claims/s`` divides by the process's CPU time instead (all its threads), which load does not
  inflate as much.

Methods: ``sentence`` (each spaCy sentence is one claim), ``clause`` (sentences cut at ``;``, ``:``
and at a comma before and/but/which/who/while/whereas), and the extractor under test. With
``--curve`` the spaCy extractor is also run with its rules added one at a time, to show what each bought.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/claims.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from veracity.claims import extract_claims_and_skipped, get_extractor  # noqa: E402
from veracity.claims.spacy_extractor import RULES, SpacyClaimExtractor  # noqa: E402
from veracity.claims.spacy_nlp import load_nlp  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
TESTS_DATA = REPO_ROOT / "tests" / "data"
FACTBENCH = "factcheck_gpt/factbench_felm-wk_factool-qa.dev_sample.jsonl"
MATCH_F1 = 0.6
_WORD = re.compile(r"\w+")
_CLAUSE_CUT = re.compile(r"\s*[;:]\s+|,\s+(?=(?:and|but|which|who|while|whereas)\b)", re.IGNORECASE)

Extract = Callable[[str], list[str]]
FALLBACKS: list[str] = []  # why an LLM extractor's fallback ran, one entry per text


@dataclass(frozen=True)
class Response:
    id: str
    text: str
    gold: list[str]
    half: str  # "fit" or "held"


def load_factbench(data: Path) -> dict[str, list[Response]]:
    """{"atomic": FacTool-QA responses, "segments": FELM-WK responses}, each with its gold claims."""
    sets: dict[str, list[Response]] = {"atomic": [], "segments": []}
    with (data / FACTBENCH).open(encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            row = json.loads(line)
            if not (row.get("response") or "").strip():
                continue
            name = "atomic" if row["source"] == "factool-qa" else "segments"
            half = "fit" if int(hashlib.sha1(row["prompt"].encode()).hexdigest(), 16) % 2 == 0 else "held"
            gold = [c.strip() for c in row["claims"] if c and c.strip()]
            sets[name].append(Response(f"{row['source']}-{n}", row["response"], gold, half))
    return sets


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def token_f1(a: Sequence[str], b: Sequence[str]) -> float:
    common: dict[str, int] = {}
    counts_b: dict[str, int] = {}
    for w in b:
        counts_b[w] = counts_b.get(w, 0) + 1
    overlap = 0
    for w in a:
        if common.get(w, 0) < counts_b.get(w, 0):
            common[w] = common.get(w, 0) + 1
            overlap += 1
    if not overlap:
        return 0.0
    p, r = overlap / len(a), overlap / len(b)
    return 2 * p * r / (p + r)


def match(pred: Sequence[str], gold: Sequence[str]) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs with token F1 >= 0.6, greedy by descending F1."""
    pw, gw = [words(p) for p in pred], [words(g) for g in gold]
    scored = sorted(((token_f1(p, g), i, j) for i, p in enumerate(pw) for j, g in enumerate(gw) if p and g), reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for f1, i, j in scored:
        if f1 < MATCH_F1:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return pairs


@functools.lru_cache(maxsize=4096)
def sentences(text: str) -> list[tuple[int, int]]:
    doc = load_nlp()(text)
    return [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]


def home(claim: str, text: str, sents: list[tuple[int, int]]) -> int:
    """Index of the sentence holding most of `claim`'s words."""
    want = set(words(claim))
    return max(range(len(sents)), key=lambda k: (len(want & set(words(text[sents[k][0] : sents[k][1]]))), -k))


def sentence_baseline(text: str) -> list[str]:
    return [text[s:e].strip() for s, e in sentences(text)]


def clause_baseline(text: str) -> list[str]:
    return [part for sent in sentence_baseline(text) for part in _CLAUSE_CUT.split(sent) if words(part)]


def score(responses: Sequence[Response], predictions: Sequence[list[str]]) -> dict:
    n_pred = sum(len(p) for p in predictions)
    n_gold = sum(len(r.gold) for r in responses)
    matched = sum(len(match(p, r.gold)) for r, p in zip(responses, predictions))
    precision = matched / n_pred if n_pred else 0.0
    recall = matched / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if matched else 0.0
    bearing = pred_in = gold_in = 0
    for r, p in zip(responses, predictions):
        sents = sentences(r.text)
        gold_home = [home(g, r.text, sents) for g in r.gold]
        pred_home = [home(c, r.text, sents) for c in p]
        for k in set(gold_home):
            bearing += 1
            gold_in += gold_home.count(k)
            pred_in += pred_home.count(k)
    return {"n_pred": n_pred, "n_gold": n_gold, "P": round(precision, 3), "R": round(recall, 3), "F1": round(f1, 3),
            "per_sent": round(pred_in / bearing, 2) if bearing else None,
            "gold_per_sent": round(gold_in / bearing, 2) if bearing else None}  # fmt: skip


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def ncw_yield(extract: Extract, rows: list[dict]) -> tuple[float | None, float | None]:
    """(share of not-check-worthy sentences yielding a claim, share of check-worthy ones yielding none)."""
    ncw = [r for r in rows if not r["check_worthy"]]
    cw = [r for r in rows if r["check_worthy"]]
    yielded = sum(bool(extract(r["text"])) for r in ncw)
    missed = sum(not extract(r["text"]) for r in cw)
    return (round(yielded / len(ncw), 3) if ncw else None, round(missed / len(cw), 3) if cw else None)


def pronoun_correct(claims: list[str], row: dict) -> bool:
    """The claims of the last sentence name the antecedent (or, with none labelled, keep the pronoun)."""
    pronoun, antecedent = row["pronoun"], row["antecedent"]
    if not claims:
        return antecedent is None
    joined = " ".join(claims).lower()
    if antecedent is None:
        return re.search(rf"\b{re.escape(pronoun.lower())}\b", joined) is not None
    return antecedent.lower() in joined


def pronoun_accuracy(claims_of_last: Callable[[str, str], list[str]], rows: list[dict]) -> float:
    return round(sum(pronoun_correct(claims_of_last(r["context"], r["sentence"]), r) for r in rows) / len(rows), 3)


class CachedNLP:
    """The spaCy pipeline with each text's parse kept, for the curve's rows (which are not timed)."""

    def __init__(self) -> None:
        self.nlp = load_nlp()
        self.max_length = self.nlp.max_length
        self._parse = functools.lru_cache(maxsize=8192)(self.nlp)

    def __call__(self, text: str):  # noqa: ANN204
        return self._parse(text)


def extractor_functions(spec: str, rules: Sequence[str] | None = None,
                        nlp: CachedNLP | None = None) -> tuple[Extract, Callable[[str, str], list[str]]]:  # fmt: skip
    extractor = SpacyClaimExtractor(nlp, rules=rules) if rules is not None else get_extractor(spec)  # type: ignore[arg-type]

    def extract(text: str) -> list[str]:
        found = extract_claims_and_skipped(text, extractor)
        if found.fallback:
            FALLBACKS.append(found.fallback)
        return [c.text for c in found.claims]

    def last(context: str, sentence: str) -> list[str]:
        text = f"{context} {sentence}"
        offset = len(context) + 1
        return [c.text for c in extract_claims_and_skipped(text, extractor).claims if c.start >= offset or c.end > offset + 1 and c.start >= offset - 1]

    return extract, last


def timed(extract: Extract, responses: Sequence[Response], repeats: int) -> tuple[dict[str, list[str]], float | None, float | None]:
    """The predictions for `responses` and the median claims per second (wall, CPU) over `repeats` runs."""
    if repeats < 1:
        return {r.id: extract(r.text) for r in responses}, None, None
    extract(responses[0].text)  # warm-up
    rates: list[float] = []
    cpu_rates: list[float] = []
    predicted: dict[str, list[str]] = {}
    for _ in range(repeats):
        sentences.cache_clear()  # the baselines pay for their parse like the extractor does
        started, cpu_started = time.perf_counter(), time.process_time()
        predicted = {r.id: extract(r.text) for r in responses}
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        n = sum(len(p) for p in predicted.values())
        if seconds:
            rates.append(n / seconds)
        if cpu:
            cpu_rates.append(n / cpu)
    median = lambda xs: round(statistics.median(xs), 1) if xs else None  # noqa: E731
    return predicted, median(rates), median(cpu_rates)


def run_method(name: str, extract: Extract, last: Callable[[str, str], list[str]] | None, sets: dict[str, list[Response]],
               checkworthy: list[dict], pronouns: list[dict], repeats: int = 3) -> dict:
    row: dict = {"method": name}
    FALLBACKS.clear()
    predicted, row["claims/s"], row["cpu claims/s"] = timed(extract, [r for rs in sets.values() for r in rs], repeats)
    for set_name, responses in sets.items():
        for half in ("fit", "held", "all"):
            chosen = [r for r in responses if half in ("all", r.half)]
            row[f"{set_name}/{half}"] = score(chosen, [predicted[r.id] for r in chosen])
    row["ncw_yield"], row["cw_missed"] = ncw_yield(extract, checkworthy) if checkworthy else (None, None)
    row["pronoun_acc"] = pronoun_accuracy(last, pronouns) if (pronouns and last is not None) else None
    row["fallbacks"] = len(FALLBACKS)  # texts (of all runs) where an LLM extractor fell back to spaCy
    return row


def baseline_last(extract: Extract) -> Callable[[str, str], list[str]]:
    return lambda context, sentence: extract(sentence)


def print_rows(rows: list[dict], set_names: Sequence[str]) -> None:
    head = f"{'method':<26}" + "".join(f"{n + '/' + h:>26}" for n in set_names for h in ("held", "all"))
    print(head + f"{'per_sent(gold)':>16}{'ncw_yield':>10}{'cw_miss':>8}{'pron':>7}{'claims/s':>9}{'cpu claims/s':>13}")
    for row in rows:
        cells = "".join(
            f"{'P %.2f R %.2f F1 %.3f' % (row[f'{n}/{h}']['P'], row[f'{n}/{h}']['R'], row[f'{n}/{h}']['F1']):>26}"
            for n in set_names for h in ("held", "all")
        )  # fmt: skip
        atomic = row["atomic/all"]
        print(f"{row['method']:<26}{cells}{str(atomic['per_sent']) + ' (' + str(atomic['gold_per_sent']) + ')':>16}"
              f"{str(row['ncw_yield']):>10}{str(row['cw_missed']):>8}{str(row['pronoun_acc']):>7}{str(row['claims/s']):>9}"
              f"{str(row['cpu claims/s']):>13}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--extractor", default="spacy", help="extractor spec: spacy, llm:<model>, ...")
    parser.add_argument("--curve", action="store_true", help="also run the spaCy extractor with its rules added one at a time")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per method (median claims/s); curve rows run once")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--limit", type=int, help="only the first N responses of each set and N rows of each hand-labelled set (a quick run)")
    args = parser.parse_args(argv)
    sets = load_factbench(args.data)
    checkworthy = load_jsonl(TESTS_DATA / "claims_checkworthy.jsonl")
    pronouns = load_jsonl(TESTS_DATA / "claims_pronouns.jsonl")
    if args.limit:
        sets = {name: responses[: args.limit] for name, responses in sets.items()}
        checkworthy = [r for r in checkworthy if r["check_worthy"]][: args.limit] + [r for r in checkworthy if not r["check_worthy"]][: args.limit]
        pronouns = pronouns[: args.limit]
    rows = []
    if not args.no_baselines:
        for name, fn in (("sentence", sentence_baseline), ("clause", clause_baseline)):
            rows.append(run_method(name, fn, baseline_last(fn), sets, checkworthy, pronouns, args.repeats))
    if args.curve:
        cached = CachedNLP()
        for k in range(len(RULES) + 1):
            extract, last = extractor_functions("spacy", RULES[:k], cached)
            rows.append(run_method("+" + RULES[k - 1] if k else "spacy, no rules", extract, last, sets, checkworthy, pronouns, 0))
    extract, last = extractor_functions(args.extractor)
    rows.append(run_method(args.extractor, extract, last, sets, checkworthy, pronouns, args.repeats))
    print(f"gold: atomic {sum(len(r.gold) for r in sets['atomic'])} claims in {len(sets['atomic'])} responses; "
          f"segments {sum(len(r.gold) for r in sets['segments'])} in {len(sets['segments'])}; "
          f"check-worthiness {len(checkworthy)} sentences; pronouns {len(pronouns)}")
    print_rows(rows, list(sets))
    for row in rows:
        if row["fallbacks"]:
            print(f"{row['method']}: fell back to the offline extractor on {row['fallbacks']} texts (all runs)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
