"""Provenance on every report and batch line, the refusal to resume with another configuration,
and the deciding evidence (item, window, span) on every verdict."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from veracity.batch_runs import runs_path
from veracity.cli import app
from veracity.errors import ConfigurationChangedError
from veracity.judges.decision import decision_in_window
from veracity.verifier.model import DEFAULT_MODEL_DIR, WEIGHTS_FILE
from veracity.provenance import Component, RunSpec
from veracity.render import print_report
from veracity.types import Passage

CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
    "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity.",
]
FILLER = " ".join(f"The committee met on day {i} to discuss the budget of the city library." for i in range(30))
LONG = FILLER + " The Golden Gate Bridge opened to traffic in May 1937 after four years of construction."


@pytest.fixture(scope="module")
def checker():
    from veracity.pipeline import FactChecker

    return FactChecker()


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_report_names_what_produced_it(checker) -> None:
    report = checker.check("The Eiffel Tower was completed in 1889.", contexts=CONTEXTS)
    prov = report.provenance
    assert prov is not None and prov.evidence == "contexts"
    assert prov.run_id == prov.run.id and len(prov.run_id) == 16
    datetime.fromisoformat(prov.created_at)
    judge = prov.run.judge
    expected = hashlib.sha256((DEFAULT_MODEL_DIR / WEIGHTS_FILE).read_bytes()).hexdigest()
    assert (judge.kind, judge.name, judge.settings["weights_sha256"]) == ("nli", "default", expected)
    assert judge.settings["threshold"] == checker.judge.threshold
    assert judge.settings["calibration"]["method"] and judge.settings["runtime"] in {"torch", "onnx-fp32", "onnx-int8"}
    assert prov.run.extractor.kind == "spacy" and prov.run.retriever is None and prov.run.k == 5
    from veracity import __version__

    assert prov.run.veracity == __version__
    # The spec is stable between calls (the weights are hashed once), the timestamp is per report.
    assert checker.run_spec() is checker.run_spec()


def test_spec_differences_name_each_changed_setting() -> None:
    judge = Component(kind="nli", name="default", settings={"threshold": 0.35, "calibration": {"method": "venn_abers"}})
    a = RunSpec(veracity="1", extractor=Component(kind="spacy", name="en"), judge=judge, k=5)
    b = a.model_copy(update={"k": 3, "judge": judge.model_copy(update={"settings": {"threshold": 0.5, "calibration": {"method": "venn_abers"}}})})
    assert a.id != b.id and a.id == RunSpec.model_validate(a.model_dump(mode="json")).id
    assert a.differences(b) == ["judge.settings.threshold: 0.35 -> 0.5", "k: 5 -> 3"]
    assert a.differences(a) == []


def test_deciding_span_in_a_long_passage(checker) -> None:
    passage = Passage(id="p1", doc_id="doc-7", text=LONG, start=1000, end=1000 + len(LONG))
    from veracity.types import Evidence

    verdict = checker.judge.verify("The Golden Gate Bridge opened in 1937.", [Evidence(passage=passage, score=1.0, source="test")])
    decided = verdict.decided_by
    assert verdict.label == "supported" and decided is not None
    assert (decided.evidence, decided.passage_id, decided.doc_id) == (0, "p1", "doc-7")
    assert decided.text == LONG[decided.span.start : decided.span.end]
    assert decided.text.startswith("The Golden Gate Bridge opened")
    assert (decided.doc_span.start, decided.doc_span.end) == (1000 + decided.span.start, 1000 + decided.span.end)
    assert decided.window.start <= decided.span.start < decided.span.end <= decided.window.end
    # the deciding item is the passage narrowed to the window the verifier read
    narrowed = verdict.evidence[0].passage
    assert (narrowed.start, narrowed.end) == (1000 + decided.window.start, 1000 + decided.window.end)


def test_span_inside_a_window_of_several_sentences() -> None:
    text = "Paris is in France. The tower was completed in 1889. It is made of iron."
    passage = Passage(id="p", doc_id="d", text=text, start=10, end=10 + len(text))
    decided = decision_in_window(0, passage, (0, len(text)), "The Eiffel Tower was completed in 1889.")
    assert decided.method == "sentence-overlap" and decided.text == "The tower was completed in 1889."
    assert decided.doc_span.start == 10 + text.index("The tower")
    one = decision_in_window(0, passage, (20, 52), "anything")
    assert one.method == "window" and one.text == "The tower was completed in 1889."


def test_verifier_picks_the_deciding_sentence_where_words_tie(checker) -> None:
    # "Eiffel Tower" and "completed 1889" each share two words with the claim: the verifier decides.
    verdict = checker.judge.verify("The Eiffel Tower was completed in 1889.", [CONTEXTS[0]])
    decided = verdict.decided_by
    assert verdict.label == "supported" and decided is not None and decided.method == "verifier"
    assert decided.text == "It was completed in 1889." == CONTEXTS[0][decided.span.start : decided.span.end]


def test_table_shows_the_deciding_span_not_the_passage_start(checker) -> None:
    report = checker.check("The Golden Gate Bridge opened in 1937.", contexts=[LONG])
    console = Console(width=80, record=True, force_terminal=False)
    print_report(report, console)
    shown = " ".join(console.export_text().split())
    assert "Golden" in shown and "committee met on day 0" not in shown


def test_check_json_carries_provenance_and_deciding_evidence(runner, tmp_path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text("The Eiffel Tower was completed in 1889. Marie Curie researched radioactivity.")
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps(CONTEXTS))
    result = runner.invoke(app, ["check", str(answer), "--contexts", str(contexts), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["provenance"]["run"]["judge"]["settings"]["weights_sha256"]
    assert payload["provenance"]["evidence"] == "contexts"
    for item in payload["results"]:
        decided = item["verdict"]["decided_by"]
        source = next(c for c in CONTEXTS if decided["text"] in c)
        assert source[decided["span"]["start"] : decided["span"]["end"]] == decided["text"]


def _records(path: Path, texts: list[str]) -> None:
    path.write_text("".join(json.dumps({"id": f"r{i}", "text": t, "contexts": CONTEXTS}) + "\n" for i, t in enumerate(texts)))


def test_batch_lines_name_their_run_and_resume_refuses_another_configuration(runner, tmp_path) -> None:
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _records(inp, ["The Eiffel Tower was completed in 1889.", "Marie Curie researched radioactivity."])
    assert runner.invoke(app, ["batch", str(inp), "--out", str(out)]).exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    run_id = rows[0]["run"]
    assert {r["run"] for r in rows} == {run_id}
    assert all(r["report"]["provenance"]["run_id"] == run_id for r in rows)
    sidecar = [json.loads(line) for line in runs_path(out).read_text().splitlines()]
    assert [s["run"] for s in sidecar] == [run_id] and sidecar[0]["spec"]["k"] == 5

    # More records, resumed with another k: refused, naming the change; nothing is written.
    _records(inp, ["The Eiffel Tower was completed in 1889.", "Marie Curie researched radioactivity.", "The Eiffel Tower is in Paris."])
    before = out.read_text()
    result = runner.invoke(app, ["batch", str(inp), "--out", str(out), "--k", "3"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert "another configuration" in message and "k: 5 -> 3" in message and "--force-mixed" in message
    assert out.read_text() == before

    # The same configuration resumes; --force-mixed mixes, and the sidecar records it.
    assert runner.invoke(app, ["batch", str(inp), "--out", str(out)]).exit_code == 0
    assert len(out.read_text().splitlines()) == 3
    _records(inp, ["The Eiffel Tower was completed in 1889.", "Marie Curie researched radioactivity.", "The Eiffel Tower is in Paris.", "Curie was a chemist."])
    result = runner.invoke(app, ["batch", str(inp), "--out", str(out), "--k", "3", "--force-mixed"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({r["run"] for r in rows}) == 2
    last = json.loads(runs_path(out).read_text().splitlines()[-1])
    assert last["force_mixed"] is True and last["mixed_with"] == [run_id]


def test_resume_refuses_lines_without_a_recorded_configuration(checker, tmp_path) -> None:
    from veracity.batch import run_batch

    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _records(inp, ["The Eiffel Tower was completed in 1889."])
    out.write_text(json.dumps({"key": "other", "line": 9, "status": "ok", "report": {}}) + "\n")
    with pytest.raises(ConfigurationChangedError, match="not recorded"):
        run_batch(checker, inp, out)
