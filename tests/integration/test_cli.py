"""The command line: real commands, real models; every bad input ends in a clear message and non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _paths import REPO

from veracity.cli import app

ROOT = REPO
CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
    "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity.",
]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def contexts_file(tmp_path: Path) -> Path:
    path = tmp_path / "contexts.json"
    path.write_text(json.dumps(CONTEXTS))
    return path


def _ok(result) -> None:
    assert result.exit_code == 0, result.output


def _clear_failure(result, needle: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert needle in result.output, result.output


def test_check_json_against_contexts(runner, tmp_path, contexts_file):
    answer = tmp_path / "answer.txt"
    answer.write_text("The Eiffel Tower was completed in 1889. Marie Curie researched radioactivity.")
    out = tmp_path / "report.json"
    _ok(runner.invoke(app, ["check", str(answer), "--contexts", str(contexts_file), "--format", "json", "--out", str(out)]))
    report = json.loads(out.read_text())
    assert len(report["results"]) == 2
    assert report["metrics"]["n_scored"] == 2 and report["citations"] is None
    assert {r["verdict"]["label"] for r in report["results"]} == {"supported"}


def test_check_table_from_stdin(runner, contexts_file):
    result = runner.invoke(app, ["check", "-", "--contexts", str(contexts_file)], input="The Eiffel Tower was completed in 1889.\n")
    _ok(result)
    assert "supported" in result.output and "factual precision" in result.output


def test_index_build_then_check(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "eiffel.txt").write_text(CONTEXTS[0])
    (corpus / "curie.md").write_text("# Marie Curie\n\n" + CONTEXTS[1])
    index_dir = tmp_path / "index"
    _ok(runner.invoke(app, ["index", "build", str(corpus), "--out", str(index_dir)]))
    answer = tmp_path / "a.txt"
    answer.write_text("The Eiffel Tower was completed in 1889.")
    result = runner.invoke(app, ["check", str(answer), "--index", str(index_dir), "--format", "json"])
    _ok(result)
    report = json.loads(result.stdout)
    assert report["results"][0]["verdict"]["label"] == "supported"
    assert report["results"][0]["verdict"]["evidence"][0]["passage"]["doc_id"].startswith("eiffel")


@pytest.mark.parametrize(
    "setup, needle",
    [
        ("empty", "empty"),
        ("missing", "not found"),
        ("directory", "directory"),
        ("binary", "UTF-8"),
    ],
)
def test_check_bad_text_input(runner, tmp_path, contexts_file, setup, needle):
    path = tmp_path / "answer.txt"
    if setup == "empty":
        path.write_text("   \n")
    elif setup == "directory":
        path.mkdir()
    elif setup == "binary":
        path.write_bytes(b"\xff\xfe\x00\x81 not text")
    _clear_failure(runner.invoke(app, ["check", str(path), "--contexts", str(contexts_file)]), needle)


def test_check_bad_evidence_sources(runner, tmp_path):
    answer = tmp_path / "a.txt"
    answer.write_text("The Eiffel Tower was completed in 1889.")
    _clear_failure(runner.invoke(app, ["check", str(answer)]), "nothing to check against")
    _clear_failure(runner.invoke(app, ["check", str(answer), "--index", str(tmp_path / "no-index")]), "index")
    bad = tmp_path / "contexts.json"
    bad.write_text("{not json")
    _clear_failure(runner.invoke(app, ["check", str(answer), "--contexts", str(bad)]), "invalid JSON")
    good = tmp_path / "c.json"
    good.write_text(json.dumps(CONTEXTS))
    _clear_failure(runner.invoke(app, ["check", str(answer), "--contexts", str(good), "--judge", "no-such-model"]), "unknown NLI model")


def _write_jsonl(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def test_batch_errors_and_resume(runner, tmp_path):
    inp = tmp_path / "in.jsonl"
    ctx = json.dumps(CONTEXTS)
    _write_jsonl(
        inp,
        [
            f'{{"id": "a", "text": "The Eiffel Tower was completed in 1889.", "contexts": {ctx}}}',
            "{this is not json",
            f'{{"id": "b", "text": "   ", "contexts": {ctx}}}',
            f'{{"id": "c", "text": "Marie Curie researched radioactivity.", "contexts": {ctx}}}',
            f'{{"id": "a", "text": "A duplicate id.", "contexts": {ctx}}}',
        ],
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(inp), "--out", str(out), "--chunk-size", "2", "--allow-errors"])
    _ok(result)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    by_line = {r["line"]: r for r in rows}
    assert by_line[1]["status"] == "ok" and by_line[1]["id"] == "a"
    assert by_line[1]["report"]["metrics"]["n_claims"] == 1, "records with contexts get answer metrics"
    assert by_line[2]["status"] == "error" and "line 2" in by_line[2]["error"]
    assert by_line[3]["status"] == "error" and "non-empty" in by_line[3]["error"]
    assert by_line[4]["status"] == "ok"
    assert by_line[5]["status"] == "error" and "duplicate" in by_line[5]["error"]

    # A crash mid-write leaves a torn last line and misses records: the re-run repairs and completes it.
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:3]) + lines[3][:25])
    _ok(runner.invoke(app, ["batch", str(inp), "--out", str(out), "--allow-errors"]))
    resumed = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["line"] for r in resumed) == [1, 2, 3, 4, 5]
    assert {r["line"]: r["status"] for r in resumed} == {r["line"]: r["status"] for r in rows}

    # A third run has nothing left to do and writes nothing.
    before = out.read_text()
    result = runner.invoke(app, ["batch", str(inp), "--out", str(out)])
    _ok(result)
    assert out.read_text() == before and "5 already done" in result.output


def test_batch_missing_input(runner, tmp_path):
    _clear_failure(runner.invoke(app, ["batch", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "o.jsonl")]), "cannot read")


def test_console_script_reports_errors_without_traceback(tmp_path):
    """The installed `veracity` command, as a user runs it."""
    exe = Path(sys.executable).with_name("veracity")
    answer = tmp_path / "a.txt"
    answer.write_text("")
    proc = subprocess.run(
        [str(exe), "check", str(answer), "--contexts", str(answer)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "120"}, timeout=300,
    )
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr


def test_check_rag_answer_with_citations(runner, tmp_path, contexts_file):
    answer = tmp_path / "answer.txt"
    answer.write_text("The Eiffel Tower was completed in 1889 [1]. Marie Curie researched radioactivity [2][5].")
    result = runner.invoke(app, ["check", str(answer), "--contexts", str(contexts_file), "--question", "Facts?", "--format", "json"])
    _ok(result)
    report = json.loads(result.stdout)
    assert report["question"] == "Facts?"
    sentences = report["citations"]["sentences"]
    assert [s["status"] for s in sentences][1] == "out_of_range"
    for claim in report["results"]:
        assert "[" not in claim["claim"]["text"], "citation markers are not part of claims"
