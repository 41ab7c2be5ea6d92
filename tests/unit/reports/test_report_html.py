"""The HTML report: self-contained, escaped, one highlight per claim; rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _paths import DATA

from veracity.attribution import answer_metrics, attribution_score, parse_citations
from veracity.attribution.alce import CitationScores, SentenceCitation
from veracity.attribution.rag import RAGReport
from veracity.cli import app
from veracity.errors import InputFormatError
from veracity.reports import read_batch_output, render_batch_html, render_html
from veracity.types import Claim, ClaimResult, Evidence, Passage, Report, Verdict

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")


# ------------------------------------------------------------------------------------ fixtures


def _premise(hypothesis: str, three_way: str) -> str:
    """The evidence text of the nli_pairs.jsonl row with this claim and label (real FEVER / SciFact text)."""
    for line in (DATA / "nli_pairs.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["hypothesis"] == hypothesis and row["three_way"] == three_way:
            return row["premise"]
    raise KeyError(hypothesis)


CROWLEY = _premise("Aleister Crowley was born on October 12 , 1875 .", "supported")
PARAMORE = _premise("In 2004 Paramore collapsed .", "refuted")
FANNING = _premise("Dakota Fanning is also a model .", "supported")
VMH = _premise("Hypothalamic glutamate neurotransmission is unrelated to energy balance.", "not_enough_info")
METEORA = _premise("Meteora is a rock album .", "supported")


def _evidence(doc_id: str, text: str, score: float, offset: int = 0) -> Evidence:
    passage = Passage(id=f"{doc_id}#0", doc_id=doc_id, text=text, start=offset, end=offset + len(text))
    return Evidence(passage=passage, score=score, source="hybrid")


def _result(cid: str, text: str, answer: str, span: str, verdict: Verdict) -> ClaimResult:
    start = answer.index(span)
    sentence = answer[answer.rfind(".", 0, start) + 1 : answer.find(".", start) + 1].strip()
    return ClaimResult(claim=Claim(id=cid, text=text, start=start, end=start + len(span), sentence=sentence), verdict=verdict)


ANSWER = (
    "Aleister Crowley was born on October 12, 1875. In 2004 Paramore collapsed. "
    "Hannah Dakota Fanning is an American actress and model. "
    "Hypothalamic glutamate neurotransmission is unrelated to energy balance. Paramore is the best band."
)


def sample_report() -> Report:
    """Six claims, one of each label and two overlapping ones (a list split: actress / model)."""
    a = ANSWER
    results = [
        _result("c1", "Aleister Crowley was born on October 12, 1875.", a, "Aleister Crowley was born on October 12, 1875",
                Verdict(label="supported", probability=0.971, reason="entailed by the evidence",
                        evidence=[_evidence("Aleister_Crowley", CROWLEY, 0.971), _evidence("Paramore_(band)", PARAMORE, 0.01)])),
        _result("c2", "Paramore collapsed in 2004.", a, "In 2004 Paramore collapsed",
                Verdict(label="refuted", probability=0.018, reason="contradicted by the evidence",
                        evidence=[_evidence("Paramore_(band)", PARAMORE, 0.018, offset=120)])),
        _result("c3", "Hannah Dakota Fanning is an American actress.", a, "Hannah Dakota Fanning is an American actress",
                Verdict(label="supported", probability=0.93, reason="entailed by the evidence",
                        evidence=[_evidence("Dakota_Fanning", FANNING, 0.93)])),
        _result("c4", "Hannah Dakota Fanning is a model.", a, "Hannah Dakota Fanning is an American actress and model",
                Verdict(label="supported", probability=0.88, reason="entailed by the evidence",
                        evidence=[_evidence("Dakota_Fanning", FANNING, 0.88)])),
        _result("c5", "Hypothalamic glutamate neurotransmission is unrelated to energy balance.", a,
                "Hypothalamic glutamate neurotransmission is unrelated to energy balance",
                Verdict(label="not_enough_info", probability=0.31, reason="the evidence neither entails nor contradicts it",
                        evidence=[_evidence("scifact:1606628", VMH, 0.31)])),
        _result("c6", "Paramore is the best band.", a, "Paramore is the best band",
                Verdict.unscored("an opinion: no evidence can settle it")),
    ]
    return Report.of(a, results)


RAG_ANSWER = "Paramore formed in 2004 [1]. Aleister Crowley was born in 1875 [2][7]. Meteora is an album."


def rag_report() -> RAGReport:
    """A cited RAG answer with one sentence per citation status (no model: the verdicts are given)."""
    a = RAG_ANSWER
    results = [
        _result("c1", "Paramore formed in 2004.", a, "Paramore formed in 2004",
                Verdict(label="supported", probability=0.95, reason="entailed by the evidence",
                        evidence=[_evidence("ctx1", PARAMORE, 0.95)])),
        _result("c2", "Aleister Crowley was born in 1875.", a, "Aleister Crowley was born in 1875",
                Verdict(label="supported", probability=0.9, reason="entailed by the evidence",
                        evidence=[_evidence("ctx2", CROWLEY, 0.9)])),
        _result("c3", "Meteora is an album.", a, "Meteora is an album",
                Verdict(label="not_enough_info", probability=0.2, reason="the evidence neither entails nor contradicts it",
                        evidence=[_evidence("ctx1", PARAMORE, 0.2)])),
    ]
    report = Report.of(a, results)
    cited = parse_citations(a, 2)
    sentences = [
        SentenceCitation(sentence=cited[0], status="supported", supported=True, counted=[0], relevant=[True], citation_needed=False),
        SentenceCitation(sentence=cited[1], status="out_of_range", supported=False, counted=[], relevant=[], citation_needed=False),
        SentenceCitation(sentence=cited[2], status="no_citation", supported=False, counted=[], relevant=[], citation_needed=True),
    ]
    citations = CitationScores(recall=1 / 3, precision=1.0, n_sentences=3, n_supported=1, n_citations=1, n_relevant=1,
                               sentences=sentences)
    return RAGReport(**report.model_dump(), question="Who formed when?", citations=citations,
                     metrics=answer_metrics(report), attribution_score=attribution_score(report))


def batch_rows() -> list[dict]:
    """Batch output records as `veracity batch` writes them: ok (RAG and plain), no scored claim, errors."""
    plain = sample_report().model_dump(mode="json")
    rag = rag_report().model_dump(mode="json")
    unscored = Report.of("Paramore is the best band.", [sample_report().results[5]]).model_dump(mode="json")
    return [
        {"key": "a", "line": 1, "id": "a", "status": "ok", "report": plain},  # precision 3/5 = 0.6
        {"key": "b", "line": 2, "id": "b", "status": "ok", "report": rag},  # 2/3
        {"key": "c", "line": 3, "id": "c", "status": "ok", "report": unscored},  # None
        {"key": "line:4", "line": 4, "id": None, "status": "error", "error": "line 4: invalid JSON (Expecting value)"},
        {"key": "e", "line": 5, "id": "e<script>", "status": "error", "error": "`text` must be a non-empty <string>"},
    ]


# ------------------------------------------------------------------------------ DOM helpers


class Dom(HTMLParser):
    """Start tags with their attributes, the text inside each element id, and parse sanity."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "line"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text_of: dict[str, list[str]] = {}
        self.open_ids: list[tuple[int, str]] = []
        self.script_text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if (ident := dict(attrs).get("id")) is not None:
            self.open_ids.append((len(self.stack), ident))
            self.text_of[ident] = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        while self.open_ids and self.open_ids[-1][0] == len(self.stack):
            self.open_ids.pop()
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for _, ident in self.open_ids:
            self.text_of[ident].append(data)
        if self.stack and self.stack[-1] == "script":
            self.script_text.append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[dict[str, str | None]]:
        out = []
        for name, a in self.tags:
            if tag is not None and name != tag:
                continue
            if cls is not None and cls not in (a.get("class") or "").split():
                continue
            if all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(a)
        return out

    def text(self, ident: str, sep: str = " ") -> str:
        """The element's text, whitespace collapsed; `sep` joins the text of adjacent elements."""
        return " ".join(sep.join(self.text_of[ident]).split())


def claim_ids(dom: Dom) -> set[str]:
    return {a["data-claim"] or "" for a in dom.find("mark", cls="claim") if "data-claim" in a}


def assert_self_contained(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    dom = Dom(html)
    for tag, attrs in dom.tags:
        assert "src" not in attrs, f"<{tag} src> loads a resource"
        assert tag not in {"link", "iframe", "img", "object", "embed"}
        assert not (attrs.get("href") or "#").split("#")[0], f"<{tag} href={attrs['href']}> leaves the page"
    assert "@import" not in html and "url(" not in html


# ------------------------------------------------------------------------------ static checks


def test_report_is_one_self_contained_well_formed_page() -> None:
    html = render_html(sample_report())
    assert html.startswith("<!DOCTYPE html>")
    assert_self_contained(html)
    dom = Dom(html)
    assert dom.stack == []
    assert len(dom.find("script")) == 1 and len(dom.find("style")) == 1
    assert dom.find("meta", http_equiv="Content-Security-Policy")


def test_every_claim_is_highlighted_with_its_verdict() -> None:
    report = sample_report()
    dom = Dom(render_html(report))
    assert claim_ids(dom) == {f"c{i}" for i in range(1, 7)}
    heads = [a for a in dom.find("mark", cls="claim") if a.get("id")]
    assert sorted(a["id"] or "" for a in heads) == [f"claim-c{i}" for i in range(1, 7)]  # one head mark each
    for i, result in enumerate(report.results, 1):
        classes = {c for a in dom.find("mark", data_claim=f"c{i}") for c in (a["class"] or "").split()}
        assert result.verdict.label in classes
    # The answer text reads unchanged through the marks.
    assert dom.text("answer-text", sep="") == " ".join(report.text.split())
    assert [dom.text(f"claim-c{i}", sep="") for i in (1, 2)] == ["Aleister Crowley was born on October 12, 1875", "In 2004 Paramore collapsed"]


def test_overlapping_claims_nest_in_shared_segments() -> None:
    html = render_html(sample_report())
    # c3 (actress) lies inside c4 (actress and model): the shared words carry both marks, c4 outermost.
    assert '<mark class="claim supported" data-claim="c4" id="claim-c4"' in html
    shared = html.index('data-claim="c4" id="claim-c4"')
    assert html.index('data-claim="c3" id="claim-c3"') > shared
    assert html.index(">Hannah Dakota Fanning is an American actress</mark></mark>") > shared
    tail = html.index(" and model</mark>")
    assert html.rfind('data-claim="c4"', 0, tail) > html.rfind('data-claim="c3"', 0, tail)
    detail = Dom(html).text("detail-c3")
    assert "Overlaps c4" in detail


def test_claim_panels_show_verdict_and_evidence_span() -> None:
    dom = Dom(render_html(sample_report()))
    assert [a["id"] for a in dom.find("section", cls="detail")] == [f"detail-c{i}" for i in range(1, 7)]
    assert all("hidden" in a for a in dom.find("section", cls="detail"))
    c2 = dom.text("detail-c2")
    assert "Paramore collapsed in 2004." in c2 and "refuted" in c2 and "0.018" in c2
    assert "doc Paramore_(band)" in c2 and f"chars 120–{120 + len(PARAMORE)}" in c2
    assert "contradicted by the evidence" in c2 and " ".join(PARAMORE.split()) in c2
    # The multi-sentence SciFact abstract: only the best-overlapping sentence is the evidence span.
    html = render_html(sample_report())
    start = html.index('id="detail-c5"')
    span = html[html.index('<mark class="ev-span">', start) : html.index("</mark>", html.index('<mark class="ev-span">', start))]
    assert "hypothalamic" in span.lower() and len(span) < len(VMH) / 2
    assert "an opinion: no evidence can settle it" in dom.text("detail-c6") and "No evidence passage." in dom.text("detail-c6")


def test_metrics_table_and_legend() -> None:
    dom = Dom(render_html(sample_report()))
    rows = {a["data-metric"] for a in dom.find("tr") if a.get("data-metric")}
    assert {"factual_precision", "factscore", "f1_at_k", "faithfulness", "hallucination_rate", "attribution_score",
            "n_supported", "n_refuted", "n_not_enough_info", "n_unscored"} <= rows
    metrics = dom.text("metrics-table")
    assert "Factual precision (supported / scored) 0.600" in metrics  # 3 supported of 5 scored
    assert "Hallucination rate (refuted / scored) 0.200" in metrics and "Unscored 1" in metrics
    assert len(dom.find("span", cls="swatch")) == 4


def test_injected_markup_is_escaped() -> None:
    evil = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'
    text = f"Paramore formed in 2004. {evil}"
    claim = Claim(id="c1", text=f"Paramore formed {evil}", start=0, end=23, sentence="Paramore formed in 2004.")
    verdict = Verdict(label="supported", probability=0.9, reason=evil,
                      evidence=[_evidence(f'doc"{evil}', f"Paramore formed in 2004. {evil}", 0.9)])
    html = render_html(Report.of(text, [ClaimResult(claim=claim, verdict=verdict)]), title=evil)
    dom = Dom(html)
    assert len(dom.find("script")) == 1 and not dom.find("img")
    assert "pwned" not in "".join(dom.script_text)
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in html
    assert evil in dom.text("answer-text", sep="")
    assert_self_contained(html)


def test_citation_status_per_sentence() -> None:
    report = rag_report()
    dom = Dom(render_html(report))
    assert [a["data-status"] for a in dom.find("tr", cls="cite-row")] == ["supported", "out_of_range", "no_citation"]
    table = dom.text("citations-table")
    assert "[1]✓" in table and "out of range: 7" in table and "citation needed" in table
    assert "Who formed when?" in dom.text("question")
    assert "Citation recall 0.333" in dom.text("metrics-table")
    assert claim_ids(dom) == {"c1", "c2", "c3"}


def test_empty_and_out_of_range_spans_still_get_a_mark() -> None:
    text = "Paramore formed in 2004."
    results = [
        ClaimResult(claim=Claim(id="x", text="Paramore formed.", start=5, end=5, sentence=text), verdict=Verdict.unscored("no span")),
        ClaimResult(claim=Claim(id="y", text="Paramore formed.", start=40, end=50, sentence=text), verdict=Verdict.unscored("no span")),
    ]
    dom = Dom(render_html(Report.of(text, results)))
    assert claim_ids(dom) == {"c1", "c2"}
    assert len(dom.find("mark", cls="anchor")) == 2


def test_no_claims() -> None:
    dom = Dom(render_html(Report.of("Hello there!", [])))
    assert claim_ids(dom) == set() and dom.text("answer-text", sep="") == "Hello there!"
    assert "Factual precision (supported / scored) —" in dom.text("metrics-table")


def test_css_and_js_are_package_files_inlined_and_the_old_module_re_exports() -> None:
    from importlib.resources import files

    import veracity.report_html as old
    import veracity.reports as reports

    static = files("veracity.reports").joinpath("static")
    css, js = (static.joinpath(name).read_text(encoding="utf-8") for name in ("report.css", "report.js"))
    html = render_html(sample_report())
    assert css.strip() and css in html and js.strip() and js in html
    batch = render_batch_html(batch_rows())
    assert css in batch and js not in batch
    for name in reports.__all__:
        assert getattr(old, name) is getattr(reports, name)


def test_batch_summary_page() -> None:
    html = render_batch_html(batch_rows())
    assert_self_contained(html)
    dom = Dom(html)
    bars = dom.find("rect", cls="bar")
    assert len(bars) == 10
    counts = {a["data-bin"]: int(a["data-count"] or 0) for a in bars}
    assert counts["0.6–0.7"] == 2 and sum(counts.values()) == 2
    assert [int(a["data-count"] or 0) for a in dom.find("rect", cls="bar-na")] == [1]
    overview = dom.text("overview")
    assert "5 records" in overview and "3 checked" in overview and "2 errors" in overview
    assert len(dom.find("tr", cls="record-row")) == 3 and len(dom.find("tr", cls="error-row")) == 2
    assert "e<script>" in dom.text("errors-table") and "`text` must be a non-empty <string>" in dom.text("errors-table")
    assert not dom.find("script")


def test_read_batch_output(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in batch_rows()) + "\n\n", encoding="utf-8")
    assert len(read_batch_output(path)) == 5
    path.write_text('{"status": "ok"}\n{"oops\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 2 is not JSON"):
        read_batch_output(path)
    path.write_text('{"id": 1, "text": "not an output"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match="not a veracity batch record"):
        read_batch_output(path)
    with pytest.raises(InputFormatError, match="cannot read"):
        read_batch_output(tmp_path / "missing.jsonl")


def test_cli_html_needs_out_and_report_command(tmp_path: Path) -> None:
    runner = CliRunner()
    answer = tmp_path / "answer.txt"
    answer.write_text("Paramore formed in 2004.")
    result = runner.invoke(app, ["check", str(answer), "--contexts", str(answer), "--format", "html"])
    assert result.exit_code == 2 and "--out" in result.output and "Traceback" not in result.output
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in batch_rows()), encoding="utf-8")
    out = tmp_path / "site" / "summary.html"
    result = runner.invoke(app, ["report", str(batch), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(Dom(out.read_text(encoding="utf-8")).find("tr", cls="record-row")) == 3
    result = runner.invoke(app, ["report", str(answer), "--out", str(out)])
    assert result.exit_code == 2 and "JSON" in result.output


# ------------------------------------------------------------------------------ real verifier


@pytest.fixture(scope="module")
def real_rag_report() -> RAGReport:
    from veracity.pipeline import FactChecker

    answer = "Paramore is an American rock band formed in 2004 [1]. Meteora is an album by Linkin Park [2]. Paramore broke up in 2004."
    return FactChecker().check_rag("Tell me about Paramore and Meteora.", answer, [PARAMORE, METEORA])


def test_renders_a_real_check_rag_result(real_rag_report: RAGReport) -> None:
    report = real_rag_report
    assert report.results and report.citations is not None
    dom = Dom(render_html(report))
    assert claim_ids(dom) == {f"c{i}" for i in range(1, len(report.results) + 1)}
    assert len(dom.find("tr", cls="cite-row")) == report.citations.n_sentences
    assert "[1]" not in "".join(dom.text(f"claim-c{i}", sep="") for i in range(1, len(report.results) + 1))


def test_cli_check_writes_html(tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text("Paramore is an American rock band formed in 2004.")
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps([PARAMORE]))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["check", str(answer), "--contexts", str(contexts), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    dom = Dom(out.read_text(encoding="utf-8"))
    assert claim_ids(dom) and dom.find("table", id="metrics-table")


# ------------------------------------------------------------------------------ headless Chromium


def chromium(url: str, *args: str, tmp: Path) -> str:
    """Run headless Chromium (offline flags) on `url` and return its stdout."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        f"--user-data-dir={tmp / 'chromium-profile'}", *args, url,
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(render_html(sample_report()), encoding="utf-8")
    return path


@needs_chromium
def test_browser_renders_every_claim_and_the_metrics(page: Path, tmp_path: Path) -> None:
    dom = Dom(chromium(page.as_uri(), "--dump-dom", tmp=tmp_path))
    assert claim_ids(dom) == {f"c{i}" for i in range(1, 7)}
    assert len([a for a in dom.find("mark", cls="claim") if a.get("id")]) == 6
    assert dom.find("table", id="metrics-table") and "Factual precision (supported / scored) 0.600" in dom.text("metrics-table")
    assert "data-open" not in dom.find("aside", id="panel")[0]


@needs_chromium
def test_browser_opens_the_claim_panel_from_the_url(page: Path, tmp_path: Path) -> None:
    dom = Dom(chromium(page.as_uri() + "#claim=c2", "--dump-dom", tmp=tmp_path))
    assert dom.find("aside", id="panel")[0].get("data-open") == "c2"
    shown = [a["id"] for a in dom.find("section", cls="detail") if "hidden" not in a]
    assert shown == ["detail-c2"]
    assert " ".join(PARAMORE.split()) in dom.text("detail-c2") and dom.find("mark", cls="ev-span")
    assert all("active" in (a["class"] or "") for a in dom.find("mark", data_claim="c2"))
    assert not any("active" in (a["class"] or "") for a in dom.find("mark", data_claim="c1"))


@needs_chromium
def test_browser_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    chromium(page.as_uri() + "#claim=c5", f"--screenshot={shot}", "--window-size=1200,900", tmp=tmp_path)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


@needs_chromium
def test_browser_renders_a_real_report_and_the_batch_page(tmp_path: Path, real_rag_report: RAGReport) -> None:
    path = tmp_path / "real.html"
    path.write_text(render_html(real_rag_report), encoding="utf-8")
    dom = Dom(chromium(path.as_uri(), "--dump-dom", tmp=tmp_path))
    assert claim_ids(dom) == {f"c{i}" for i in range(1, len(real_rag_report.results) + 1)}
    summary = tmp_path / "summary.html"
    summary.write_text(render_batch_html(batch_rows()), encoding="utf-8")
    dom = Dom(chromium(summary.as_uri(), "--dump-dom", tmp=tmp_path))
    assert len(dom.find("rect", cls="bar")) == 10 and len(dom.find("tr", cls="record-row")) == 3
