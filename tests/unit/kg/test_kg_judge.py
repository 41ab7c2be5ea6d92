"""`KGJudge`: the knowledge graph as a staged `Judge`, on real FB13 triples."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from _paths import DATA

from veracity import FactChecker
from veracity.errors import VeracityError
from veracity.judges import get_judge
from veracity.judges.registry import StagedJudge, verify_with_stats
from veracity.kg import KGJudge, load_kg
from veracity.retrieval.kg import KnowledgeGraph, load_fb13
from veracity.server.budget import BudgetedJudge
from veracity.types import Claim, Evidence, JudgeStats, Verdict

FB13 = DATA / "kg" / "fb13"
CLAIMS = ["River Phoenix died of a heroin overdose.", "Eliot Ness died of oral cancer.", "Eliot Ness enjoyed jazz music."]


class CountingJudge:
    """A two-method staged judge (not one of ours): unscored verdicts, one `fast` count per claim, and the evidence it read."""

    def __init__(self) -> None:
        self.read: list[list[Evidence | str]] = []

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        return self.verify_many([claim], [evidence])[0]

    def verify_many(self, claims, evidence) -> list[Verdict]:
        return self.verify_staged(claims, evidence)[0]

    def verify_staged(self, claims, evidence):
        self.read += [list(e) for e in evidence]
        return [Verdict(label="unscored", reason="counting") for _ in claims], [JudgeStats(fast=1) for _ in claims]


class PlainJudge(CountingJudge):
    verify_staged = None  # type: ignore[assignment]

    def verify_many(self, claims, evidence) -> list[Verdict]:
        return [Verdict(label="unscored", reason="plain") for _ in claims]


@pytest.fixture(scope="module")
def fb13() -> KnowledgeGraph:
    return load_fb13(FB13, files=("dev.tsv",))


def test_the_graph_decides_and_the_fallback_reads_its_triples(fb13: KnowledgeGraph) -> None:
    fallback = CountingJudge()
    judge = KGJudge(fb13, fallback=fallback)
    assert isinstance(judge, StagedJudge)
    verdicts, stats = judge.verify_staged(CLAIMS, [["given passage"]] * 3)
    assert [v.label for v in verdicts] == ["supported", "refuted", "unscored"]
    assert all(v.reason.startswith("decided by the knowledge graph") for v in verdicts[:2])
    assert stats == [None, None, JudgeStats(fast=1)]
    (read,) = fallback.read
    assert read[0] == "given passage" and all(e.source == "kg" for e in read[1:]) and len(read) > 1


def test_a_fallback_without_stages_gives_no_counts(fb13: KnowledgeGraph) -> None:
    verdicts, stats = verify_with_stats(KGJudge(fb13, fallback=PlainJudge()), CLAIMS, [[]] * 3)
    assert stats is None and verdicts[2].reason == "plain"
    assert KGJudge(fb13, fallback=CountingJudge()).verify_staged([], []) == ([], [])


def test_fact_checker_reports_the_fallback_counts(fb13: KnowledgeGraph) -> None:
    report = FactChecker(kg=fb13, judge=CountingJudge()).check(" ".join(CLAIMS))
    assert report.judge_stats == JudgeStats(fast=1)
    assert FactChecker(kg=fb13, judge=PlainJudge()).check(" ".join(CLAIMS)).judge_stats is None


def test_budgeted_judge_passes_the_counts_through(fb13: KnowledgeGraph) -> None:
    budgeted = BudgetedJudge(KGJudge(fb13, fallback=CountingJudge()))
    budgeted.start(60.0)
    assert budgeted.verify_staged(CLAIMS, [[]] * 3)[1] == [None, None, JudgeStats(fast=1)]
    assert BudgetedJudge(PlainJudge()).verify_staged(CLAIMS, [[]] * 3)[1] is None


def test_get_judge_builds_a_kg_judge_from_a_path(tmp_path: Path, fb13: KnowledgeGraph) -> None:
    fb13.save(tmp_path / "graph")
    judge = get_judge("kg:" + str(tmp_path / "graph"), fallback=PlainJudge())
    assert isinstance(judge, KGJudge) and judge.retriever.kg.num_triples == fb13.num_triples
    assert judge.verify(CLAIMS[0], []).label == "supported"
    with pytest.raises(VeracityError, match="needs a graph"):
        get_judge("kg:")
    with pytest.raises(VeracityError, match="not found"):
        load_kg(tmp_path / "missing.tsv")


def test_the_old_load_kg_path_warns_and_still_works() -> None:
    import veracity.pipeline

    with pytest.warns(DeprecationWarning, match="veracity.kg.load_kg"):
        old = veracity.pipeline.load_kg
    assert old is load_kg
    with pytest.raises(AttributeError):
        veracity.pipeline.no_such_name  # noqa: B018
