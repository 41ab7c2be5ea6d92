"""Ranking without cycles: Bradley-Terry with ties (Davidson) fitted to all pairwise probabilities.

Every pair (i, j), i < j, is judged once (in both orders, by the `PairwiseJudge`); its outcome
probabilities act as soft counts: P(A) wins for i, P(B) wins for j, P(tie) ties. Davidson's model,
P(i > j) = pi_i / D, P(j > i) = pi_j / D, P(i = j) = nu * sqrt(pi_i * pi_j) / D, is a multinomial logit
in (log pi, log nu); its penalised log-likelihood (ridge on log pi, which also fixes the scale) is
concave, so Newton's method finds the unique optimum. Sorting by strength gives an order that is
transitive by construction; the `Ranking` lists the cycles in the raw verdicts and the verdicts overruled.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from veracity.judges.consistency import relation_from_outcome, triad_violation
from veracity.judges.llm._client import run_sync
from veracity.judges.llm.pairwise import PairwiseJudge
from veracity.judges.llm.types import PairResult, Preference, Ranking

__all__ = ["arank", "fit_davidson", "rank", "ranking_from_preferences"]

SoftCount = tuple[int, int, float, float, float]
"""(i, j, wins of i, wins of j, ties)."""


def _objective(
    x: np.ndarray, design: np.ndarray, counts: np.ndarray, ridge: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    logits = np.einsum("mkd,d->mk", design, x)
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    totals = counts.sum(axis=1)
    value = float((counts * np.log(np.clip(probs, 1e-300, None))).sum() - 0.5 * (ridge * x * x).sum())
    grad = np.einsum("mkd,mk->d", design, counts - totals[:, None] * probs) - ridge * x
    cov = probs[:, :, None] * (np.eye(probs.shape[1])[None] - probs[:, None, :])  # diag(p) - p p^T per pair
    hess = -np.einsum("m,mkd,mkl,mle->de", totals, design, cov, design) - np.diag(ridge)
    return value, grad, hess


def fit_davidson(
    n_items: int,
    comparisons: Iterable[SoftCount],
    *,
    regularization: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-9,
) -> tuple[np.ndarray, float]:
    """Fit log-strengths (mean zero) and the tie parameter nu to soft counts; nu = 0 when there are no ties."""
    rows = [c for c in comparisons if c[2] + c[3] + c[4] > 0]
    if n_items < 1:
        raise ValueError("need at least one item")
    if regularization <= 0:
        raise ValueError("regularization must be > 0 (it keeps strengths finite when one item wins everything)")
    with_ties = any(c[4] > 0 for c in rows)
    dim = n_items + with_ties
    if not rows:
        return np.zeros(n_items), 0.0
    outcomes = 3 if with_ties else 2
    design = np.zeros((len(rows), outcomes, dim))
    counts = np.zeros((len(rows), outcomes))
    for m, (i, j, w_i, w_j, t) in enumerate(rows):
        design[m, 0, i] = design[m, 1, j] = 1.0
        counts[m, :2] = w_i, w_j
        if with_ties:
            design[m, 2, [i, j]] = 0.5
            design[m, 2, -1] = 1.0
            counts[m, 2] = t
    ridge = np.full(dim, regularization)
    if with_ties:
        ridge[-1] = 0.01 * regularization  # a whisper of a prior on log nu: finite even for a near-tieless judge
    x = np.zeros(dim)
    value, grad, hess = _objective(x, design, counts, ridge)
    for _ in range(max_iter):
        if np.abs(grad).max() < tol:
            break
        step = np.linalg.solve(hess, -grad)
        size = 1.0
        while size > 1e-8:
            candidate = x + size * step
            new_value, new_grad, new_hess = _objective(candidate, design, counts, ridge)
            if new_value >= value - 1e-12:
                break
            size /= 2
        x, value, grad, hess = candidate, new_value, new_grad, new_hess
    strengths = x[:n_items] - x[:n_items].mean()
    return strengths, float(np.exp(x[-1])) if with_ties else 0.0


def ranking_from_preferences(
    n_items: int, preferences: Mapping[tuple[int, int], Preference], *, regularization: float = 0.1
) -> Ranking:
    """Fit the ranking of `n_items` answers from preferences keyed (i, j) with i < j ("A" = answer i)."""
    pairs = [PairResult(i=i, j=j, preference=p) for (i, j), p in sorted(preferences.items())]
    if any(not 0 <= r.i < r.j < n_items for r in pairs):
        raise ValueError("preferences must be keyed (i, j) with 0 <= i < j < n_items")
    judged = [r for r in pairs if r.preference.outcome is not None]
    soft = [
        (r.i, r.j, r.preference.probabilities.get("A", 0.0), r.preference.probabilities.get("B", 0.0),
         r.preference.probabilities.get("tie", 0.0))
        for r in judged
    ]  # fmt: skip
    strengths, nu = fit_davidson(n_items, soft, regularization=regularization)
    order = sorted(range(n_items), key=lambda i: (-strengths[i], i))
    position = {item: rank for rank, item in enumerate(order)}
    relation = {(r.i, r.j): relation_from_outcome(r.preference.outcome) for r in judged}
    cycles, equalities = [], []
    for i, j, k in itertools.combinations(range(n_items), 3):
        rels = (relation.get((i, j)), relation.get((j, k)), relation.get((i, k)))
        if None not in rels:
            kind = triad_violation(*rels)  # type: ignore[arg-type]
            (cycles if kind == "cycle" else equalities if kind == "equality" else []).append((i, j, k))
    overruled = [
        (r.i, r.j) for r in judged
        if (r.preference.outcome == "A" and position[r.i] > position[r.j])
        or (r.preference.outcome == "B" and position[r.j] > position[r.i])
    ]  # fmt: skip
    return Ranking(
        order=order, strengths=[float(s) for s in strengths], tie_strength=nu, pairs=pairs, cycles=cycles,
        equality_contradictions=equalities, overruled=overruled,
        unjudged=[(r.i, r.j) for r in pairs if r.preference.outcome is None],
    )  # fmt: skip


async def arank(question: str, answers: Sequence[str], judge: PairwiseJudge, *, regularization: float = 0.1) -> Ranking:
    """Rank `answers`; see `rank`."""
    if not answers:
        raise ValueError("no answers to rank")
    keys = list(itertools.combinations(range(len(answers)), 2))
    prefs = await asyncio.gather(*(judge.acompare(question, answers[i], answers[j]) for i, j in keys))
    return ranking_from_preferences(len(answers), dict(zip(keys, prefs)), regularization=regularization)


def rank(question: str, answers: Sequence[str], judge: PairwiseJudge, *, regularization: float = 0.1) -> Ranking:
    """Rank `answers` to `question` best first: all pairs judged by `judge`, fitted with Bradley-Terry-Davidson."""
    return run_sync(arank(question, answers, judge, regularization=regularization))
