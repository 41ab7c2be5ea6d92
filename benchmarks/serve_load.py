"""Load test of `veracity serve`: N concurrent clients on 127.0.0.1 for a fixed time, beside the same
work done in-process, at several N.

    python benchmarks/serve_load.py                       # N = 1 2 4 8 32, 15 s each
    python benchmarks/serve_load.py --levels 1,4,64 --duration 20 --max-concurrency 2 --max-queue 8

For each N it prints requests/s (successful checks), p50/p99 latency of those, 429s, errors and the
peak resident memory of the process doing the work (the server, or the in-process worker), with its
growth over the idle size. Past `max_concurrency + max_queue` clients the server must answer 429
(clients wait Retry-After, or `--backoff` seconds, and retry) with flat memory: errors stay 0.
In-process, N threads call the same engine (one verifier per worker) without HTTP and without a
queue bound, so their latency includes the wait for a worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "The Eiffel Tower was completed in 1889 and stands in Paris. "
    "Marie Curie researched radioactivity. She won two Nobel Prizes."
)
CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. It was completed in 1889.",
    "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity.",
    "Curie was the first woman to win a Nobel Prize and the only person to win Nobel Prizes in two sciences.",
]


@dataclass
class Level:
    mode: str
    clients: int
    seconds: float
    ok: int
    busy: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None
    idle_mib: float
    peak_mib: float

    @property
    def rps(self) -> float:
        return self.ok / self.seconds


class PeakMemory:
    """Samples the resident memory of a process (and its children) every 50 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = self.idle = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> float:
        procs = [self.process, *self.process.children(recursive=True)]
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


# -- over HTTP --------------------------------------------------------------------------------------


async def _http_level(url: str, clients: int, seconds: float, backoff: float) -> tuple[list[float], int, int]:
    from veracity.client import AsyncClient, ServerBusyError

    latencies: list[float] = []
    counts = {"busy": 0, "errors": 0}
    deadline = time.perf_counter() + seconds

    async def client_loop() -> None:
        async with AsyncClient(url, timeout=300) as client:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    await client.check(TEXT, contexts=CONTEXTS)
                except ServerBusyError as busy:
                    counts["busy"] += 1
                    await asyncio.sleep(busy.retry_after if backoff < 0 else backoff)
                    continue
                except Exception as err:  # any other failure counts as an error
                    counts["errors"] += 1
                    if counts["errors"] <= 3:
                        print(f"  error with {clients} clients: {type(err).__name__}: {err}", file=sys.stderr)
                    continue
                latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(client_loop() for _ in range(clients)))
    return latencies, counts["busy"], counts["errors"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_levels(levels: list[int], seconds: float, backoff: float, env: dict[str, str], workers: int | None) -> list[Level]:
    """Each level over HTTP, then (unless `workers` is None) the same level in-process, so both
    see the same background load."""
    from veracity.client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "veracity.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        with Client(url) as client:
            client.wait_ready(300)
            client.check(TEXT, contexts=CONTEXTS)  # first-request costs out of the numbers
        results = []
        for clients in levels:
            with PeakMemory(server.pid) as memory:
                started = time.perf_counter()
                latencies, busy, errors = asyncio.run(_http_level(url, clients, seconds, backoff))
                elapsed = time.perf_counter() - started
            results.append(
                Level("server", clients, elapsed, len(latencies), busy, errors,
                      percentile(latencies, 0.5), percentile(latencies, 0.99), memory.idle, memory.peak)
            )  # fmt: skip
            print(format_row(results[-1]), flush=True)
            if workers is not None:
                results += run_inprocess_level(clients, seconds, workers, env)
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


# -- in-process ------------------------------------------------------------------------------------


def inprocess_worker(levels: list[int], seconds: float, workers: int) -> None:
    """Runs in a child process: the same engine as the server, called from N threads; prints JSON rows."""
    from veracity.server import Settings
    from veracity.server.engine import Engine

    engine = Engine.load(Settings(max_concurrency=workers))
    engine.verify(TEXT, CONTEXTS)
    for clients in levels:
        latencies: list[float] = []
        errors = [0]
        deadline = time.perf_counter() + seconds

        def loop() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    engine.verify(TEXT, CONTEXTS)
                except Exception:
                    errors[0] += 1
                    continue
                latencies.append(time.perf_counter() - start)

        with PeakMemory(os.getpid()) as memory:
            started = time.perf_counter()
            threads = [threading.Thread(target=loop) for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        level = Level("in-process", clients, elapsed, len(latencies), 0, errors[0],
                      percentile(latencies, 0.5), percentile(latencies, 0.99), memory.idle, memory.peak)  # fmt: skip
        print("ROW " + json.dumps(asdict(level)), flush=True)


def run_inprocess_level(clients: int, seconds: float, workers: int, env: dict[str, str]) -> list[Level]:
    """One level in a fresh child process (its memory is the engine's alone)."""
    command = [sys.executable, __file__, "--inprocess-worker", "--levels", str(clients),
               "--duration", str(seconds), "--max-concurrency", str(workers)]  # fmt: skip
    results = []
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ROW "):
                results.append(Level(**json.loads(line[4:])))
                print(format_row(results[-1]), flush=True)
    if child.returncode:
        raise SystemExit(f"the in-process worker failed with exit code {child.returncode}")
    return results


# -- report ------------------------------------------------------------------------------------------

HEADER = f"{'mode':<11}{'N':>4}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'429s':>7}{'errors':>8}{'peak MiB':>10}{'growth':>8}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def format_row(level: Level) -> str:
    return (
        f"{level.mode:<11}{level.clients:>4}{level.rps:>8.2f}{_ms(level.p50_ms):>9}{_ms(level.p99_ms):>9}"
        f"{level.busy:>7}{level.errors:>8}{level.peak_mib:>10.0f}{level.peak_mib - level.idle_mib:>+8.0f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,2,4,8,32", help="Comma-separated numbers of concurrent clients.")
    parser.add_argument("--duration", type=float, default=15.0, help="Seconds per level.")
    parser.add_argument("--max-concurrency", type=int, default=2, help="Server workers (VERACITY_MAX_CONCURRENCY).")
    parser.add_argument("--max-queue", type=int, default=8, help="Server queue (VERACITY_MAX_QUEUE).")
    parser.add_argument("--backoff", type=float, default=-1, help="Seconds a client waits after a 429 (default: Retry-After).")
    parser.add_argument("--skip-inprocess", action="store_true", help="Only measure the server.")
    parser.add_argument("--json", type=Path, help="Also write the rows to this JSON file.")
    parser.add_argument("--inprocess-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",")]
    if args.inprocess_worker:
        inprocess_worker(levels, args.duration, args.max_concurrency)
        return
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "VERACITY_MAX_CONCURRENCY": str(args.max_concurrency),
        "VERACITY_MAX_QUEUE": str(args.max_queue),
    }
    env.pop("VERACITY_API_TOKEN", None)
    print(
        f"{os.cpu_count()} CPUs; {args.duration:.0f} s per level; server: {args.max_concurrency} workers, queue "
        f"{args.max_queue} (429 beyond {args.max_concurrency + args.max_queue} in flight); a request checks "
        f"{len(TEXT)} chars against {len(CONTEXTS)} contexts\n"
    )
    print(HEADER, flush=True)
    rows = run_levels(levels, args.duration, args.backoff, env, None if args.skip_inprocess else args.max_concurrency)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"rps": r.rps} for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
