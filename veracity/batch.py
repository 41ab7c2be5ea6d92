"""Batch fact-checking over JSONL with checkpointing: resume never loses or duplicates a record.

Input: one JSON object per line with `id`, `text` and optional `contexts` (a list of texts or of
objects with `text` and optional `id`, `title`: `veracity.inputs.as_contexts`) and `question`; a record with contexts is checked as a RAG answer (citation scores, answer metrics).
Output: one JSON object per input record, `{"id", "line", "status": "ok", "report"}` or
`{"id", "line", "status": "error", "error"}`; each chunk is appended and flushed as soon as it is done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError, InvalidArgumentError, VeracityError
from veracity.inputs import as_contexts, require_positive_int
from veracity.pipeline import FactChecker
from veracity.types import Report


@dataclass(frozen=True)
class BatchRecord:
    line: int
    key: str  # the record id, or "line:N" when the line has none
    text: str | None = None
    contexts: list[str | dict[str, Any]] | None = None  # as in the input: texts or {id, title, text}
    question: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class BatchStats:
    total: int
    skipped: int
    ok: int
    errors: int


def read_records(path: Path) -> Iterator[BatchRecord]:
    """Records of an input JSONL file; a malformed line (not UTF-8, not JSON, wrong fields) becomes a
    record carrying its error, which names the line (and, for bytes that are not UTF-8, their offset)."""
    try:
        handle = path.open("rb")
    except OSError as err:
        raise InputFormatError(f"cannot read {path}: {err.strerror or err}") from err
    seen: set[str] = set()
    offset = 0
    with handle:
        for line_no, raw in enumerate(handle, 1):
            at, offset = offset, offset + len(raw)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                where = f"byte 0x{raw[err.start]:02x} at byte offset {at + err.start} of the file"
                yield BatchRecord(line_no, f"line:{line_no}", error=f"line {line_no}: not UTF-8 text ({where})")
                continue
            if not line.strip():
                continue
            record = _parse(line, line_no)
            if record.key in seen:
                record = BatchRecord(line_no, f"line:{line_no}", error=f"duplicate id {record.key!r}")
            seen.add(record.key)
            yield record


def _parse(line: str, line_no: int) -> BatchRecord:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        return BatchRecord(line_no, f"line:{line_no}", error=f"line {line_no}: invalid JSON ({err.msg})")
    if not isinstance(row, dict):
        return BatchRecord(line_no, f"line:{line_no}", error=f"line {line_no}: expected a JSON object")
    try:
        json.dumps(row, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return BatchRecord(line_no, f"line:{line_no}", error=f"line {line_no}: holds a lone surrogate escape (not text)")
    key = str(row["id"]) if row.get("id") is not None else f"line:{line_no}"
    text, contexts = row.get("text"), row.get("contexts")
    if not isinstance(text, str) or not text.strip():
        return BatchRecord(line_no, key, error=f"line {line_no}: `text` must be a non-empty string")
    if contexts is not None:
        try:
            as_contexts(contexts)
        except InvalidArgumentError as err:
            return BatchRecord(line_no, key, error=f"line {line_no}: {err}")
    question = row.get("question")
    if question is not None and not isinstance(question, str):
        return BatchRecord(line_no, key, error=f"line {line_no}: `question` must be a string")
    return BatchRecord(line_no, key, text=text, contexts=contexts, question=question)


def finished_keys(out: Path) -> set[str]:
    """Ids already written to `out`; a torn last line (a crash mid-write) is cut off first."""
    if not out.exists():
        return set()
    data = out.read_bytes()
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
        with out.open("r+b") as handle:
            handle.truncate(len(data))
    keys = set()
    for line in data.decode("utf-8").splitlines():
        try:
            keys.add(str(json.loads(line)["key"]))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise InputFormatError(f"{out} is not a veracity batch output (cannot resume from it): {err}") from err
    return keys


def _result(record: BatchRecord, **fields: Any) -> str:
    return json.dumps({"key": record.key, "line": record.line, **fields}, ensure_ascii=False) + "\n"


def run_batch(
    checker: FactChecker,
    inp: Path,
    out: Path,
    *,
    chunk_size: int = 16,
    progress: Callable[[int], None] | None = None,
    force_mixed: bool = False,
) -> BatchStats:
    """Check every record of `inp` not yet in `out`, appending results chunk by chunk.

    Resuming an output written with another configuration raises `ConfigurationChangedError` unless
    `force_mixed`; each run's configuration is recorded in `OUT.runs.jsonl` (`veracity.batch_runs`).
    """
    require_positive_int(chunk_size, "chunk_size")  # before the output is touched
    done = finished_keys(out)
    _record_configuration(checker, out, len(done), force_mixed)
    records = list(read_records(inp))
    todo = [r for r in records if r.key not in done]
    ok = errors = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start : start + chunk_size]
            results = _check_chunk(checker, chunk)
            handle.writelines(line for line, _ in results)
            handle.flush()
            os.fsync(handle.fileno())
            ok += sum(good for _, good in results)
            errors += sum(not good for _, good in results)
            if progress:
                progress(len(chunk))
    return BatchStats(total=len(records), skipped=len(records) - len(todo), ok=ok, errors=errors)


def _record_configuration(checker: FactChecker, out: Path, resumed_lines: int, force_mixed: bool) -> None:
    """Refuse to mix configurations in `out` (unless `force_mixed`); record this run's in the sidecar."""
    from veracity.batch_runs import check_resume, record_run

    spec = checker.run_spec()
    mixed_with = check_resume(out, spec, force_mixed=force_mixed)
    record_run(out, spec, resumed_lines=resumed_lines, force_mixed=force_mixed, mixed_with=mixed_with)


def _run_id(checker: FactChecker) -> str | None:
    run_spec = getattr(checker, "run_spec", None)
    return run_spec().id if callable(run_spec) else None


def _check_chunk(checker: FactChecker, chunk: list[BatchRecord]) -> list[tuple[str, bool]]:
    """One output line per record (naming the checker's configuration, `run`), and whether it succeeded."""
    run = _run_id(checker)
    valid = [r for r in chunk if r.error is None]
    reports: dict[int, Any] = {}
    try:
        checked = checker.check_many([r.text or "" for r in valid], [r.contexts for r in valid])
        reports = {r.line: _with_rag(checker, r, rep) for r, rep in zip(valid, checked)}
    except VeracityError:
        # One bad record must not sink its chunk: fall back to one record at a time.
        for r in valid:
            try:
                reports[r.line] = _with_rag(checker, r, checker.check_many([r.text or ""], [r.contexts])[0])
            except VeracityError as err:
                reports[r.line] = err
    lines = []
    for r in chunk:
        outcome = reports.get(r.line, r.error)
        if isinstance(outcome, (str, Exception)):
            lines.append((_result(r, id=_id(r), run=run, status="error", error=str(outcome)), False))
        else:
            lines.append((_result(r, id=_id(r), run=run, status="ok", report=outcome.model_dump(mode="json")), True))
    return lines


def _with_rag(checker: FactChecker, record: BatchRecord, report: Report) -> Report:
    """A record with contexts is a RAG answer: add citation scores and answer metrics."""
    if record.contexts is None:
        return report
    return checker.rag_report(record.question, report, record.contexts)


def _id(record: BatchRecord) -> str | None:
    return None if record.key.startswith("line:") else record.key
