"""The HTML summary page of a `veracity batch` output (`render_batch_html`, `read_batch_output`)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError
from veracity.reports._page import document, esc, label_of, num
from veracity.types import LABELS

BINS = 10


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
            counts[label_of(verdict.get("label") if isinstance(verdict, Mapping) else None)] += 1
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
        ("mean_precision", num(sum(precisions) / len(precisions) if precisions else None), "mean factual precision"),
        ("pooled_precision", num(supported / scored if scored else None), "pooled precision (all claims)"),
    ]
    stat_html = "".join(f'<li data-stat="{key}"><b>{value}</b><span>{esc(name)}</span></li>' for key, value, name in stats)
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
            f'<tr class="error-row"><td class="num">{esc(r.line)}</td><td>{esc(r.name)}</td>'
            f'<td class="error-text">{esc(r.error)}</td></tr>'
            for r in errors
        )
        sections.append(
            f'<section id="errors" class="card"><h2>Errors ({len(errors)})</h2><table id="errors-table"><thead><tr>'
            f'<th class="num">line</th><th>id</th><th>error</th></tr></thead><tbody>{rows_html}</tbody></table></section>'
        )
    sub = f"{len(records)} records: {len(ok)} checked, {len(errors)} errors"
    body = (
        f'<header class="top"><h1>{esc(title)}</h1><p class="sub">{esc(sub)}</p></header>\n'
        f'<main class="layout" style="grid-template-columns:1fr"><div class="content">{chr(10).join(sections)}</div></main>'
    )
    return document(title, body)


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
            f'<td class="num">{esc(r.line)}</td><td>{esc(r.name)}</td><td class="num">{r.n_claims}</td>',
            "".join(f'<td class="num">{r.counts[label]}</td>' for label in LABELS),
            f'<td class="num" data-precision="{num(r.precision)}">{num(r.precision)}{bar}</td>',
            f'<td class="num">{num(r.attribution)}</td>' if with_attr else "",
            f'<td class="num">{num(r.citation_recall)}</td>' if with_cite else "",
        ]
        rows.append(f'<tr class="record-row">{"".join(cells)}</tr>')
    table = (
        f'<table id="records-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if rows
        else '<p class="note">No record was checked.</p>'
    )
    return f'<section id="records" class="card"><h2>Records ({len(ok)})</h2>{table}</section>'
