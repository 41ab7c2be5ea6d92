"""Export a torch sequence-classification verifier to ONNX, check it against torch, quantise it to int8.

The export has dynamic batch and sequence axes; int8 quantisation is dynamic, with the embeddings and the
first layer's feed-forward MatMuls kept fp32 (see `fp32_matmuls`). Files are keyed by `fingerprint`
(sha256 of weights, config and recipe) under `cache_root()`. The runtime side is `onnx_backend`.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import os
import re
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from veracity.verifier.model import WEIGHTS_FILE, base_model_dir

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

    from veracity.verifier.torch_backend import ClassifierBackend

Precision = Literal["int8", "fp32", "int8-tensor"]
"""`int8`: per-channel int8 weights (default); `int8-tensor`: per-tensor int8; `fp32`: the plain export."""

OPSET = 17
RECIPE = "3"  # part of the cache key: bump it when the export or quantisation recipe changes
FP32_FFN_LAYERS = 1  # the first encoder layers whose feed-forward MatMuls stay fp32 (see `fp32_matmuls`)
EXPORT_TOLERANCE = 1e-3  # max |logit difference| allowed between the fp32 export and torch


class OnnxExportError(RuntimeError):
    """The exported graph does not reproduce the torch model."""


def onnxruntime_available() -> bool:
    """Whether onnxruntime and onnx (needed to export and quantise) are installed (neither is imported)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


def cache_root() -> Path:
    """`$VERACITY_CACHE_DIR/onnx`, else `~/.cache/veracity/onnx`."""
    root = os.environ.get("VERACITY_CACHE_DIR")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "veracity") / "onnx"


def source_files(model_dir: Path | None) -> list[Path]:
    """The files a model's weights come from (empty where they are unknown, e.g. a hub id)."""
    if model_dir is None or not model_dir.is_dir():
        return []
    if (model_dir / WEIGHTS_FILE).is_file():
        # Our packaged format: the word embeddings come from the base encoder's weights.
        return [model_dir / WEIGHTS_FILE, base_model_dir() / "model.safetensors"]
    return sorted(p for pattern in ("*.safetensors", "*.bin") for p in model_dir.glob(pattern))


def fingerprint(backend: ClassifierBackend, files: Sequence[Path] = ()) -> str:
    """sha256 of the weight files (else of the loaded tensors), the model config and the export recipe."""
    digest = hashlib.sha256(f"veracity-onnx recipe={RECIPE} opset={OPSET}\n".encode())
    config = {k: v for k, v in backend.model.config.to_dict().items() if k != "_name_or_path"}
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    if files:
        for path in files:
            digest.update(path.name.encode())
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
    else:
        import torch

        for name, tensor in sorted(backend.model.state_dict().items()):
            digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
            digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through `write(tmp)` to a temporary name beside `path`, then rename it into place."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.onnx")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _logits_module(model: torch.nn.Module, names: Sequence[str]) -> torch.nn.Module:
    """Positional inputs -> logits, so the traced graph has plain tensor inputs and one output."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.names = list(names)

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(self.names, inputs))).logits

    return Logits()


def _probe(tokenizer: PreTrainedTokenizerBase, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """A small padded batch, so the attention-mask path is traced and checked."""
    batch = tokenizer(
        ["The cat sat on the mat.", "Paris is the capital and most populous city of France, on the Seine."],
        ["A cat sat down.", "Paris is in Germany."],
        padding=True,
        return_tensors="pt",
    )
    return {n: batch[n] for n in names}


def input_names(backend: ClassifierBackend) -> list[str]:
    """The tokenizer outputs the model takes, in the tokenizer's order."""
    return [n for n in backend.tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]


def export_fp32(backend: ClassifierBackend, path: Path) -> None:
    """Export the torch model to ONNX at `path` and check it reproduces torch's logits."""
    import onnxruntime as ort
    import torch

    names = input_names(backend)
    # A private copy with eager attention: the shared model keeps its mode and attention kernel, and
    # the eager graph is one that ONNX Runtime's optimiser recognises and fuses.
    model = copy.deepcopy(backend.model).eval()
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("eager")
        except (ValueError, ImportError):
            pass
    wrapper = _logits_module(model, names).eval()
    probe = _probe(backend.tokenizer, names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    # The TorchScript exporter: it needs no onnxscript; torch >= 2.5 defaults to the dynamo one.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}

    def write(tmp: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapper,
                tuple(probe[n] for n in names),
                str(tmp),
                input_names=names,
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=OPSET,
                do_constant_folding=True,
                **legacy,
            )
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        got = session.run(["logits"], {n: probe[n].numpy().astype(np.int64) for n in names})[0]
        with torch.inference_mode():
            want = backend.model(**probe).logits.float().numpy()
        diff = float(np.abs(got - want).max())
        if not diff <= EXPORT_TOLERANCE:
            raise OnnxExportError(f"the ONNX export differs from torch by {diff:.2g} in the logits")

    _atomic_write(path, write)


_FFN_MATMUL = re.compile(r"layer\.(\d+)/(?:intermediate|output)/dense/MatMul$")


def fp32_matmuls(model_path: Path, layers: int = FP32_FFN_LAYERS) -> list[str]:
    """The feed-forward MatMuls of the first `layers` encoder layers (BERT-style node names).

    Their inputs (LayerNorm and GELU outputs) have outlier channels that one per-tensor activation
    scale handles badly, and an error in the first layer grows through the rest of the network:
    on the shipped verifier, int8 there alone moved P(entailment) by up to 0.26 on the test pairs.
    Keeping more layers fp32 is more exact and slower (benchmarks/verifier_speed.py).
    """
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    ffn = [(int(m.group(1)), node.name) for node in graph.node if (m := _FFN_MATMUL.search(node.name))]
    return [name for layer, name in ffn if layer < layers]


def quantize_int8(src: Path, dst: Path, per_channel: bool = True) -> None:
    """Dynamic int8 quantisation of the MatMul weights (activations quantised at run time).

    Embeddings stay fp32, and so do the feed-forward MatMuls of the first layer (`fp32_matmuls`).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def write(tmp: Path) -> None:
        quantize_dynamic(
            str(src),
            str(tmp),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            reduce_range=False,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=fp32_matmuls(src),
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )

    _atomic_write(dst, write)
