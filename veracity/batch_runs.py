"""Which configurations wrote a batch output, and the refusal to resume with another one.

Every output line names its configuration (`"run": RunSpec.id`); the sidecar `OUT.runs.jsonl` holds one
line per invocation: `{"run", "spec", "started_at", "resumed_lines", "force_mixed", "mixed_with"}`.
A resume whose configuration differs from the one that wrote the existing lines is refused with the
settings that changed, unless `force_mixed` (then the sidecar records the mix).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from veracity.errors import ConfigurationChangedError
from veracity.provenance import RunSpec

LEGACY = "(no run id)"


def runs_path(out: Path) -> Path:
    """The sidecar of a batch output: `OUT.runs.jsonl`."""
    return out.with_name(out.name + ".runs.jsonl")


def written_runs(out: Path) -> Counter[str]:
    """Run ids of the complete lines of `out`, with their line counts (`LEGACY` for lines without one)."""
    counts: Counter[str] = Counter()
    if not out.exists():
        return counts
    data = out.read_bytes()
    for line in data[: data.rfind(b"\n") + 1].decode("utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            counts[str(row.get("run") or LEGACY)] += 1
    return counts


def recorded_specs(out: Path) -> dict[str, RunSpec]:
    """Run specs by id: from the sidecar, and from the provenance of the output's reports."""
    specs: dict[str, RunSpec] = {}
    for path in (runs_path(out), out):
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                row = json.loads(line)
                spec = row.get("spec") or ((row.get("report") or {}).get("provenance") or {}).get("run")
                if spec:
                    parsed = RunSpec.model_validate(spec)
                    specs.setdefault(parsed.id, parsed)
            except (ValueError, AttributeError, TypeError):
                continue
    return specs


def check_resume(out: Path, spec: RunSpec, *, force_mixed: bool = False) -> list[str]:
    """Refuse (`ConfigurationChangedError`) to add lines of `spec` to an output another configuration
    wrote, naming what changed; with `force_mixed`, return the other run ids instead."""
    others = {run: n for run, n in written_runs(out).items() if run != spec.id}
    if not others or force_mixed:
        return sorted(others)
    known = recorded_specs(out)
    parts = []
    for run, n in sorted(others.items()):
        old = known.get(run)
        if old is None:
            parts.append(f"{n} lines from run {run}, whose configuration was not recorded")
        else:
            changed = "; ".join(old.differences(spec)) or "(no setting differs)"
            parts.append(f"{n} lines from run {run}; changed: {changed}")
    raise ConfigurationChangedError(
        f"{out} was written with another configuration ({' | '.join(parts)}). Resume with the same options, "
        "write to a new --out, or pass --force-mixed to mix configurations in one file (recorded in "
        f"{runs_path(out).name})"
    )


def record_run(out: Path, spec: RunSpec, *, resumed_lines: int, force_mixed: bool, mixed_with: list[str]) -> None:
    """Append this invocation's configuration to the sidecar."""
    entry = {
        "run": spec.id,
        "spec": spec.model_dump(mode="json"),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "resumed_lines": resumed_lines,
        "force_mixed": force_mixed,
        "mixed_with": mixed_with,
    }
    path = runs_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


class RunGate:
    """For engines whose workers hold the checkers (Ray): check and record the configuration from the
    first result lines, before any is written. `admit(lines)` returns the lines that may be written now
    (lines of chunks without a report wait until one shows the configuration); `rest()` the held ones."""

    def __init__(self, out: Path, *, resumed_lines: int, force_mixed: bool) -> None:
        self.out, self.resumed_lines, self.force_mixed = out, resumed_lines, force_mixed
        self.checked = False
        self._held: list[str] = []

    def admit(self, lines: str) -> list[str]:
        if self.checked:
            return [lines]
        spec = _spec_of(lines)
        if spec is None:
            self._held.append(lines)
            return []
        mixed_with = check_resume(self.out, spec, force_mixed=self.force_mixed)
        record_run(self.out, spec, resumed_lines=self.resumed_lines, force_mixed=self.force_mixed, mixed_with=mixed_with)
        self.checked = True
        held, self._held = self._held, []
        return [*held, lines]

    def rest(self) -> list[str]:
        held, self._held = self._held, []
        return held


def _spec_of(lines: str) -> RunSpec | None:
    for line in lines.splitlines():
        try:
            run = json.loads(line)["report"]["provenance"]["run"]
            return RunSpec.model_validate(run)
        except (ValueError, KeyError, TypeError):
            continue
    return None
