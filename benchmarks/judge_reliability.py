"""Judge reliability: agreement with humans beyond chance, position bias, and resampled-score intervals.

Run from the repository root::

    python benchmarks/judge_reliability.py --model local/smollm2 --limit 3 --resample-items 2 --ks 2,3,4
    python benchmarks/judge_reliability.py --model gpt-4o-mini --limit 100 --ks 2,4,8

Part 1, per dev set (llmbar, judgebench, pandalm_testset, mtbench_human, autoj_pairwise; the first
`--limit` human-labelled pairs of each): every pair is judged in both orders once, and the same calls
are aggregated as ``baseline`` (a verdict only when both orders agree, else tie) and ``trustjudge``
(both orders' probabilities averaged). Printed: agreement with the human label as percent and as
Cohen's kappa (3-way A/B/tie, with a 95% bootstrap interval over pairs), position consistency and
preference fairness (`veracity.judges.reliability`), unjudged pairs. Conflict ratio and NTR need
several answers per question: `benchmarks/judge_consistency.py` measures those.

Part 2 (ReliableEval): `--resample-items` answers (MT-Bench turn 1) are scored with `ResampledJudge`
over k = each of `--ks` prompt paraphrases; printed: mean 95% interval width over the items, mean
spread, and the calls / tokens / cost the client counted. The k runs share the cache, so each k
only pays for its new variants.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, REPO_ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from judge_consistency import load_mtbench, load_pandalm  # noqa: E402

from veracity.judges.llm import PairwiseJudge, Preference, combine_orders  # noqa: E402
from veracity.judges.reliability import (  # noqa: E402
    bootstrap_ci,
    cohen_kappa,
    percent_agreement,
    position_consistency,
    preference_fairness,
)
from veracity.judges.resampled import ResampledJudge  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SETS = ("llmbar", "judgebench", "pandalm_testset", "mtbench_human", "autoj_pairwise")


@dataclass
class Pair:
    question: str
    a: str
    b: str
    gold: str  # "A", "B" or "tie"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _from_groups(groups) -> list[Pair]:
    to_outcome = {">": "A", "<": "B", "=": "tie"}
    return [
        Pair(g.question, g.answers[a], g.answers[b], to_outcome[rel])
        for g in groups for (a, b), rel in sorted(g.gold.items()) if a in g.answers and b in g.answers
    ]  # fmt: skip


def load_pairs(name: str, data: Path) -> list[Pair]:
    if name == "llmbar":
        rows = _jsonl(data / "llmbar" / "processed_faireval.jsonl")
        return [Pair(r["input"], r["output_1"], r["output_2"], {"1": "A", "2": "B"}[str(r["label"])]) for r in rows]
    if name == "judgebench":
        rows = _jsonl(data / "judgebench" / "judgebench_claude-3.5-sonnet.disjoint.jsonl")
        return [Pair(r["question"], r["response_A"], r["response_B"], {"A>B": "A", "B>A": "B"}[r["label"]]) for r in rows]
    if name == "autoj_pairwise":
        rows = _jsonl(data / "autoj_pairwise" / "testdata_pairwise.dev_sample.jsonl")
        return [Pair(r["prompt"], r["response 1"], r["response 2"], ["A", "B", "tie"][int(r["label"])]) for r in rows]
    if name == "pandalm_testset":
        return _from_groups(load_pandalm(data))
    if name == "mtbench_human":
        return _from_groups(load_mtbench(data))
    raise ValueError(f"unknown set {name!r}")


def agreement_rows(name: str, pairs: list[Pair], prefs: list[Preference]) -> list[dict]:
    rows = []
    for method in ("baseline", "likelihood"):
        judged = [combine_orders(p.per_order, method) if p.per_order else p for p in prefs]
        gold = [pair.gold for pair, p in zip(pairs, judged) if p.outcome is not None]
        got = [p.outcome for p in judged if p.outcome is not None]
        row = {"set": name, "config": "baseline" if method == "baseline" else "trustjudge", "pairs": len(pairs),
               "unjudged": len(pairs) - len(got)}  # fmt: skip
        if got:
            kappa = bootstrap_ci(cohen_kappa, gold, got, n_boot=500, labels=["A", "B", "tie"])
            row.update(
                percent=percent_agreement(gold, got), kappa=kappa.value,
                kappa_ci=None if kappa.ci is None else (kappa.ci.low, kappa.ci.high),
            )  # fmt: skip
        try:
            row["position_consistency"] = position_consistency(prefs)
            row["preference_fairness"] = preference_fairness(prefs)
        except ValueError:
            pass
        rows.append(row)
    return rows


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return f"[{value[0]:.{digits}f}, {value[1]:.{digits}f}]"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="local/smollm2")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=3, help="pairs per dev set (0 skips part 1)")
    parser.add_argument("--resample-items", type=int, default=2, help="answers for part 2 (0 skips it)")
    parser.add_argument("--ks", default="2,3,4", help="resample counts for part 2")
    parser.add_argument("--cache", default="run", help="'run' (a cache for this run only), 'default', 'none' or a path")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from veracity.llm import LLMClient

    tmp = tempfile.TemporaryDirectory()
    cache = {"run": Path(tmp.name) / "llm.sqlite", "none": None, "default": "default"}.get(args.cache, args.cache)
    client = LLMClient(args.model, cache=cache, max_concurrency=1 if args.model.startswith("local/") else 8)
    out: dict[str, list[dict]] = {"agreement": [], "resampling": []}

    if args.limit > 0:
        judge = PairwiseJudge(client, method="likelihood")
        print(f"| set | config | pairs | unjudged | agreement % | Cohen's kappa [95% CI] | position consistency | preference fairness |")
        print("|---|---|---|---|---|---|---|---|")
        for name in [s for s in args.sets.split(",") if s]:
            pairs = load_pairs(name, args.data)[: args.limit]
            prefs = [judge.compare(p.question, p.a, p.b) for p in pairs]
            for row in agreement_rows(name, pairs, prefs):
                out["agreement"].append(row)
                pct = None if row.get("percent") is None else 100 * row["percent"]
                print(
                    f"| {name} | {row['config']} | {row['pairs']} | {row['unjudged']} | {_fmt(pct, 0)} | "
                    f"{_fmt(row.get('kappa'))} {_fmt(row.get('kappa_ci'))} | {_fmt(row.get('position_consistency'))} | "
                    f"{_fmt(row.get('preference_fairness'))} |"
                )
        print(f"\npart 1 LLM use: {client.stats.as_dict()}\n")

    if args.resample_items > 0:
        groups = load_mtbench(args.data)
        items = [(g.question, g.answers[m]) for g in groups for m in sorted(g.answers)[:1]][: args.resample_items]
        resampled = ResampledJudge(client)
        print("| k | items | items with an interval | mean 95% CI width | mean spread (sd) | new calls | prompt tokens | cost USD | wall s |")
        print("|---|---|---|---|---|---|---|---|---|")
        for k in (int(x) for x in args.ks.split(",")):
            before = client.stats.snapshot()
            start = time.perf_counter()
            results = [resampled.score(q, a, k=k) for q, a in items]
            wall = time.perf_counter() - start
            widths = [r.ci.high - r.ci.low for r in results if r.ci is not None]
            spreads = [r.std for r in results if r.std is not None]
            after = client.stats.snapshot()
            row = {
                "k": k, "items": len(items), "scored": len(widths),
                "ci_width": sum(widths) / len(widths) if widths else None,
                "sd": sum(spreads) / len(spreads) if spreads else None,
                "calls": after.calls - before.calls, "prompt_tokens": after.prompt_tokens - before.prompt_tokens,
                "cost_usd": after.cost_usd - before.cost_usd, "wall_s": wall,
            }  # fmt: skip
            out["resampling"].append(row)
            print(
                f"| {k} | {len(items)} | {len(widths)} | {_fmt(row['ci_width'])} | {_fmt(row['sd'])} | {row['calls']} | "
                f"{row['prompt_tokens']} | {row['cost_usd']:.4f} | {wall:.0f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
