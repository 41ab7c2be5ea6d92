"""Distributed batch checking on Ray Data (`pip install 'veracity[ray]'`).

The same input, output schema, error records and resume behaviour as `veracity.batch.run_batch`:
records are read and parsed on the driver, the ones already in `out` are skipped, and the rest are
cut into the same chunks the local engine would check. Each chunk is one row of a Ray dataset that
goes through `map_batches` over a pool of actors, each building its `FactChecker` (models loaded)
once, so every model pass sees exactly the records it would see locally. Results stream back in
input order and are appended to `out` chunk by chunk, flushed and fsynced, so an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from veracity.batch import BatchRecord, BatchStats, _check_chunk, finished_keys, read_records
from veracity.batch_runs import RunGate
from veracity.errors import VeracityError

# Environment a worker on another machine needs to behave like this process (offline models, quiet tokenizers).
FORWARDED_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TOKENIZERS_PARALLELISM", "HF_HOME", "VERACITY_DEBUG")


class CheckerActor:
    """A Ray Data actor: builds one `FactChecker`, then turns each chunk of records (one row, JSON)
    into its output lines (one string) and the number of them that succeeded."""

    def __init__(self, checker_kwargs: Mapping[str, Any]) -> None:
        from veracity.pipeline import FactChecker

        self.checker = FactChecker(**checker_kwargs)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        lines, ok, count = [], [], []
        for chunk in batch["chunk"]:
            results = _check_chunk(self.checker, [BatchRecord(**row) for row in json.loads(str(chunk))])
            lines.append("".join(line for line, _ in results))
            ok.append(sum(good for _, good in results))
            count.append(len(results))
        return {"lines": np.array(lines, dtype=object), "ok": np.array(ok), "count": np.array(count)}


def run_batch_ray(
    inp: Path,
    out: Path,
    *,
    address: str | None = None,
    workers: int = 2,
    chunk_size: int = 16,
    checker_kwargs: Mapping[str, Any] | None = None,
    cpus_per_worker: float = 1.0,
    progress: Callable[[int], None] | None = None,
    force_mixed: bool = False,
) -> BatchStats:
    """Check every record of `inp` not yet in `out` on Ray, appending results in input order.

    As `run_batch`: resuming an output written with another configuration raises
    `ConfigurationChangedError` (checked on the first results, before any is written) unless `force_mixed`.

    `address`: a Ray cluster to join ("auto", "ray://head:10001", ...); None starts a local Ray
    unless one is already initialised in this process (then it is used, and left running).
    `workers`: actors, each holding one `FactChecker(**checker_kwargs)`; the kwargs must be plain
    values the workers can use (an index *path* readable on every node, a judge spec string, `k`).
    `chunk_size`: records per model pass and per write, cut exactly as the local engine cuts them.
    """
    if workers < 1 or chunk_size < 1:
        raise VeracityError("workers and chunk_size must be at least 1")
    done = finished_keys(out)
    records = list(read_records(inp))
    todo = [r for r in records if r.key not in done]
    ok = errors = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    if todo:
        ray = _import_ray()
        from ray.data import ActorPoolStrategy

        started = _connect(address)
        try:
            chunks = [
                {"chunk": json.dumps([asdict(r) for r in todo[start : start + chunk_size]], ensure_ascii=False)}
                for start in range(0, len(todo), chunk_size)
            ]
            results = ray.data.from_items(chunks, override_num_blocks=len(chunks)).map_batches(
                CheckerActor,
                fn_constructor_kwargs={"checker_kwargs": dict(checker_kwargs or {})},
                batch_size=1,
                batch_format="numpy",
                compute=ActorPoolStrategy(size=workers),
                num_cpus=cpus_per_worker,
            )
            results.context.execution_options.preserve_order = True
            results.context.enable_progress_bars = False
            results.context.print_on_execution_start = False
            gate = RunGate(out, resumed_lines=len(done), force_mixed=force_mixed)
            with out.open("a", encoding="utf-8") as handle:
                for batch in results.iter_batches(batch_size=None, batch_format="numpy"):
                    for lines, good, count in zip(batch["lines"], batch["ok"], batch["count"]):
                        handle.writelines(gate.admit(str(lines)))
                        handle.flush()
                        os.fsync(handle.fileno())
                        ok += int(good)
                        errors += int(count - good)
                        if progress:
                            progress(int(count))
                handle.writelines(gate.rest())
        finally:
            if started:
                ray.shutdown()
    return BatchStats(total=len(records), skipped=len(records) - len(todo), ok=ok, errors=errors)


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as err:
        raise VeracityError(f"the ray engine needs Ray Data: pip install 'veracity[ray]' ({err})") from err
    return ray


def _connect(address: str | None) -> bool:
    """Join (or start) Ray unless this process already has; True when we did and must shut it down."""
    ray = _import_ray()
    if ray.is_initialized():
        return False
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    local: dict[str, Any] = {} if address else {"include_dashboard": False}  # a new local instance needs no dashboard
    ray.init(address=address, runtime_env={"env_vars": env} if env else None, **local)
    return True
