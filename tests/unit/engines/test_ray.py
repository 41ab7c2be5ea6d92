"""The Ray batch engine on a local Ray instance: the same records, reports, errors and resume as the local engine."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from veracity import FactChecker
from veracity.batch import run_batch

ray = pytest.importorskip("ray")

CONTEXTS = [
    (
        "Marie Curie was a Polish and naturalised-French physicist and chemist who conducted pioneering research on "
        "radioactivity. She was the first woman to win a Nobel Prize."
    ),
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 * 1024**2)
    yield
    ray.shutdown()


@pytest.fixture
def inp(tmp_path: Path) -> Path:
    ctx = json.dumps(CONTEXTS)
    lines = [
        f'{{"id": "a", "text": "The Eiffel Tower was completed in 1889 [2].", "contexts": {ctx}, "question": "When?"}}',
        "{this is not json",
        f'{{"id": "b", "text": "   ", "contexts": {ctx}}}',
        f'{{"id": "c", "text": "Marie Curie researched radioactivity. She was born on Mars.", "contexts": {ctx}}}',
        '{"id": "d", "text": "Without contexts or an index this record cannot be checked."}',
        f'{{"id": "a", "text": "A duplicate id.", "contexts": {ctx}}}',
        f'{{"text": "The Eiffel Tower is in Paris [2]. Marie Curie won a Nobel Prize [1].", "contexts": {ctx}}}',
        f'{{"id": 7, "text": "Hello there!", "contexts": {ctx}}}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two output rows differ; floats are equal up to float noise (the actors run torch on one thread)."""
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-5) else [f"{path}: {a} != {b}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a if k != "created_at" for d in _differences(a[k], b[k], f"{path}.{k}")]  # when it ran differs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _assert_same(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(rows) == len(expected)
    differences = [d for row, want in zip(rows, expected) for d in _differences(row, want, f"line {want['line']}")]
    assert not differences, differences[:10]


@pytest.fixture
def local_rows(inp: Path, tmp_path: Path, judge) -> list[dict[str, Any]]:
    out = tmp_path / "local.jsonl"
    run_batch(FactChecker(judge=judge), inp, out, chunk_size=3)
    return _rows(out)


def test_ray_engine_matches_the_local_engine(local_ray, inp, tmp_path, local_rows):
    from veracity.engines.ray_engine import run_batch_ray

    out = tmp_path / "ray.jsonl"
    seen: list[int] = []
    stats = run_batch_ray(inp, out, workers=2, chunk_size=3, checker_kwargs={"judge": "default"}, progress=seen.append)
    rows = _rows(out)
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8], "results come back in input order"
    assert [(r["key"], r["id"], r["status"]) for r in rows] == [(r["key"], r["id"], r["status"]) for r in local_rows]
    _assert_same(rows, local_rows)
    statuses = {r["line"]: r["status"] for r in rows}
    assert statuses == {1: "ok", 2: "error", 3: "error", 4: "ok", 5: "error", 6: "error", 7: "ok", 8: "ok"}
    assert "no evidence" in rows[4]["error"] and rows[0]["report"]["question"] == "When?"
    assert (stats.total, stats.skipped, stats.ok, stats.errors) == (8, 0, 4, 4)
    assert sum(seen) == 8


def test_ray_engine_resumes_a_torn_run_and_then_does_nothing(local_ray, inp, tmp_path, local_rows):
    from veracity.engines.ray_engine import run_batch_ray

    out = tmp_path / "ray.jsonl"
    lines = [json.dumps(r) + "\n" for r in local_rows]
    out.write_text("".join(lines[:3]) + lines[3][:40])  # a crash mid-write, after the first chunk
    stats = run_batch_ray(inp, out, workers=1, chunk_size=3, checker_kwargs={"judge": "default"})
    assert (stats.total, stats.skipped, stats.ok + stats.errors) == (8, 3, 5)
    rows = _rows(out)
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8], "nothing lost, nothing duplicated"
    _assert_same(rows, local_rows)

    before = out.read_text()
    stats = run_batch_ray(inp, out, workers=1, checker_kwargs={"judge": "default"})
    assert out.read_text() == before and (stats.skipped, stats.ok, stats.errors) == (8, 0, 0)


def test_ray_engine_refuses_to_resume_with_another_configuration(local_ray, inp, tmp_path, local_rows):
    from veracity.engines.ray_engine import run_batch_ray
    from veracity.errors import ConfigurationChangedError

    out = tmp_path / "ray.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in local_rows[:3]))
    with pytest.raises(ConfigurationChangedError, match="k: 5 -> 3"):
        run_batch_ray(inp, out, workers=1, chunk_size=3, checker_kwargs={"judge": "default", "k": 3})
    assert len(_rows(out)) == 3, "nothing written"
    run_batch_ray(inp, out, workers=1, chunk_size=3, checker_kwargs={"judge": "default", "k": 3}, force_mixed=True)
    assert len({r["run"] for r in _rows(out)}) == 2


def test_cli_batch_on_ray(local_ray, inp, tmp_path, local_rows):
    from typer.testing import CliRunner

    from veracity.cli import app

    out = tmp_path / "cli.jsonl"
    result = CliRunner().invoke(
        app, ["batch", str(inp), "--out", str(out), "--engine", "ray", "--workers", "2", "--chunk-size", "3", "--allow-errors"]
    )
    assert result.exit_code == 0, result.output
    assert "8 records: 4 checked, 4 errors, 0 already done" in result.output
    _assert_same(_rows(out), local_rows)

    bad = CliRunner().invoke(app, ["batch", str(inp), "--out", str(out), "--engine", "ray", "--corpus", str(inp)])
    assert bad.exit_code == 2 and "--index" in bad.output
