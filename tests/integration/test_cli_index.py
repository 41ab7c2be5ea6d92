"""`veracity index build | add | remove | info | search` on a real index (real models)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _paths import REPO

from veracity.cli import app
from veracity.retrieval import HybridIndex

ROOT = REPO
CORPUS = ROOT / "examples" / "corpus"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def built(runner: CliRunner, tmp_path: Path) -> Path:
    first = tmp_path / "first"
    first.mkdir()
    for name in ("myc-circadian-clock.md", "pif1-helicases-g-quadruplex.md"):
        shutil.copy(CORPUS / name, first / name)
    out = tmp_path / "index"
    result = runner.invoke(app, ["index", "build", str(first), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "encoding" in result.output and "passage/s" in result.output  # the progress bar: rate and ETA
    assert not (out / ".encode-cache").exists()
    return out


def _info(runner: CliRunner, index: Path) -> dict:
    result = runner.invoke(app, ["index", "info", str(index), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_info_add_remove(runner: CliRunner, built: Path, tmp_path: Path) -> None:
    info = _info(runner, built)
    assert info["documents"] == 2 and info["passages"] >= 2 and info["generation"] >= 1
    assert info["embedder"].startswith("all-MiniLM-L6-v2") and info["settings"]["max_tokens"] == 128
    assert info["bytes_on_disk"] > 0

    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(CORPUS / "il-33-interleukin-1-family.md", extra / "il-33-interleukin-1-family.md")
    single = CORPUS / "partial-epilepsy-chromosome-10q.md"
    result = runner.invoke(app, ["index", "add", str(built), str(extra), str(single)])
    assert result.exit_code == 0, result.output
    assert "added 2" in result.stdout
    after_add = _info(runner, built)
    assert after_add["documents"] == 4 and after_add["passages"] > info["passages"]
    assert after_add["generation"] == info["generation"] + 1

    again = runner.invoke(app, ["index", "add", str(built), str(extra)])
    assert again.exit_code == 0 and "unchanged 1" in again.stdout

    ids = list(HybridIndex.load(built).documents)
    search = runner.invoke(app, ["index", "search", str(built), "IL-33 cytokine of the interleukin-1 family"])
    assert search.exit_code == 0 and "il-33" in search.stdout.lower()
    shown = [line.split()[1] for line in search.stdout.splitlines() if line[:1].isdigit()]
    assert len(shown) == len(set(shown)) == 4  # per document by default: 4 distinct documents
    passages = runner.invoke(app, ["index", "search", str(built), "IL-33 interleukin", "--passages", "--k", "8"])
    assert passages.exit_code == 0
    assert len({line.split()[1] for line in passages.stdout.splitlines() if line[:1].isdigit()}) < 8

    gone = next(i for i in ids if "il-33" in i)
    result = runner.invoke(app, ["index", "remove", str(built), gone, "no-such-doc"])
    assert result.exit_code == 0, result.output
    assert "removed 1" in result.stdout and "no-such-doc" in result.output
    after_remove = _info(runner, built)
    assert after_remove["documents"] == 3
    assert gone not in HybridIndex.load(built).documents


def test_info_table_and_errors(runner: CliRunner, built: Path, tmp_path: Path) -> None:
    table = runner.invoke(app, ["index", "info", str(built)])
    assert table.exit_code == 0 and "documents" in table.stdout and "embedder" in table.stdout
    for command in (["index", "info", str(tmp_path / "nope")], ["index", "add", str(tmp_path / "nope"), str(CORPUS)],
                    ["index", "remove", str(tmp_path / "nope"), "x"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "index" in result.output and "Traceback" not in result.output
    missing = runner.invoke(app, ["index", "add", str(built), str(tmp_path / "missing.txt")])
    assert missing.exit_code == 2 and "missing.txt" in missing.output
