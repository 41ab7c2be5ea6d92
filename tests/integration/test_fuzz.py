"""A standing fuzz campaign: hostile text, bytes and types at every public boundary.

Properties: no exception other than a `VeracityError` subclass; spans always inside the text; no NaN
anywhere in a report; the HTTP API never answers 5xx and its answers match its OpenAPI schema.

Example counts are bounded for `make test`; `make fuzz` multiplies them by VERACITY_FUZZ_SCALE=10 and
also runs the `slow` targets (huge inputs), which are skipped unless VERACITY_SLOW=1.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veracity.attribution import citation_scores, parse_citations
from veracity.batch import read_records
from veracity.claims import extract_claims
from veracity.errors import VeracityError
from veracity.pipeline import FactChecker
from veracity.types import Claim, Document, Evidence, Verdict

SCALE = max(1, int(os.environ.get("VERACITY_FUZZ_SCALE", "1")))
TRIED: Counter[str] = Counter()  # examples run per target; written to VERACITY_FUZZ_REPORT when set
slow = pytest.mark.slow
run_slow = pytest.mark.skipif(os.environ.get("VERACITY_SLOW") != "1", reason="slow fuzz target: VERACITY_SLOW=1 (make fuzz)")


def examples(n: int):
    return settings(max_examples=n * SCALE, deadline=None, database=None, suppress_health_check=list(HealthCheck))


# -- strategies --------------------------------------------------------------------------------------

SPECIAL = [
    "",
    " ",
    "\x00",
    "\ud800",  # a lone surrogate
    "\u202eThe tower is in Paris.",  # right-to-left override
    "ברג אייפל נמצא בפריז.",
    "برج إيفل في باريس.",
    "e\u0301\u0301\u0301 combining marks",
    "🎉🎉🎉",
    "The Eiffel Tower was completed in 1889 [1].",
    "It [doc-7] was built [1-3] in Paris [99].",
    "A.\n\nB!\r\nC?",
    "(" * 200 + ")" * 200,
    "and " * 300,
    "The Eiffel Tower was completed in 1889 and it is in Paris, " * 40,
]
characters = st.characters(blacklist_categories=())  # every code point, surrogates included
hostile_text = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(characters, max_size=300),
    st.text(st.sampled_from("The tower was built in 1889 and Paris is big. It [1] [2-3].\n "), max_size=400),
    st.builds(lambda a, b: a + b, st.sampled_from(SPECIAL), st.text(characters, max_size=80)),
)
wrong_types = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.binary(max_size=20), st.booleans())
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(characters, max_size=30)),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
context_item = st.one_of(
    hostile_text,
    st.builds(lambda i, t, x: {"id": i, "title": t, "text": x}, st.text(min_size=1, max_size=8), st.none() | st.text(max_size=20), hostile_text),
    json_values,
    wrong_types,
)
contexts = st.one_of(st.lists(context_item, max_size=4), hostile_text, json_values, wrong_types)


# -- checks ------------------------------------------------------------------------------------------


def assert_no_nan(value: object, where: str = "report") -> None:
    if isinstance(value, float):
        assert not math.isnan(value) and not math.isinf(value), where
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_no_nan(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            assert_no_nan(item, f"{where}[{i}]")


def assert_spans_inside(claims: Sequence[Claim], text: str) -> None:
    for claim in claims:
        assert 0 <= claim.start <= claim.end <= len(text), claim
        for start, end in claim.spans:
            assert 0 <= start < end <= len(text), claim


class OverlapJudge:
    """A tiny, fast judge for fuzzing the pipeline: P(supported) = share of the claim's words in the evidence."""

    name = "overlap"

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        return self.verify_many([claim], [evidence])[0]

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        verdicts = []
        for claim, found in zip(claims, evidence):
            words = set((claim.text if isinstance(claim, Claim) else claim).lower().split())
            texts = [e.passage.text if isinstance(e, Evidence) else e for e in found]
            if not texts or not words:
                verdicts.append(Verdict(label="not_enough_info", probability=None, reason="no evidence"))
                continue
            p = max(len(words & set(t.lower().split())) / len(words) for t in texts)
            verdicts.append(Verdict(label="supported" if p >= 0.8 else "not_enough_info", probability=p, reason="word overlap"))
        return verdicts


@pytest.fixture(scope="module", autouse=True)
def _report_examples():
    yield
    target = os.environ.get("VERACITY_FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps({"scale": SCALE, "examples": dict(TRIED)}, indent=2) + "\n")


@pytest.fixture(scope="module")
def checker() -> FactChecker:
    return FactChecker(judge=OverlapJudge())


# -- targets -----------------------------------------------------------------------------------------


def test_extract_claims_never_fails_badly():
    @given(text=st.one_of(hostile_text, wrong_types))
    @examples(40)
    def run(text):
        TRIED["extract_claims"] += 1
        try:
            claims = extract_claims(text)
        except VeracityError:
            return
        assert isinstance(text, str)
        assert_spans_inside(claims, text)
        assert len(claims) <= 256

    run()


def test_parse_citations_and_citation_scores_never_fail_badly():
    @given(answer=st.one_of(hostile_text, wrong_types), passages=contexts)
    @examples(40)
    def run(answer, passages):
        TRIED["parse_citations + citation_scores"] += 1
        try:
            sentences = parse_citations(answer, ["doc-7", "wiki"])
            for sentence in sentences:
                assert 0 <= sentence.start <= sentence.end <= len(answer)
            scores = citation_scores(answer, passages, entails=lambda premise, hypothesis: hypothesis[:5] in premise)
        except VeracityError:
            return
        assert_no_nan(scores.model_dump())

    run()


def test_fact_checker_check_never_fails_badly(checker):
    @given(text=st.one_of(hostile_text, wrong_types), given_contexts=contexts)
    @examples(30)
    def run(text, given_contexts):
        TRIED["FactChecker.check"] += 1
        try:
            report = checker.check(text, contexts=given_contexts)
        except VeracityError:
            return
        assert_spans_inside([r.claim for r in report.results], text)
        assert_no_nan(report.model_dump(mode="json"))

    run()


def test_batch_input_parsing_never_fails_badly(tmp_path_factory):
    lines = st.one_of(
        st.binary(max_size=200),
        st.builds(lambda v: json.dumps(v).encode(), json_values),
        st.builds(lambda t, c: json.dumps({"id": "x", "text": t, "contexts": c}).encode(), hostile_text, st.lists(json_values | hostile_text, max_size=3)),
    )

    @given(body=st.lists(lines, max_size=8))
    @examples(60)
    def run(body):
        TRIED["batch input parsing"] += 1
        path = tmp_path_factory.mktemp("batch") / "in.jsonl"
        path.write_bytes(b"\n".join(body))
        for record in read_records(path):
            assert (record.error is None) == (record.text is not None), record
            if record.error is None:
                json.dumps(record.contexts, ensure_ascii=False).encode("utf-8")  # writable as it will be written

    run()


@pytest.fixture(scope="module")
def saved_index(tmp_path_factory):
    from veracity.retrieval import HybridIndex

    root = tmp_path_factory.mktemp("index") / "idx"
    index = HybridIndex.build([Document(id="d1", text="The Eiffel Tower is in Paris. It was completed in 1889.")])
    index.save(root)
    return root, index.embedder


def test_index_loading_never_fails_badly(saved_index, tmp_path_factory):
    from veracity.retrieval import HybridIndex

    root, embedder = saved_index
    names = sorted(p.name for p in root.iterdir() if p.is_file())
    damage = st.one_of(
        st.binary(max_size=300),
        st.builds(lambda v: json.dumps(v).encode(), json_values),
        st.builds(
            lambda key, name: json.dumps({**json.loads((root / "manifest.json").read_text()), "files": {"store": name, "dense": name, "bm25": name} if key == "all" else name}).encode(),
            st.sampled_from(["all", "one"]),
            st.sampled_from(["../../etc/passwd", "/etc/passwd", "..", "", "a/b", "x\x00y", "manifest.json"]),
        ),
    )

    @given(target=st.sampled_from(names), data=damage)
    @examples(15)
    def run(target, data):
        TRIED["index loading"] += 1
        copy = tmp_path_factory.mktemp("damaged") / "idx"
        shutil.copytree(root, copy)
        (copy / target).write_bytes(data)
        try:
            HybridIndex.load(copy, embedder=embedder)
        except VeracityError:
            pass

    run()


@slow
@run_slow
def test_huge_inputs_never_fail_badly(checker):
    @given(unit=st.sampled_from(SPECIAL[4:]), size=st.integers(5_000, 60_000), contexts_n=st.integers(0, 60))
    @examples(3)
    def run(unit, size, contexts_n):
        TRIED["huge inputs (slow)"] += 1
        text = (unit * (size // max(1, len(unit)) + 1))[:size]
        try:
            report = checker.check(text, contexts=[unit * 20] * contexts_n)
        except VeracityError:
            return
        assert_spans_inside([r.claim for r in report.results], text)
        assert len(report.results) <= 256

    run()


# -- the HTTP API against its own schema ---------------------------------------------------------------


@pytest.fixture(scope="module")
def api():
    import schemathesis

    from veracity.server import Settings, create_app
    from veracity.server.runner import BackgroundServer

    app = create_app(Settings(max_text_chars=2_000, max_context_chars=2_000, max_contexts=5, time_budget_s=20))
    with BackgroundServer(app) as running:
        yield schemathesis.openapi.from_url(f"{running.url}/openapi.json")


@pytest.mark.parametrize("path", ["/v1/verify", "/v1/claims", "/v1/citations"])
def test_api_answers_match_the_schema_and_are_never_5xx(api, path):
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    operation = api[path]["POST"]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @examples(8)
        def run(case):
            TRIED[f"API {path}"] += 1
            response = case.call(timeout=60)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        run()
