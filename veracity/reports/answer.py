"""The HTML page of one checked answer (`render_html`).

Overlapping claims. Claim spans may overlap or nest (a list split gives "Ann speaks English" and
"Ann speaks English and French" over the same words). The answer is cut at every claim boundary
into non-overlapping segments; a segment covered by several claims carries one nested
`<mark class="claim LABEL" data-claim="cN">` per covering claim, the longest claim outermost and the
shortest innermost (so hovering or clicking picks the most specific claim). Thus the distinct
`data-claim` values of the `mark.claim` elements are exactly the claims, `c1`..`cN` in report order,
and the first segment of each claim carries `id="claim-cN"` (`mark.claim[id]` counts the claims too).
A claim whose span is empty, or lies outside the text, is shown as a "⁕" marker at its position.

Hovering, focusing or clicking a claim shows its panel: claim, verdict, P(supported), reason and the
deciding evidence (the first evidence passage, as the verifier ranks it), with the sentence that
carries the evidence highlighted (`evidence_span`, by word overlap). Opening the file with
`#claim=cN` in the URL opens claim cN's panel (the script is `static/report.js`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from veracity.attribution.metrics import answer_metrics
from veracity.attribution.scores import attribution_score
from veracity.attribution.spans import evidence_span
from veracity.errors import VeracityError
from veracity.reports._page import LABEL_NAMES, badge, document, esc, label_of, num, static_text
from veracity.types import LABELS, ClaimResult, Evidence, Report

STATUS_NAMES: dict[str, str] = {
    "supported": "supported",
    "unsupported": "unsupported",
    "no_citation": "no citation",
    "out_of_range": "out of range",
}
_MORE_EVIDENCE = 4


def render_html(report: Report, *, title: str = "veracity report") -> str:
    """One self-contained HTML page for a `Report` (or `RAGReport`): highlighted answer, claim panels,
    citation status per sentence (when the answer cites), answer-level metrics and a legend."""
    results = report.results
    ids = [f"c{i}" for i in range(1, len(results) + 1)]
    question = getattr(report, "question", None)
    citations = getattr(report, "citations", None)
    summary = report.summary
    counts = ", ".join(f"{summary.counts.get(label, 0)} {LABEL_NAMES[label]}" for label in LABELS)
    sub = f"{summary.n_claims} claims ({counts}); factual precision {num(summary.factual_precision)}"
    sections = []
    if question:
        sections.append(f'<section id="question" class="card"><h2>Question</h2><p class="question">{esc(question)}</p></section>')
    sections.append(
        '<section id="answer" class="card"><h2>Answer</h2>'
        f"{_legend(summary.counts)}"
        f'<div class="answer-text" id="answer-text">{_answer_html(report.text, results, ids)}</div>'
        + (
            '<p class="hint">Hover, focus or click a highlighted claim to see its verdict and evidence.</p>'
            if results
            else '<p class="note">No checkable claims were found in this text.</p>'
        )
        + "</section>"
    )
    if results:
        sections.append(_claims_table(results, ids))
    if citations is not None:
        sections.append(_citations_html(citations))
    sections.append(_metrics_html(report, citations))
    spans = [(r.claim.start, r.claim.end) for r in results]
    details = "".join(
        _detail(cid, result, report.text, _overlapping(i, spans, ids)) for i, (cid, result) in enumerate(zip(ids, results))
    )
    body = (
        f'<header class="top"><h1>{esc(title)}</h1><p class="sub">{esc(sub)}</p></header>\n'
        f'<main class="layout">\n<div class="content">\n{chr(10).join(sections)}\n</div>\n'
        '<aside id="panel" class="card" aria-live="polite"><h2>Claim detail</h2>'
        '<p class="placeholder">Hover, focus or click a highlighted claim.</p>'
        f"{details}</aside>\n</main>"
    )
    return document(title, body, "\n" + static_text("report.js"))


def _legend(counts: Mapping[str, int]) -> str:
    items = "".join(
        f'<li><span class="swatch {label}"></span>{esc(LABEL_NAMES[label])} <b>{counts.get(label, 0)}</b></li>'
        for label in LABELS
    )
    return f'<ul class="legend" aria-label="legend">{items}</ul>'


def _answer_html(text: str, results: Sequence[ClaimResult], ids: Sequence[str]) -> str:
    """The answer cut into segments at every claim boundary, each wrapped in the marks of the claims
    covering it (longest outermost); see the module doc."""
    n = len(text)
    spans = [(max(0, min(r.claim.start, n)), max(0, min(r.claim.end, n))) for r in results]
    anchors: dict[int, list[int]] = {}
    for i, (start, end) in enumerate(spans):
        if start >= end:
            anchors.setdefault(start, []).append(i)
    bounds = sorted({0, n, *(s for s, _ in spans), *(e for _, e in spans)})
    seen: set[int] = set()
    out: list[str] = []

    def opening(i: int, cls: str = "") -> str:
        result, cid = results[i], ids[i]
        label = label_of(result.verdict.label)
        head = f' id="claim-{cid}" tabindex="0"' if i not in seen else ""
        seen.add(i)
        tip = f"{cid}: {LABEL_NAMES[label]} - {result.claim.text}"
        return f'<mark class="claim {label}{cls}" data-claim="{cid}"{head} title="{esc(tip)}">'

    for a, b in zip(bounds, [*bounds[1:], n]):
        for i in anchors.pop(a, []):
            out.append(opening(i, " anchor") + "⁕</mark>")
        if a >= b:
            continue
        covering = [i for i, (s, e) in enumerate(spans) if s <= a and b <= e and s < e]
        # Longest claim outermost; among equals, the earlier claim outermost.
        covering.sort(key=lambda i: (spans[i][1] - spans[i][0], -i), reverse=True)
        out.append("".join(opening(i) for i in covering) + esc(text[a:b]) + "</mark>" * len(covering))
    return "".join(out)


def _overlapping(i: int, spans: Sequence[tuple[int, int]], ids: Sequence[str]) -> list[str]:
    s, e = spans[i]
    return [ids[j] for j, (s2, e2) in enumerate(spans) if j != i and s2 < e and s < e2]


def _claims_table(results: Sequence[ClaimResult], ids: Sequence[str]) -> str:
    rows = []
    for cid, result in zip(ids, results):
        verdict = result.verdict
        label = label_of(verdict.label)
        source = esc(verdict.evidence[0].passage.doc_id) if verdict.evidence else '<span class="note">none</span>'
        rows.append(
            f'<tr data-ref="{cid}" tabindex="0"><td>{cid}</td><td>{esc(result.claim.text)}</td>'
            f'<td>{badge(label)}</td><td class="num">{num(verdict.probability)}</td><td>{source}</td></tr>'
        )
    return (
        '<section id="claims" class="card"><h2>Claims</h2><table id="claims-table"><thead><tr><th>#</th>'
        '<th>claim</th><th>verdict</th><th class="num">P(supported)</th><th>evidence doc</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _detail(cid: str, result: ClaimResult, text: str, overlaps: Sequence[str]) -> str:
    claim, verdict = result.claim, result.verdict
    label = label_of(verdict.label)
    p = verdict.probability
    meter = f'<span class="meter"><span style="width:{p * 100:.1f}%"></span></span>' if p is not None else ""
    facts = [
        ("Verdict", badge(label)),
        ("P(supported)", f'<span class="prob">{num(p)}</span>{meter}'),
        ("Reason", esc(verdict.reason or "—")),
        ("Span", f"chars {claim.start}–{claim.end}: “{esc(text[claim.start : claim.end])}”"),
        ("Claim id", f"<code>{esc(claim.id)}</code>"),
    ]
    if overlaps:
        buttons = "".join(f'<button type="button" class="goto" data-goto="{o}">{o}</button>' for o in overlaps)
        facts.append(("Overlaps", buttons))
    rows = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    evidence = verdict.evidence
    if evidence:
        parts = ["<h3>Deciding evidence</h3>", _evidence_html(claim.text, evidence[0], deciding=True)]
        others = evidence[1 : 1 + _MORE_EVIDENCE]
        if others:
            more = len(evidence) - 1 - len(others)
            extra = f'<p class="note">and {more} more</p>' if more > 0 else ""
            parts.append(
                f"<details><summary>Other evidence ({len(evidence) - 1})</summary>"
                + "".join(_evidence_html(claim.text, ev, deciding=False) for ev in others)
                + f"{extra}</details>"
            )
        evidence_html = "".join(parts)
    else:
        evidence_html = '<h3>Deciding evidence</h3><p class="note">No evidence passage.</p>'
    return (
        f'<section class="detail {label}" id="detail-{cid}" data-detail="{cid}" hidden>'
        f'<h3>Claim {cid}</h3><p class="claim-text">{esc(claim.text)}</p>'
        f'<dl class="facts">{rows}</dl>{evidence_html}</section>'
    )


def _evidence_html(claim_text: str, evidence: Evidence, *, deciding: bool) -> str:
    """A passage with its doc id and offsets, and the sentence carrying the evidence highlighted."""
    passage = evidence.passage
    body = passage.text
    try:
        start, end = evidence_span(claim_text, body)
    except VeracityError:
        start = end = 0
    if start < end:
        shown = f'{esc(body[:start])}<mark class="ev-span">{esc(body[start:end])}</mark>{esc(body[end:])}'
        where = f" · evidence span chars {passage.start + start}–{passage.start + end}"
    else:
        shown, where = esc(body), ""
    meta = (
        f"doc <code>{esc(passage.doc_id)}</code> · passage <code>{esc(passage.id)}</code> · "
        f"chars {passage.start}–{passage.end}{where} · {esc(evidence.source)} · score {num(evidence.score)}"
    )
    cls = "evidence deciding" if deciding else "evidence"
    return f'<div class="{cls}"><p class="ev-meta">{meta}</p><blockquote class="passage">{shown}</blockquote></div>'


def _citations_html(citations: Any) -> str:
    rows = []
    for n, item in enumerate(citations.sentences, 1):
        sentence = item.sentence
        status = item.status if item.status in STATUS_NAMES else "no_citation"
        relevant = list(item.relevant) + [False] * (len(item.counted) - len(item.relevant))
        cited = " ".join(f"[{index + 1}]{'✓' if ok else '✗'}" for index, ok in zip(item.counted, relevant))
        if sentence.out_of_range:
            cited = (cited + " " if cited else "") + "out of range: " + ", ".join(sentence.out_of_range)
        needed = '<span class="badge needed">citation needed</span>' if item.citation_needed else ""
        rows.append(
            f'<tr class="cite-row" data-status="{status}"><td>{n}</td><td>{esc(sentence.text)}</td>'
            f"<td>{esc(' '.join(sentence.markers)) or '—'}</td><td>{esc(cited) or '—'}</td>"
            f'<td><span class="badge st-{status}">{STATUS_NAMES[status]}</span>{needed}</td></tr>'
        )
    return (
        '<section id="citations" class="card"><h2>Citations</h2>'
        f"<p>Citation recall <b>{num(citations.recall)}</b> ({citations.n_supported}/{citations.n_sentences} "
        f"sentences supported by their citations) · precision <b>{num(citations.precision)}</b> "
        f"({citations.n_relevant}/{citations.n_citations} citations relevant)</p>"
        '<table id="citations-table"><thead><tr><th>#</th><th>sentence</th><th>markers</th>'
        "<th>counted (relevant ✓)</th><th>status</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _metrics_html(report: Report, citations: Any) -> str:
    metrics = getattr(report, "metrics", None) or answer_metrics(report)
    attribution = getattr(report, "attribution_score", None) if hasattr(report, "metrics") else attribution_score(report)
    gamma = f"γ = {metrics.gamma:g}" if metrics.gamma else "no length penalty"
    rows: list[tuple[str, str, str]] = [
        ("factual_precision", "Factual precision (supported / scored)", num(metrics.factual_precision)),
        ("factscore", f"FActScore ({gamma}; factual precision times exp(1 − γ/claims) when there are fewer than γ claims)", num(metrics.factscore)),
        ("f1_at_k", f"F1@{metrics.k}", num(metrics.f1_at_k)),
        ("faithfulness", "Faithfulness", num(metrics.faithfulness)),
        ("hallucination_rate", "Hallucination rate (refuted / scored)", num(metrics.hallucination_rate)),
        ("attribution_score", "Attribution score (−1 to 1)", num(attribution)),
    ]
    if citations is not None:
        rows += [
            ("citation_recall", "Citation recall", num(citations.recall)),
            ("citation_precision", "Citation precision", num(citations.precision)),
        ]
    rows += _trust_rows(getattr(report, "trust", None))
    rows += [
        ("n_claims", "Claims", str(metrics.n_claims)),
        ("n_scored", "Scored claims", str(metrics.n_scored)),
        ("n_supported", "Supported", str(metrics.n_supported)),
        ("n_refuted", "Refuted", str(metrics.n_refuted)),
        ("n_not_enough_info", "Not enough info", str(metrics.n_not_enough_info)),
        ("n_unscored", "Unscored", str(metrics.n_unscored)),
    ]
    body = "".join(
        f'<tr data-metric="{key}"><th scope="row">{esc(name)}</th><td class="num">{value}</td></tr>' for key, name, value in rows
    )
    return f'<section id="metrics" class="card"><h2>Metrics</h2><table id="metrics-table"><tbody>{body}</tbody></table></section>'


def _trust_rows(trust: Any) -> list[tuple[str, str, str]]:
    """The answer's Trust-Score components (the score itself is over a set of answers: `trust_score`)."""
    if trust is None:
        return []
    yes_no = lambda flag: "—" if flag is None else "yes" if flag else "no"  # noqa: E731
    rows = [
        ("trust_refused", "Refusal (the answer declines to answer)", yes_no(trust.refused)),
        ("trust_answerable", f"Answerable (the contexts hold the answer; {trust.answerable_from or 'unknown'})", yes_no(trust.answerable)),
    ]
    if trust.reference:
        rows.append(("trust_correctness", "Answer correctness (reference facts in the contexts that the answer states)", num(trust.correctness)))
    if trust.citation_recall is not None:
        f1 = _f1(trust.citation_recall, trust.citation_precision or 0.0)
        rows.append(("trust_citation_f1", "Citation F1 (Trust-Score grounded citations; 0 when nothing is cited)", num(f1)))
    return rows


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0
