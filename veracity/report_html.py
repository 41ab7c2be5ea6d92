"""Self-contained HTML reports: one checked answer (`render_html`) or a batch output (`render_batch_html`).

Each page is one file that opens offline: inline CSS, a little inline JS, no external resource, a
Content-Security-Policy that forbids every fetch, and every piece of text escaped with `html.escape`.

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
`#claim=cN` in the URL opens claim cN's panel.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from veracity.attribution.metrics import answer_metrics
from veracity.attribution.scores import attribution_score
from veracity.attribution.spans import evidence_span
from veracity.errors import InputFormatError, VeracityError
from veracity.types import LABELS, ClaimResult, Evidence, Report

LABEL_NAMES: dict[str, str] = {
    "supported": "supported",
    "refuted": "refuted",
    "not_enough_info": "not enough info",
    "unscored": "unscored",
}
STATUS_NAMES: dict[str, str] = {
    "supported": "supported",
    "unsupported": "unsupported",
    "no_citation": "no citation",
    "out_of_range": "out of range",
}
BINS = 10
_MORE_EVIDENCE = 4
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_CSS = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#fff;--page:#f6f8fa;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--page);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",
"DejaVu Sans","Liberation Sans",Arial,sans-serif}
header.top{max-width:1280px;margin:0 auto;padding:18px 20px 6px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:16px;margin:0 0 10px}
h3{font-size:15px;margin:0 0 8px}
.sub,.hint,.placeholder,.note{color:var(--muted);font-size:13px;margin:4px 0}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 390px;gap:16px;max-width:1280px;margin:0 auto;
padding:8px 20px 40px;align-items:start}
.content{display:flex;flex-direction:column;gap:16px;min-width:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px}
#panel{position:sticky;top:12px;max-height:calc(100vh - 24px);overflow:auto}
.answer-text{white-space:pre-wrap;font-size:16px;line-height:2.1;margin:6px 0}
.question{font-style:italic}
.supported{--fg:#1a7f37;--bg:rgba(46,160,67,.22)}
.refuted{--fg:#cf222e;--bg:rgba(207,34,46,.20)}
.not_enough_info{--fg:#9a6700;--bg:rgba(212,167,44,.30)}
.unscored{--fg:#6e7781;--bg:rgba(110,119,129,.16)}
mark.claim{background:var(--bg);color:inherit;border-bottom:2px solid var(--fg);padding:2px 0;cursor:pointer;
border-radius:2px}
mark.claim.unscored{border-bottom-style:dashed}
mark.claim mark.claim{padding-bottom:0}
mark.claim.active{outline:2px solid var(--accent);outline-offset:1px}
mark.claim:focus{outline:2px solid var(--accent)}
mark.claim.anchor{padding:0 2px;font-weight:bold;color:var(--fg)}
.legend{display:flex;flex-wrap:wrap;gap:14px;list-style:none;margin:0 0 4px;padding:0;font-size:13px}
.legend li{display:flex;align-items:center;gap:5px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px;background:var(--bg);
border-bottom:2px solid var(--fg)}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;
color:var(--fg);background:var(--bg);border:1px solid var(--fg)}
.st-supported{--fg:#1a7f37;--bg:rgba(46,160,67,.14)}
.st-unsupported{--fg:#cf222e;--bg:rgba(207,34,46,.12)}
.st-no_citation{--fg:#6e7781;--bg:rgba(110,119,129,.12)}
.st-out_of_range{--fg:#8250df;--bg:rgba(130,80,223,.12)}
.needed{--fg:#bc4c00;--bg:rgba(251,143,68,.16);margin-left:4px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.02em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr[data-ref]{cursor:pointer}
tr[data-ref]:hover,tr[data-ref].active{background:#eef4ff}
#metrics-table{max-width:560px}
#metrics-table th[scope=row]{text-transform:none;font-size:14px;color:var(--ink);font-weight:500;letter-spacing:0}
.claim-text{font-size:16px;font-weight:600;margin:4px 0 8px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 12px;margin:0 0 10px;font-size:14px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.meter{display:inline-block;width:90px;height:8px;border-radius:4px;background:#e6eaef;margin-left:8px;
vertical-align:middle;overflow:hidden}
.meter>span{display:block;height:100%;background:#1a7f37}
.evidence{border-left:3px solid var(--line);padding:2px 0 2px 10px;margin:6px 0 10px}
.evidence.deciding{border-left-color:var(--accent)}
.ev-meta{font-size:12px;color:var(--muted);margin:0 0 4px;overflow-wrap:anywhere}
.passage{margin:0;font-size:14px;white-space:pre-wrap;overflow-wrap:anywhere}
mark.ev-span{background:#fff3b0;color:inherit;box-shadow:0 0 0 1px #d4a72c;border-radius:2px}
button.goto{font:inherit;font-size:12px;border:1px solid var(--line);background:#f6f8fa;border-radius:10px;
padding:0 8px;cursor:pointer;margin:0 4px 2px 0}
details summary{cursor:pointer;font-size:13px;color:var(--muted)}
code{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;background:#f0f2f4;padding:0 3px;border-radius:3px}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:0;padding:0;list-style:none}
.stats li{border:1px solid var(--line);border-radius:8px;padding:6px 12px;min-width:120px}
.stats b{display:block;font-size:20px}
.stats span{font-size:12px;color:var(--muted)}
svg.histogram{max-width:100%;height:auto;font-size:11px}
svg.histogram rect.bar{fill:#2da44e}
svg.histogram rect.bar-na{fill:#8c959f}
svg.histogram text{fill:var(--muted)}
svg.histogram text.count{fill:var(--ink);font-weight:600}
.pbar{display:inline-block;width:60px;height:7px;background:#e6eaef;border-radius:4px;margin-left:6px;
vertical-align:middle;overflow:hidden}
.pbar>span{display:block;height:100%;background:#2da44e}
.error-text{color:#cf222e;overflow-wrap:anywhere}
@media (max-width:900px){.layout{grid-template-columns:1fr}#panel{position:static;max-height:none}}
"""

_JS = """
(function () {
  var panel = document.getElementById("panel");
  var pinned = null;
  function idOf(target) {
    var el = target && target.closest ? target.closest("[data-claim], [data-ref]") : null;
    return el ? el.getAttribute("data-claim") || el.getAttribute("data-ref") : null;
  }
  function show(id) {
    var detail = document.getElementById("detail-" + id);
    if (!detail) { return; }
    panel.querySelectorAll(".detail").forEach(function (d) { d.hidden = d !== detail; });
    panel.querySelectorAll(".placeholder").forEach(function (p) { p.hidden = true; });
    panel.setAttribute("data-open", id);
    document.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
    document.querySelectorAll('[data-claim="' + id + '"], [data-ref="' + id + '"]').forEach(function (el) {
      el.classList.add("active");
    });
  }
  function pin(id) {
    if (!document.getElementById("detail-" + id)) { return; }
    pinned = id;
    show(id);
    if (window.history && history.replaceState) { history.replaceState(null, "", "#claim=" + id); }
  }
  document.addEventListener("mouseover", function (ev) { var id = idOf(ev.target); if (id) { show(id); } });
  document.addEventListener("mouseout", function (ev) { if (pinned && idOf(ev.target)) { show(pinned); } });
  document.addEventListener("focusin", function (ev) { var id = idOf(ev.target); if (id) { show(id); } });
  document.addEventListener("click", function (ev) {
    var go = ev.target.closest ? ev.target.closest("[data-goto]") : null;
    var id = go ? go.getAttribute("data-goto") : idOf(ev.target);
    if (id) { pin(id); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" && ev.key !== " ") { return; }
    var id = idOf(ev.target);
    if (id) { ev.preventDefault(); pin(id); }
  });
  function fromHash() { var m = /^#claim=(c[0-9]+)$/.exec(location.hash); if (m) { pin(m[1]); } }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""


# ------------------------------------------------------------------------------------ helpers


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def _label(value: object) -> str:
    """A verdict label safe to use as a CSS class (anything unknown reads as `unscored`)."""
    return value if isinstance(value, str) and value in LABELS else "unscored"


def _badge(label: str) -> str:
    return f'<span class="badge {label}">{_e(LABEL_NAMES[label])}</span>'


def _document(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>\n" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n{tail}</body>\n</html>\n"
    )


def write_html(path: Path | None, document: str) -> None:
    """Write an HTML page to `path`; a clear `VeracityError` when no path is given or it cannot be written."""
    if path is None:
        raise VeracityError("an HTML report is a file: give --out REPORT.html")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document, encoding="utf-8")
    except OSError as err:
        raise VeracityError(f"cannot write {path}: {err.strerror or err}") from err


# ------------------------------------------------------------------------------ one report


def render_html(report: Report, *, title: str = "veracity report") -> str:
    """One self-contained HTML page for a `Report` (or `RAGReport`): highlighted answer, claim panels,
    citation status per sentence (when the answer cites), answer-level metrics and a legend."""
    results = report.results
    ids = [f"c{i}" for i in range(1, len(results) + 1)]
    question = getattr(report, "question", None)
    citations = getattr(report, "citations", None)
    summary = report.summary
    counts = ", ".join(f"{summary.counts.get(label, 0)} {LABEL_NAMES[label]}" for label in LABELS)
    sub = f"{summary.n_claims} claims ({counts}); factual precision {_num(summary.factual_precision)}"
    sections = []
    if question:
        sections.append(f'<section id="question" class="card"><h2>Question</h2><p class="question">{_e(question)}</p></section>')
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
        f'<header class="top"><h1>{_e(title)}</h1><p class="sub">{_e(sub)}</p></header>\n'
        f'<main class="layout">\n<div class="content">\n{chr(10).join(sections)}\n</div>\n'
        '<aside id="panel" class="card" aria-live="polite"><h2>Claim detail</h2>'
        '<p class="placeholder">Hover, focus or click a highlighted claim.</p>'
        f"{details}</aside>\n</main>"
    )
    return _document(title, body, _JS)


def _legend(counts: Mapping[str, int]) -> str:
    items = "".join(
        f'<li><span class="swatch {label}"></span>{_e(LABEL_NAMES[label])} <b>{counts.get(label, 0)}</b></li>'
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
        label = _label(result.verdict.label)
        head = f' id="claim-{cid}" tabindex="0"' if i not in seen else ""
        seen.add(i)
        tip = f"{cid}: {LABEL_NAMES[label]} - {result.claim.text}"
        return f'<mark class="claim {label}{cls}" data-claim="{cid}"{head} title="{_e(tip)}">'

    for a, b in zip(bounds, [*bounds[1:], n]):
        for i in anchors.pop(a, []):
            out.append(opening(i, " anchor") + "⁕</mark>")
        if a >= b:
            continue
        covering = [i for i, (s, e) in enumerate(spans) if s <= a and b <= e and s < e]
        # Longest claim outermost; among equals, the earlier claim outermost.
        covering.sort(key=lambda i: (spans[i][1] - spans[i][0], -i), reverse=True)
        out.append("".join(opening(i) for i in covering) + _e(text[a:b]) + "</mark>" * len(covering))
    return "".join(out)


def _overlapping(i: int, spans: Sequence[tuple[int, int]], ids: Sequence[str]) -> list[str]:
    s, e = spans[i]
    return [ids[j] for j, (s2, e2) in enumerate(spans) if j != i and s2 < e and s < e2]


def _claims_table(results: Sequence[ClaimResult], ids: Sequence[str]) -> str:
    rows = []
    for cid, result in zip(ids, results):
        verdict = result.verdict
        label = _label(verdict.label)
        source = _e(verdict.evidence[0].passage.doc_id) if verdict.evidence else '<span class="note">none</span>'
        rows.append(
            f'<tr data-ref="{cid}" tabindex="0"><td>{cid}</td><td>{_e(result.claim.text)}</td>'
            f'<td>{_badge(label)}</td><td class="num">{_num(verdict.probability)}</td><td>{source}</td></tr>'
        )
    return (
        '<section id="claims" class="card"><h2>Claims</h2><table id="claims-table"><thead><tr><th>#</th>'
        '<th>claim</th><th>verdict</th><th class="num">P(supported)</th><th>evidence doc</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _detail(cid: str, result: ClaimResult, text: str, overlaps: Sequence[str]) -> str:
    claim, verdict = result.claim, result.verdict
    label = _label(verdict.label)
    p = verdict.probability
    meter = f'<span class="meter"><span style="width:{p * 100:.1f}%"></span></span>' if p is not None else ""
    facts = [
        ("Verdict", _badge(label)),
        ("P(supported)", f'<span class="prob">{_num(p)}</span>{meter}'),
        ("Reason", _e(verdict.reason or "—")),
        ("Span", f"chars {claim.start}–{claim.end}: “{_e(text[claim.start : claim.end])}”"),
        ("Claim id", f"<code>{_e(claim.id)}</code>"),
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
        f'<h3>Claim {cid}</h3><p class="claim-text">{_e(claim.text)}</p>'
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
        shown = f'{_e(body[:start])}<mark class="ev-span">{_e(body[start:end])}</mark>{_e(body[end:])}'
        where = f" · evidence span chars {passage.start + start}–{passage.start + end}"
    else:
        shown, where = _e(body), ""
    meta = (
        f"doc <code>{_e(passage.doc_id)}</code> · passage <code>{_e(passage.id)}</code> · "
        f"chars {passage.start}–{passage.end}{where} · {_e(evidence.source)} · score {_num(evidence.score)}"
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
            f'<tr class="cite-row" data-status="{status}"><td>{n}</td><td>{_e(sentence.text)}</td>'
            f"<td>{_e(' '.join(sentence.markers)) or '—'}</td><td>{_e(cited) or '—'}</td>"
            f'<td><span class="badge st-{status}">{STATUS_NAMES[status]}</span>{needed}</td></tr>'
        )
    return (
        '<section id="citations" class="card"><h2>Citations</h2>'
        f"<p>Citation recall <b>{_num(citations.recall)}</b> ({citations.n_supported}/{citations.n_sentences} "
        f"sentences supported by their citations) · precision <b>{_num(citations.precision)}</b> "
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
        ("factual_precision", "Factual precision (supported / scored)", _num(metrics.factual_precision)),
        ("factscore", f"FActScore ({gamma}; factual precision times exp(1 − γ/claims) when there are fewer than γ claims)", _num(metrics.factscore)),
        ("f1_at_k", f"F1@{metrics.k}", _num(metrics.f1_at_k)),
        ("faithfulness", "Faithfulness", _num(metrics.faithfulness)),
        ("hallucination_rate", "Hallucination rate (refuted / scored)", _num(metrics.hallucination_rate)),
        ("attribution_score", "Attribution score (−1 to 1)", _num(attribution)),
    ]
    if citations is not None:
        rows += [
            ("citation_recall", "Citation recall", _num(citations.recall)),
            ("citation_precision", "Citation precision", _num(citations.precision)),
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
        f'<tr data-metric="{key}"><th scope="row">{_e(name)}</th><td class="num">{value}</td></tr>' for key, name, value in rows
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
        rows.append(("trust_correctness", "Answer correctness (reference facts in the contexts that the answer states)", _num(trust.correctness)))
    if trust.citation_recall is not None:
        f1 = _f1(trust.citation_recall, trust.citation_precision or 0.0)
        rows.append(("trust_citation_f1", "Citation F1 (Trust-Score grounded citations; 0 when nothing is cited)", _num(f1)))
    return rows


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


# ------------------------------------------------------------------------------ batch summary


@dataclass
class _Row:
    line: object
    name: str
    ok: bool
    error: str = ""
    n_claims: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    precision: float | None = None
    attribution: float | None = None
    citation_recall: float | None = None


def read_batch_output(path: Path) -> list[dict[str, Any]]:
    """The records of a `veracity batch` output JSONL; `InputFormatError` when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputFormatError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from err
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputFormatError(f"{path} line {n} is not JSON ({err.msg}): is it a veracity batch output?") from err
        if not isinstance(row, dict) or "status" not in row:
            raise InputFormatError(f"{path} line {n} is not a veracity batch record (no `status`)")
        rows.append(row)
    return rows


def _batch_row(n: int, row: Mapping[str, Any]) -> _Row:
    line = row.get("line", n) if isinstance(row, Mapping) else n
    if not isinstance(row, Mapping):
        return _Row(line, f"#{n}", ok=False, error="not a batch record")
    name = str(row.get("id") if row.get("id") is not None else row.get("key", f"#{n}"))
    report = row.get("report")
    if row.get("status") != "ok" or not isinstance(report, Mapping):
        return _Row(line, name, ok=False, error=str(row.get("error") or "malformed record (no report)"))
    summary = report.get("summary") if isinstance(report.get("summary"), Mapping) else {}
    results = report.get("results") if isinstance(report.get("results"), list) else []
    raw = summary.get("counts")
    if isinstance(raw, Mapping):
        counts = {label: int(raw.get(label) or 0) for label in LABELS}
    else:
        counts = {label: 0 for label in LABELS}
        for result in results:
            verdict = result.get("verdict") if isinstance(result, Mapping) else None
            counts[_label(verdict.get("label") if isinstance(verdict, Mapping) else None)] += 1
    scored = sum(counts.values()) - counts["unscored"]
    precision = summary.get("factual_precision") if "factual_precision" in summary else (
        counts["supported"] / scored if scored else None
    )
    citations = report.get("citations")
    return _Row(
        line,
        name,
        ok=True,
        n_claims=int(summary.get("n_claims", len(results)) or 0),
        counts=counts,
        precision=_float(precision),
        attribution=_float(report.get("attribution_score")),
        citation_recall=_float(citations.get("recall")) if isinstance(citations, Mapping) else None,
    )


def _float(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _bin(precision: float) -> int:
    """Bin k holds [k/10, (k+1)/10); the last one also holds 1.0."""
    return max(0, min(BINS - 1, int(precision * BINS + 1e-9)))


def render_batch_html(rows: Iterable[Mapping[str, Any]], *, title: str = "veracity batch summary") -> str:
    """A self-contained summary page of `veracity batch` output records: ok/error counts, a histogram
    of per-record factual precision (10 bins, records with none counted apart), the records and the errors."""
    records = [_batch_row(n, row) for n, row in enumerate(rows, 1)]
    ok = [r for r in records if r.ok]
    errors = [r for r in records if not r.ok]
    bins = [0] * BINS
    for r in ok:
        if r.precision is not None:
            bins[_bin(r.precision)] += 1
    no_precision = sum(r.precision is None for r in ok)
    precisions = [r.precision for r in ok if r.precision is not None]
    supported = sum(r.counts["supported"] for r in ok)
    scored = sum(r.counts[label] for r in ok for label in ("supported", "refuted", "not_enough_info"))
    stats = [
        ("records", str(len(records)), "records"),
        ("ok", str(len(ok)), "checked"),
        ("errors", str(len(errors)), "errors"),
        ("claims", str(sum(r.n_claims for r in ok)), "claims"),
        ("mean_precision", _num(sum(precisions) / len(precisions) if precisions else None), "mean factual precision"),
        ("pooled_precision", _num(supported / scored if scored else None), "pooled precision (all claims)"),
    ]
    stat_html = "".join(f'<li data-stat="{key}"><b>{value}</b><span>{_e(name)}</span></li>' for key, value, name in stats)
    sections = [
        f'<section id="overview" class="card"><h2>Overview</h2><ul class="stats">{stat_html}</ul></section>',
        '<section id="distribution" class="card"><h2>Factual precision per record</h2>'
        f"{_histogram(bins, no_precision)}"
        f'<p class="note">{len(precisions)} records with a precision in 10 bins; {no_precision} without one '
        "(no scored claim), shown as n/a.</p></section>",
        _records_table(ok),
    ]
    if errors:
        rows_html = "".join(
            f'<tr class="error-row"><td class="num">{_e(r.line)}</td><td>{_e(r.name)}</td>'
            f'<td class="error-text">{_e(r.error)}</td></tr>'
            for r in errors
        )
        sections.append(
            f'<section id="errors" class="card"><h2>Errors ({len(errors)})</h2><table id="errors-table"><thead><tr>'
            f'<th class="num">line</th><th>id</th><th>error</th></tr></thead><tbody>{rows_html}</tbody></table></section>'
        )
    sub = f"{len(records)} records: {len(ok)} checked, {len(errors)} errors"
    body = (
        f'<header class="top"><h1>{_e(title)}</h1><p class="sub">{_e(sub)}</p></header>\n'
        f'<main class="layout" style="grid-template-columns:1fr"><div class="content">{chr(10).join(sections)}</div></main>'
    )
    return _document(title, body)


def _histogram(bins: Sequence[int], no_precision: int) -> str:
    """Inline SVG bars: one per precision bin, then an n/a bar for records without a precision."""
    width, height, left, top, plot_h = 640, 230, 36, 20, 160
    slot = (width - left - 10) / (len(bins) + 1.5)
    peak = max([*bins, no_precision, 1])
    parts = [
        f'<svg class="histogram" id="histogram" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="histogram of factual precision per record">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#8c959f"/>',
    ]

    def bar(x: float, count: int, cls: str, label: str) -> str:
        h = plot_h * count / peak
        y = top + plot_h - h
        return (
            f'<rect class="{cls}" data-bin="{label}" data-count="{count}" x="{x + 3:.1f}" y="{y:.1f}" '
            f'width="{slot - 6:.1f}" height="{h:.1f}"><title>{label}: {count} records</title></rect>'
            f'<text class="count" x="{x + slot / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{count}</text>'
        )

    for k, count in enumerate(bins):
        x = left + k * slot
        parts.append(bar(x, count, "bar", f"{k / BINS:.1f}–{(k + 1) / BINS:.1f}"))
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{k / BINS:.1f}</text>')
    parts.append(f'<text x="{left + len(bins) * slot:.1f}" y="{top + plot_h + 16}" text-anchor="middle">1.0</text>')
    x_na = left + (len(bins) + 0.5) * slot
    parts.append(bar(x_na, no_precision, "bar-na", "n/a"))
    parts.append(f'<text x="{x_na + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">n/a</text>')
    parts.append(
        f'<text x="{left + len(bins) * slot / 2:.1f}" y="{height - 4}" text-anchor="middle">factual precision</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _records_table(ok: Sequence[_Row]) -> str:
    with_attr = any(r.attribution is not None for r in ok)
    with_cite = any(r.citation_recall is not None for r in ok)
    head = (
        '<th class="num">line</th><th>id</th><th class="num">claims</th><th class="num">supported</th>'
        '<th class="num">refuted</th><th class="num">NEI</th><th class="num">unscored</th><th class="num">precision</th>'
        + ('<th class="num">attribution</th>' if with_attr else "")
        + ('<th class="num">citation recall</th>' if with_cite else "")
    )
    rows = []
    for r in ok:
        bar = (
            f'<span class="pbar"><span style="width:{r.precision * 100:.0f}%"></span></span>'
            if r.precision is not None
            else ""
        )
        cells = [
            f'<td class="num">{_e(r.line)}</td><td>{_e(r.name)}</td><td class="num">{r.n_claims}</td>',
            "".join(f'<td class="num">{r.counts[label]}</td>' for label in LABELS),
            f'<td class="num" data-precision="{_num(r.precision)}">{_num(r.precision)}{bar}</td>',
            f'<td class="num">{_num(r.attribution)}</td>' if with_attr else "",
            f'<td class="num">{_num(r.citation_recall)}</td>' if with_cite else "",
        ]
        rows.append(f'<tr class="record-row">{"".join(cells)}</tr>')
    table = (
        f'<table id="records-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if rows
        else '<p class="note">No record was checked.</p>'
    )
    return f'<section id="records" class="card"><h2>Records ({len(ok)})</h2>{table}</section>'
