"""Judge consistency: baseline vs TrustJudge configurations of the LLM judges on human pairwise dev sets.

Run from the repository root::

    python benchmarks/judge_consistency.py --model local/smollm2 --limit 3
    python benchmarks/judge_consistency.py --model gpt-4o-mini --sets mtbench_human --json out.json

For every question ("group") of each dev set, every answer is scored pointwise and every pair of
answers is compared in both orders. Configurations, each run with its own judges and call counter:

* ``baseline``: argmax pointwise score + pairwise verdict kept only when both orders agree.
* ``trustjudge``: distribution-sensitive score + likelihood-aware aggregation over both orders.
* ``geval+ppl``: G-Eval score + perplexity-chosen order, re-aggregated from the trustjudge run's
  calls (no calls of its own).

Printed per dev set and configuration: conflict ratio (pointwise vs pairwise, equal within
``--tolerance``), NTR_3 / NTR_4, position-bias rate, agreement with the human majority label (3-way,
ties included), unjudged pairs, and the LLM calls / tokens / wall time; the "all" rows pool the sets.
`--model` takes any litellm model.

By default the configurations share a cache that lives only for this run: a request one configuration
already made (the same greedy call with logprobs) is served to the next from it and counted as
``cached``, so its wall time covers only its own new calls. `--cache none` re-runs every call;
`--cache default` uses the client's persistent cache.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/judge_consistency.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from veracity.judges.consistency import (  # noqa: E402
    Relation,
    conflict_ratio,
    non_transitivity_ratio,
    position_bias_rate,
    relation_from_outcome,
)
from veracity.judges.llm import PairwiseJudge, PointwiseJudge, Preference, Score, combine_orders, score_value  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SETS = ("pandalm_testset", "mtbench_human")


# ---------------------------------------------------------------- dev sets


@dataclass
class Group:
    """One question with several answers and the human relations between some of them."""

    key: str
    question: str
    answers: dict[str, str]
    gold: dict[tuple[str, str], Relation] = field(default_factory=dict)


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _majority(votes: list[Relation]) -> Relation | None:
    (top, n), *rest = Counter(votes).most_common() or [(None, 0)]
    return top if top is not None and (not rest or rest[0][1] < n) else None


def load_pandalm(data: Path) -> list[Group]:
    """PandaLM: one group per instruction; gold = majority of the three annotators (0 tie, 1, 2)."""
    groups: dict[str, Group] = {}
    to_relation: dict[int, Relation] = {0: "=", 1: ">", 2: "<"}
    for row in _read_jsonl(data / "pandalm_testset" / "testset-v1.dev_sample.jsonl"):
        first, second = row["cmp_key"].split("_")
        question = row["instruction"] + (f"\n\n{row['input']}" if row["input"] else "")
        group = groups.setdefault(question, Group(key=f"pandalm:{row['idx']}", question=question, answers={}))
        group.answers.setdefault(first, row["response1"])
        group.answers.setdefault(second, row["response2"])
        gold = _majority([to_relation[row[f"annotator{k}"]] for k in (1, 2, 3)])
        if gold is not None:
            group.gold[(first, second)] = gold
    return list(groups.values())


def load_mtbench(data: Path) -> list[Group]:
    """MT-Bench turn 1: one group per question; gold = plurality of the human votes per pair."""
    folder = data / "mtbench_human"
    questions = {row["question_id"]: row["turns"][0] for row in _read_jsonl(folder / "questions.jsonl")}
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for row in _read_jsonl(folder / "model_answers_turn1.jsonl"):
        if row["answer"].strip():
            answers[row["question_id"]][row["model"]] = row["answer"]
    votes: dict[tuple[int, str, str], list[Relation]] = defaultdict(list)
    for row in _read_jsonl(folder / "human_judgments_turn1.jsonl"):
        a, b = sorted((row["model_a"], row["model_b"]))
        relation: Relation = {"model_a": ">", "model_b": "<", "tie": "="}[row["winner"]]
        if (a, b) != (row["model_a"], row["model_b"]):
            relation = {">": "<", "<": ">", "=": "="}[relation]  # type: ignore[assignment]
        votes[(row["question_id"], a, b)].append(relation)
    groups = []
    for qid, question in sorted(questions.items()):
        gold = {(a, b): rel for (q, a, b), v in votes.items() if q == qid and (rel := _majority(v)) is not None}
        groups.append(Group(key=f"mtbench:{qid}", question=question, answers=answers[qid], gold=gold))
    return groups


LOADERS = {"pandalm_testset": load_pandalm, "mtbench_human": load_mtbench}


# ---------------------------------------------------------------- counting calls


@dataclass
class Cost:
    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0


class CountingClient:
    """Wraps an LLM client and counts its calls and tokens."""

    def __init__(self, client, cost: Cost) -> None:
        self.client, self.cost, self.model = client, cost, getattr(client, "model", "?")

    async def acomplete(self, messages, **options):
        completions = await self.client.acomplete(messages, **options)
        self.cost.calls += 1
        self.cost.cached += all(c.cached for c in completions)
        self.cost.prompt_tokens += completions[0].usage.prompt_tokens if completions else 0
        self.cost.completion_tokens += sum(c.usage.completion_tokens for c in completions)
        return completions


# ---------------------------------------------------------------- judging and metrics


@dataclass
class Judged:
    """One configuration's judgements of one group."""

    group: Group
    items: list[str]
    scores: dict[str, Score]
    prefs: dict[tuple[str, str], Preference]


async def judge_group(group: Group, pointwise: PointwiseJudge, pairwise: PairwiseJudge, max_answers: int) -> Judged:
    items = sorted(group.answers)[:max_answers]
    pairs = list(itertools.combinations(items, 2))
    scores, prefs = await asyncio.gather(
        asyncio.gather(*(pointwise.ascore(group.question, group.answers[m]) for m in items)),
        asyncio.gather(*(pairwise.acompare(group.question, group.answers[a], group.answers[b]) for a, b in pairs)),
    )
    return Judged(group, items, dict(zip(items, scores)), dict(zip(pairs, prefs)))


def rederive(judged: list[Judged], score_method: str, pair_method: str) -> list[Judged]:
    """The same calls aggregated with other methods."""
    out = []
    for j in judged:
        scores = {
            m: s.model_copy(update={"value": score_value(s.distribution, score_method), "method": score_method})
            if s.value is not None else s
            for m, s in j.scores.items()
        }  # fmt: skip
        prefs = {k: combine_orders(p.per_order, pair_method, allow_tie=p.allow_tie) for k, p in j.prefs.items()}
        out.append(Judged(j.group, j.items, scores, prefs))
    return out


def metrics(judged: list[Judged], tolerance: float) -> dict[str, object]:
    relations = [{k: relation_from_outcome(p.outcome) for k, p in j.prefs.items()} for j in judged]
    scores = {(j.group.key, m): s.value for j in judged for m, s in j.scores.items()}
    keyed = {((j.group.key, a), (j.group.key, b)): r for j, rel in zip(judged, relations) for (a, b), r in rel.items()}
    agree = total = 0
    for j, rel in zip(judged, relations):
        for (a, b), gold in j.group.gold.items():
            got = rel.get((a, b))
            if got is None and (b, a) in rel and rel[(b, a)] is not None:
                got = {">": "<", "<": ">", "=": "="}[rel[(b, a)]]
            if got is not None:
                total += 1
                agree += got == gold
    prefs = [p for j in judged for p in j.prefs.values()]
    return {
        "conflict": conflict_ratio(scores, keyed, tolerance=tolerance).value,
        "ntr3": non_transitivity_ratio(relations, k=3).value,
        "ntr4": non_transitivity_ratio(relations, k=4).value,
        "position_bias": position_bias_rate(prefs).value,
        "human_agreement": agree / total if total else None,
        "human_pairs": total,
        "pairs": len(prefs),
        "unjudged_pairs": sum(p.outcome is None for p in prefs),
        "unscored_answers": sum(s.value is None for j in judged for s in j.scores.values()),
    }


CONFIGS = {"baseline": ("argmax", "baseline"), "trustjudge": ("distribution", "likelihood")}  # run in this order
DERIVED = {"geval+ppl": ("geval", "ppl", "trustjudge")}


async def run_set(
    name: str, groups: list[Group], client, args: argparse.Namespace
) -> tuple[list[dict[str, object]], dict[str, list[Judged]], dict[str, Cost]]:
    """Every configuration on one dev set: its rows, its judgements and its costs per configuration."""
    rows, runs, costs = [], {}, {}
    for config, (score_method, pair_method) in CONFIGS.items():
        cost = costs[config] = Cost()
        counted = CountingClient(client, cost)
        pointwise = PointwiseJudge(counted, scale=args.scale, method=score_method, max_tokens=args.max_tokens)
        pairwise = PairwiseJudge(counted, method=pair_method, max_tokens=args.max_tokens)
        start = time.perf_counter()
        runs[config] = [await judge_group(g, pointwise, pairwise, args.max_answers) for g in groups]
        cost.wall_s = time.perf_counter() - start
    for config, (score_method, pair_method, source) in DERIVED.items():
        runs[config] = rederive(runs[source], score_method, pair_method)
    for config, judged in runs.items():
        cost = {"calls_of": DERIVED[config][2]} if config in DERIVED else asdict(costs[config])
        rows.append({"set": name, "config": config, **metrics(judged, args.tolerance), **asdict(Cost()), **cost})
    return rows, runs, costs


def pooled(
    runs: list[dict[str, list[Judged]]], costs: list[dict[str, Cost]], tolerance: float
) -> list[dict[str, object]]:
    """One row per configuration over all dev sets together (ratios over the pooled counts)."""
    rows = []
    for config in runs[0]:
        judged = [j for r in runs for j in r[config]]
        if config in DERIVED:
            cost: dict[str, object] = {**asdict(Cost()), "calls_of": DERIVED[config][2]}
        else:
            parts = [asdict(c[config]) for c in costs]
            cost = {k: sum(p[k] for p in parts) for k in parts[0]}
        rows.append({"set": "all", "config": config, **metrics(judged, tolerance), **cost})
    return rows


# ---------------------------------------------------------------- output


def _fmt(value: object, pct: bool = True) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{100 * value:.1f}" if pct else f"{value:.1f}"
    return str(value)


def print_table(rows: list[dict[str, object]], model: str) -> None:
    head = [
        "set",
        "config",
        "conflict%",
        "NTR3%",
        "NTR4%",
        "posbias%",
        "human%",
        "pairs",
        "unjudged",
        "calls",
        "cached",
        "tok_in",
        "tok_out",
        "wall_s",
    ]
    lines = []
    for r in rows:
        own = "calls_of" not in r  # derived rows reuse another configuration's calls
        cost = [_fmt(r[k]) if own else "" for k in ("cached", "prompt_tokens", "completion_tokens")]
        lines.append([
            str(r["set"]), str(r["config"]), _fmt(r["conflict"]), _fmt(r["ntr3"]), _fmt(r["ntr4"]),
            _fmt(r["position_bias"]), f"{_fmt(r['human_agreement'])} /{r['human_pairs']}", _fmt(r["pairs"]),
            _fmt(r["unjudged_pairs"]), _fmt(r["calls"]) if own else f"({r['calls_of']})", *cost,
            _fmt(r["wall_s"], pct=False) if own else "",
        ])  # fmt: skip
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]
    print(f"model: {model}")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local/smollm2", help="any litellm model string, or local/smollm2")
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, from {', '.join(SETS)}")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="questions per set (default: all)")
    parser.add_argument("--max-answers", type=int, default=5, help="answers per question (all pairs are judged)")
    parser.add_argument("--scale", type=int, choices=(5, 10, 100), default=5)
    parser.add_argument(
        "--tolerance", type=float, default=0.5, help="score difference below which two scores are equal"
    )
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--cache", choices=("run", "none", "default"), default="run", help="see the module docstring")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args(argv)

    from veracity.llm import LLMClient

    scratch = tempfile.TemporaryDirectory(prefix="judge_consistency_")
    cache = {"run": Path(scratch.name) / "llm.sqlite", "none": None, "default": "default"}[args.cache]
    client = LLMClient(args.model, max_concurrency=args.concurrency, cache=cache)
    rows: list[dict[str, object]] = []
    all_runs, all_costs = [], []
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if name not in LOADERS:
            parser.error(f"unknown set {name!r}; choose from {', '.join(SETS)}")
        groups = [g for g in LOADERS[name](args.data_dir) if len(g.answers) >= 3][: args.limit]
        set_rows, runs, costs = asyncio.run(run_set(name, groups, client, args))
        rows.extend(set_rows)
        all_runs.append(runs)
        all_costs.append(costs)
    if len(all_runs) > 1:
        rows.extend(pooled(all_runs, all_costs, args.tolerance))
    client.close()
    scratch.cleanup()
    print_table(rows, args.model)
    print(
        "conflict: pointwise vs pairwise relation (equal within --tolerance); NTR_k: k-subsets with a cycle or tie\n"
        "contradiction; posbias: verdict changes with the order; human: 3-way agreement with the human majority\n"
        "(/n judged pairs with a human label); cached: requests an earlier configuration already made (cache: "
        f"{args.cache}); (trustjudge): re-aggregated from that configuration's calls."
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
