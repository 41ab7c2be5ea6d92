"""Hostile and careless input (issue 13): no silent wrong answer, no unbounded work, no lost record.

Each test pins one problem found by using veracity as a careless user or an attacker would.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from _paths import REPO

from veracity.batch import read_records, run_batch
from veracity.claims import extract_claims
from veracity.claims.limits import ClaimLimits, apply_limits, text_pieces
from veracity.cli import EXIT_INCOMPLETE, app
from veracity.errors import EmptyInputError, InvalidArgumentError, VeracityError
from veracity.inputs import as_contexts, read_contexts
from veracity.notices import language_warning, unscored_line
from veracity.pipeline import FactChecker
from veracity.retrieval.errors import IndexCorruptError
from veracity.types import Claim, ClaimResult, Document, Report, Verdict

ROOT = REPO
EIFFEL = "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889."
CONTEXTS = [EIFFEL, "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity."]
UNIT = "The Eiffel Tower was completed in 1889 and it is in Paris, "


def long_sentence(chars: int) -> str:
    return (UNIT * (chars // len(UNIT) + 1))[:chars].rstrip(", ") + "."


@pytest.fixture(scope="module")
def checker(judge) -> FactChecker:
    return FactChecker(judge=judge)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


# -- 1. silent wrong answers ------------------------------------------------------------------------


@pytest.mark.parametrize("contexts", [EIFFEL, {"text": EIFFEL}, b"bytes", [None], [float("nan")], [{"txt": EIFFEL}]])
def test_contexts_that_are_not_a_list_of_contexts_are_refused(checker, contexts):
    with pytest.raises(InvalidArgumentError, match="contexts"):
        checker.check("The Eiffel Tower is in Berlin.", contexts=contexts)
    with pytest.raises(InvalidArgumentError, match="contexts"):
        checker.check_rag(None, "The Eiffel Tower is in Berlin.", contexts)


def test_judge_evidence_must_be_a_list(judge):
    with pytest.raises(InvalidArgumentError, match="evidence must be a list"):
        judge.verify("The Eiffel Tower is in Paris.", EIFFEL)
    with pytest.raises(InvalidArgumentError, match="evidence"):
        judge.verify("The Eiffel Tower is in Paris.", None)
    with pytest.raises(InvalidArgumentError, match="claim"):
        judge.verify(None, [EIFFEL])


def test_one_context_format_everywhere(checker, tmp_path):
    given = [{"id": "wiki", "title": "Eiffel Tower", "text": EIFFEL}, "Marie Curie was a physicist."]
    assert as_contexts(given) == [Document(id="wiki", title="Eiffel Tower", text=EIFFEL), "Marie Curie was a physicist."]
    path = tmp_path / "contexts.json"
    path.write_text(json.dumps(given))
    assert read_contexts(path) == as_contexts(given)  # check --contexts keeps id and title
    report = checker.check_rag(None, "The Eiffel Tower was completed in 1889 [wiki].", given)
    assert report.citations is not None and report.citations.n_citations == 1 and report.citations.recall == 1.0


def test_check_contexts_file_keeps_named_citations(runner, tmp_path):
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps([{"id": "wiki", "title": "Eiffel Tower", "text": EIFFEL}]))
    answer = tmp_path / "answer.txt"
    answer.write_text("The Eiffel Tower was completed in 1889 [wiki].")
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["check", str(answer), "--contexts", str(contexts), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["citations"]["recall"] == 1.0 and report["results"][0]["verdict"]["evidence"][0]["passage"]["doc_id"] == "wiki"


# -- 2. unbounded work ---------------------------------------------------------------------------------


def _claim(n: int, text: str, sentence: str = "S.") -> Claim:
    return Claim(id=f"c{n}", text=text, start=n, end=n + 1, sentence=sentence)


def test_repeated_claims_are_folded_and_the_rest_capped():
    claims = [_claim(i, "The tower is in Paris.") for i in range(50)]
    assert [c.text for c in apply_limits(claims)] == ["The tower is in Paris."]
    near = [_claim(0, "The tower is in Paris."), _claim(1, "the tower is in paris"), _claim(2, "The tower is in Lyon.")]
    assert [c.text for c in apply_limits(near)] == ["The tower is in Paris.", "The tower is in Lyon."]
    many = [_claim(i, f"Fact number {i} holds.", sentence=f"S{i // 40}.") for i in range(400)]
    limits = ClaimLimits(max_per_sentence=10, max_per_text=25)
    kept = apply_limits(many, limits)
    assert len(kept) == 25 and [c.id for c in kept] == [f"c{n}" for n in range(1, 26)]
    assert max(sum(c.sentence == s for c in kept) for s in {c.sentence for c in kept}) <= 10


def test_a_long_sentence_is_parsed_in_pieces_with_spans_inside_the_text():
    text = "Short one. " + long_sentence(9_000) + " Another short one."
    pieces = text_pieces(text, 2_000)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(b - a <= 2_000 for a, b in pieces[1:-1]) and all(a2 == b1 for (_, b1), (a2, _) in zip(pieces, pieces[1:]))
    assert text_pieces("One. Two.", 2_000) == [(0, 9)]
    claims = extract_claims(text, limits=ClaimLimits(max_per_text=5))
    assert 1 <= len(claims) <= 5
    assert all(0 <= c.start <= c.end <= len(text) for c in claims)


def test_a_50k_character_sentence_is_checked_in_bounded_time(checker):
    checker.check("Warm up the parser.", contexts=CONTEXTS)
    text = long_sentence(50_000)
    start = time.process_time()  # CPU seconds of this process: the work, not the other jobs on the machine
    report = checker.check(text, contexts=CONTEXTS)
    elapsed = time.process_time() - start
    assert elapsed < 10, f"{elapsed:.1f} CPU s"
    assert 1 <= len(report.results) <= ClaimLimits().max_per_text
    assert len({r.claim.text.lower() for r in report.results}) == len(report.results)  # no repeats


# -- 3. batch: bad lines, options, exit status -----------------------------------------------------------


def test_a_line_that_is_not_utf8_becomes_an_error_record(tmp_path):
    inp = tmp_path / "in.jsonl"
    good = json.dumps({"id": "a", "text": "The Eiffel Tower is in Paris.", "contexts": [{"id": "w", "text": EIFFEL}]})
    second = b'{"id": "b", "text": "caf\xe9"}'
    inp.write_bytes(good.encode() + b"\n" + second + b"\n" + b'{"id": "c", "text": "\\ud800"}\n')
    records = list(read_records(inp))
    assert records[0].error is None and records[0].contexts == [{"id": "w", "text": EIFFEL}]
    assert "line 2" in records[1].error and "not UTF-8" in records[1].error
    offset = len(good) + 1 + second.index(0xE9)
    assert f"byte 0xe9 at byte offset {offset}" in records[1].error
    assert "line 3" in records[2].error


def test_a_binary_input_file_gives_error_records_not_a_crash(tmp_path, checker):
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "out.jsonl"
    stats = run_batch(checker, inp, out)
    assert stats.ok == 0 and stats.errors == stats.total >= 1
    assert all(json.loads(line)["status"] == "error" for line in out.read_text().splitlines())


def test_batch_options_are_checked_before_the_output_is_opened(runner, tmp_path, checker):
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "a", "text": "The Eiffel Tower is in Paris.", "contexts": CONTEXTS}) + "\n")
    out = tmp_path / "out.jsonl"
    with pytest.raises(InvalidArgumentError, match="chunk_size"):
        run_batch(checker, inp, out, chunk_size=0)
    assert not out.exists()
    for option in (["--chunk-size", "0"], ["--k", "0"], ["--workers", "0"]):
        result = runner.invoke(app, ["batch", str(inp), "--out", str(out), *option])
        assert result.exit_code == 2 and not out.exists(), result.output
    result = runner.invoke(app, ["check", str(inp), "--contexts", str(inp), "--k", "0"])
    assert result.exit_code == 2 and "--k" in result.output


def test_batch_exits_non_zero_when_a_record_failed_unless_allowed(runner, tmp_path):
    inp = tmp_path / "in.jsonl"
    rows = [{"id": "a", "text": "The Eiffel Tower is in Paris.", "contexts": [{"id": "w", "title": "Eiffel", "text": EIFFEL}]}]
    inp.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in rows) + b"\xff\xfe not json\n")
    out = tmp_path / "deep" / "out.jsonl"
    result = runner.invoke(app, ["batch", str(inp), "--out", str(out)])
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    assert "1 checked, 1 errors" in result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["status"] for line in lines] == ["ok", "error"]
    result = runner.invoke(app, ["batch", str(inp), "--out", str(out), "--allow-errors"])
    assert result.exit_code == 0, result.output


# -- 4. CLI output paths checked before the work ------------------------------------------------------


def test_check_output_paths_are_checked_before_the_work(runner, tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text("The Eiffel Tower was completed in 1889.")
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps(CONTEXTS))
    start = time.perf_counter()
    result = runner.invoke(app, ["check", str(answer), "--contexts", str(contexts), "--out", str(tmp_path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "is a directory" in output and "internal error" not in output
    assert time.perf_counter() - start < 5  # refused before any model loaded
    for fmt, name in (("json", "a/b/report.json"), ("table", "c/report.txt")):
        out = tmp_path / name
        result = runner.invoke(app, ["check", str(answer), "--contexts", str(contexts), "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0 and out.stat().st_size > 0, result.output


# -- 6. hidden reasons -----------------------------------------------------------------------------------


def test_unscored_claims_say_why_and_all_unscored_exits_non_zero(tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text("The Eiffel Tower was completed in 1889.")
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps(CONTEXTS))
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    command = [sys.executable, "-m", "veracity.cli", "check", str(answer), "--contexts", str(contexts), "--judge", "llm:gpt-4o-mini"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert result.returncode == EXIT_INCOMPLETE, result.stdout + result.stderr
    stderr = " ".join(result.stderr.split())
    assert "1 of 1 claims unscored" in stderr and "OPENAI_API_KEY" in stderr and "internal error" not in stderr


def test_unscored_line_counts_reasons():
    claim = _claim(0, "X is Y.")
    unscored = Verdict(label="unscored", probability=None, reason="no key")
    report = Report.of("X is Y.", [ClaimResult(claim=claim, verdict=unscored)] * 2)
    assert unscored_line(report) == "2 of 2 claims unscored: no key (2)"


@pytest.mark.parametrize(
    "text", ["Der Eiffelturm wurde 1889 fertiggestellt und steht in der Stadt Paris.", "🎉🎉🎉 🚀", "埃菲尔铁塔于1889年建成，位于巴黎。"]
)
def test_non_english_text_gets_a_warning_that_says_how_to_proceed(text, runner, tmp_path):
    assert language_warning(text) is not None and "English only" in language_warning(text)
    for english in ("The Eiffel Tower was completed in 1889 and it is in Paris.", "Pif1 helicases suppress DNA damage at G-quadruplex motifs."):
        assert language_warning(english) is None
    source = tmp_path / "answer.txt"
    source.write_text(text)
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps(CONTEXTS))
    result = runner.invoke(app, ["check", str(source), "--contexts", str(contexts)])
    assert "English only" in " ".join(result.output.split())


# -- 7. typed errors in the Python API ---------------------------------------------------------------


@pytest.mark.parametrize("text", [None, float("nan"), b"The Eiffel Tower is in Paris.", 42])
def test_text_of_the_wrong_type_is_named_not_called_empty(checker, text):
    with pytest.raises(InvalidArgumentError, match="must be a str") as caught:
        checker.check(text, contexts=CONTEXTS)
    assert "empty" not in str(caught.value)
    with pytest.raises(EmptyInputError):
        checker.check("   ", contexts=CONTEXTS)


@pytest.mark.parametrize("kwargs", [{"extractor": None}, {"judge": None}, {"k": 0}, {"index": 3}, {"claim_limits": {}}])
def test_fact_checker_arguments_are_validated(kwargs):
    with pytest.raises(InvalidArgumentError, match=next(iter(kwargs))):
        FactChecker(**kwargs)


def test_nli_judge_arguments_are_validated(judge):
    from veracity.judges import NLIJudge

    with pytest.raises(InvalidArgumentError, match="model"):
        NLIJudge(None)  # type: ignore[arg-type]
    for premises in ([float("nan")], [None], "a premise"):
        with pytest.raises(InvalidArgumentError, match="premises"):
            judge.predict(premises, ["A hypothesis."])  # type: ignore[arg-type]


def _saved_index(tmp_path: Path) -> Path:
    from veracity.retrieval import HybridIndex

    root = tmp_path / "index"
    HybridIndex.build([Document(id="d1", text=EIFFEL)]).save(root)
    return root


def test_index_files_are_confined_and_a_corrupt_store_is_named(tmp_path):
    from veracity.retrieval import HybridIndex

    root = _saved_index(tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    store = root / manifest["files"]["store"]
    escaped = {**manifest, "files": {**manifest["files"], "store": "../../etc/passwd"}}
    (root / "manifest.json").write_text(json.dumps(escaped))
    with pytest.raises(IndexCorruptError, match="not a file name inside"):
        HybridIndex.load(root)
    (root / "manifest.json").write_text(json.dumps(manifest))
    store.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError, match=store.name):
        HybridIndex.load(root)


def test_cli_reports_a_corrupt_index_in_one_line(runner, tmp_path):
    root = _saved_index(tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    (root / manifest["files"]["store"]).write_bytes(b"\x00garbage" * 64)
    answer = tmp_path / "a.txt"
    answer.write_text("The Eiffel Tower is in Paris.")
    result = runner.invoke(app, ["check", str(answer), "--index", str(root)])
    assert result.exit_code == 2 and "corrupt index store" in result.output and "DatabaseError" not in result.output


# -- 5. server: tokens, fail-fast start, offline docs, empty text, bounded work ---------------------------


def test_tokens_are_stripped_and_validated():
    from veracity.server import Settings

    assert Settings.from_env({"VERACITY_API_TOKEN": "s3cret-token-1\n"}).token_value == "s3cret-token-1"
    for bad, why in (("   \n", "blank"), ("two words-here", "whitespace"), ("short", "shorter")):
        with pytest.raises(VeracityError, match=why):
            Settings.from_env({"VERACITY_API_TOKEN": bad})


def test_cli_refuses_a_whitespace_token_on_a_public_address():
    env = {**os.environ, "VERACITY_API_TOKEN": "   "}
    command = [sys.executable, "-m", "veracity.cli", "serve", "--host", "0.0.0.0", "--port", "9"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert result.returncode == 2 and "blank" in result.stderr and "Traceback" not in result.stderr


def test_server_with_a_judge_that_cannot_load_exits_at_start():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "veracity.cli", "serve", "--port", str(port), "--judge", "/no/such/model"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "/no/such/model" in result.stderr and "Traceback" not in result.stderr


def test_create_app_fails_fast_unless_degraded_start_is_allowed():
    from veracity.errors import ModelNotAvailableError
    from veracity.server import Settings, create_app
    from veracity.server.runner import BackgroundServer

    def broken(settings, calls):
        raise ModelNotAvailableError("weights file is corrupt")

    logging.getLogger("uvicorn.error").disabled = True
    try:
        with pytest.raises(VeracityError, match="did not start"):
            BackgroundServer(create_app(Settings(), engine_loader=broken)).start(timeout=30)
    finally:
        logging.getLogger("uvicorn.error").disabled = False


@pytest.fixture(scope="module")
def small_server():
    from veracity.server import Settings, create_app
    from veracity.server.runner import BackgroundServer

    app = create_app(Settings(max_concurrency=1, time_budget_s=30))
    with BackgroundServer(app) as running:
        yield running


def test_docs_are_served_offline(small_server):
    with httpx.Client(base_url=small_server.url, timeout=30) as http:
        for page, asset in (("/docs", "/static/docs/swagger-ui-bundle.js"), ("/redoc", "/static/docs/redoc.standalone.js")):
            html = http.get(page)
            assert html.status_code == 200 and asset in html.text
            assert "cdn" not in html.text.lower() and "googleapis" not in html.text
            script = http.get(asset)
            assert script.status_code == 200 and len(script.content) > 100_000
        assert http.get("/static/docs/swagger-ui.css").status_code == 200


def test_empty_and_blank_text_are_one_error(small_server):
    from veracity.client import Client

    with httpx.Client(base_url=small_server.url, timeout=60) as http:
        for text in ("", "   "):
            for path in ("/v1/verify", "/v1/claims"):
                response = http.post(path, json={"text": text, "contexts": CONTEXTS} if path == "/v1/verify" else {"text": text})
                assert response.status_code == 422 and response.json()["error"]["code"] == "empty_input", response.text
    with Client(small_server.url) as client:
        for text in ("", "   "):
            with pytest.raises(EmptyInputError):
                client.check(text, contexts=CONTEXTS)
        with pytest.raises(InvalidArgumentError, match="contexts"):
            client.check("The Eiffel Tower is in Paris.", contexts=EIFFEL)


def test_an_18kb_request_is_answered_in_bounded_time_with_a_bounded_response(small_server):
    payload = {"text": long_sentence(18_000), "contexts": CONTEXTS * 5}
    with httpx.Client(base_url=small_server.url, timeout=120) as http:
        start = time.perf_counter()
        response = http.post("/v1/verify", json=payload)
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.text
    assert elapsed < 20 and len(response.content) < 1_000_000, (elapsed, len(response.content))
    results = response.json()["results"]
    assert 1 <= len(results) <= ClaimLimits().max_per_text and all(len(r["verdict"]["evidence"]) <= 3 for r in results)


def test_the_time_budget_stops_the_work_and_frees_the_worker():
    from veracity.server import Settings, create_app
    from veracity.server.runner import BackgroundServer

    text = " ".join(f"Tower {i} was built in {1800 + i} in city number {i}." for i in range(120))
    with BackgroundServer(create_app(Settings(max_concurrency=1, max_queue=0, time_budget_s=0.5))) as running:
        with httpx.Client(base_url=running.url, timeout=120) as http:
            start = time.perf_counter()
            slow = http.post("/v1/verify", json={"text": text, "contexts": CONTEXTS * 10})
            assert slow.status_code == 503 and slow.json()["error"]["code"] == "time_budget_exceeded", slow.text
            assert time.perf_counter() - start < 30
            ok = http.post("/v1/verify", json={"text": "The Eiffel Tower was completed in 1889.", "contexts": CONTEXTS})
            assert ok.status_code in (200, 503), ok.text  # the one worker is free again: not 429
            assert threading.active_count() < 200


def test_a_refused_token_is_logged(caplog):
    from veracity.server import Settings, create_app
    from veracity.server.runner import BackgroundServer

    def never(settings, calls):
        raise VeracityError("no models in this test server")

    app = create_app(Settings(token="right-token-123", allow_degraded=True), engine_loader=never)
    with caplog.at_level(logging.WARNING, logger="veracity.server"), BackgroundServer(app) as running:
        with httpx.Client(base_url=running.url) as http:
            assert http.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    refused = [r.getMessage() for r in caplog.records if "401" in r.getMessage()]
    assert refused and "a wrong bearer token" in refused[0] and "wrong-token" not in refused[0]
