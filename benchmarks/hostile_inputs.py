"""Cost of checking a text as it grows: seconds per 10k characters for prose and for one long sentence.

Baselines in the same run: normal prose of the same length, and the extractor parsing the long sentence
whole (what it did before long runs were parsed in pieces). Checked against two contexts with the
default verifier.

    python benchmarks/hostile_inputs.py [--sizes 10000 20000 50000]
"""

from __future__ import annotations

import argparse
import time

CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
    "Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity.",
]


def prose(chars: int) -> str:
    parts, i = [], 0
    while sum(map(len, parts)) < chars:
        parts.append(f"Tower {i} was built in {1800 + i % 200} in city number {i}, and it is {10 + i % 90} metres tall. ")
        i += 1
    return "".join(parts)[:chars]


def one_sentence(chars: int) -> str:
    return prose(chars).replace(". ", ", and ")[: chars - 1] + "."


def timed(func) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 50_000])
    args = parser.parse_args()

    from veracity.claims import get_extractor
    from veracity.pipeline import FactChecker

    checker = FactChecker()
    checker.check("Warm up the models.", contexts=CONTEXTS)
    extractor = get_extractor("spacy")
    print("| input | chars | claims | wall s | CPU s | CPU s per 10k chars |")
    print("|---|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        for name, text in (("prose (baseline)", prose(size)), ("one long sentence", one_sentence(size))):
            wall, cpu, report = timed(lambda: checker.check(text, contexts=CONTEXTS))
            n = len(report.results)  # type: ignore[attr-defined]
            print(f"| {name} | {size} | {n} | {wall:.1f} | {cpu:.1f} | {cpu / size * 10_000:.2f} |", flush=True)
        if size <= 20_000:
            wall, cpu, found = timed(lambda: extractor.extract(one_sentence(size)))
            print(f"| long sentence parsed whole, extraction only (before) | {size} | {len(found)} | {wall:.1f} | {cpu:.1f} | {cpu / size * 10_000:.2f} |", flush=True)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
