"""Human-readable output of a `Report`: a rich table and a summary line."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from veracity.types import Report

LABEL_STYLES = {
    "supported": "bold green",
    "refuted": "bold red",
    "not_enough_info": "bold yellow",
    "unscored": "dim",
}


def _snippet(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report_table(report: Report) -> Table:
    table = Table(title="Claims", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("claim", ratio=3)
    table.add_column("verdict", no_wrap=True)
    table.add_column("P(sup)", justify="right", no_wrap=True)
    table.add_column("evidence", ratio=4)
    for i, result in enumerate(report.results, 1):
        verdict = result.verdict
        probability = "-" if verdict.probability is None else f"{verdict.probability:.2f}"
        decided = verdict.decided_by
        if decided is not None:
            evidence = Text(f"[{decided.doc_id} {decided.doc_span.start}:{decided.doc_span.end}] ", style="cyan")
            evidence.append(_snippet(decided.text))
        elif verdict.evidence:
            top = verdict.evidence[0]
            evidence = Text(f"[{top.passage.doc_id} {top.passage.start}:{top.passage.end}] ", style="cyan")
            evidence.append(_snippet(top.passage.text))
        else:
            evidence = Text(verdict.reason or "", style="dim")
        table.add_row(str(i), result.claim.text, Text(verdict.label, style=LABEL_STYLES[verdict.label]), probability, evidence)
    return table


def summary_line(report: Report) -> str:
    s = report.summary
    counts = ", ".join(f"{label} {n}" for label, n in s.counts.items() if n)
    precision = "n/a" if s.factual_precision is None else f"{s.factual_precision:.2f}"
    return f"{s.n_claims} claims ({counts or 'none'}); factual precision {precision}"


def judge_stats_line(report: Report) -> str | None:
    """What a staged judge (the cascade) did: claims per stage and the LLM's calls, tokens and cost."""
    s = report.judge_stats
    if s is None:
        return None
    kept = f", {s.llm_unscored} unjudged by the LLM kept the fast verdict" if s.llm_unscored else ""
    return (
        f"cascade: {s.fast} claims decided by the fast verifier, {s.llm} sent to the LLM{kept}; "
        f"LLM calls {s.llm_calls}, tokens {s.prompt_tokens} in / {s.completion_tokens} out, cost ${s.cost_usd:.4f}"
    )


def rag_lines(report: Report) -> list[str]:
    """Citation and answer-metric lines of a RAG report (none for a plain report)."""
    lines = []
    citations = getattr(report, "citations", None)
    if citations is not None:
        lines.append(
            f"citations: recall {citations.recall:.2f}, precision {citations.precision:.2f} "
            f"({citations.n_supported}/{citations.n_sentences} sentences supported by their citations)"
        )
        needed = [s.sentence.text for s in citations.sentences if s.citation_needed]
        lines += [f"citation needed: {text}" for text in needed]
    metrics = getattr(report, "metrics", None)
    if metrics is not None:
        fmt = lambda x: "n/a" if x is None else f"{x:.2f}"  # noqa: E731
        lines.append(
            f"faithfulness {fmt(metrics.faithfulness)}, hallucination rate {fmt(metrics.hallucination_rate)}, "
            f"factual precision {fmt(metrics.factual_precision)}, FActScore {fmt(metrics.factscore)}{factscore_note(metrics)}, "
            f"F1@{metrics.k} {fmt(metrics.f1_at_k)}"
        )
    return lines


def factscore_note(metrics) -> str:
    """Why FActScore is below factual precision: its length penalty for answers with few claims."""
    if not metrics.gamma or metrics.factscore is None or metrics.factual_precision is None:
        return ""
    if metrics.factscore >= metrics.factual_precision - 1e-9:
        return ""
    return f" (length-penalised: x exp(1 - {metrics.gamma:g}/claims) below {metrics.gamma:g} claims)"


def print_report(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    if not report.results:
        console.print("No checkable claims found in the text.")
    else:
        console.print(report_table(report))
        console.print(summary_line(report))
    stages = judge_stats_line(report)
    if stages is not None:
        console.print(stages)
    for line in rag_lines(report):
        console.print(line)
