"""Resolve an NLI model name to a loaded backend that turns (premise, hypothesis) pairs into probabilities.

Accepted names: "default" (our packaged verifier, small and fast), "accurate" (the larger tier, trained
from all-mpnet-base-v2 on a GPU: `docs/verifier.md`, "Two tiers"; a clear error where it is not
installed), a local directory (our verifier format, a Hugging
Face sequence-classification NLI model, or a MiniCheck-style seq2seq model), or a Hugging Face hub id
("org/name"), loaded from the local cache first and from the hub only where the network allows it.
"""

from __future__ import annotations

import re
from pathlib import Path

from veracity.errors import ModelNotAvailableError, VeracityError
from veracity.loading import load_once
from veracity.verifier.base import NLIBackend, Probabilities, label_columns, pick_columns
from veracity.verifier.model import NAMED_MODELS, WEIGHTS_FILE, read_model_metadata
from veracity.verifier.onnx_backend import (
    OnnxClassifierBackend,
    load_remembered,
    onnx_or_torch,
    onnxruntime_available,
    remember,
    set_default_threads,
    source_files,
)
from veracity.verifier.torch_backend import ClassifierBackend, Seq2SeqBackend, from_transformers, own_verifier

__all__ = [
    "RUNTIMES", "ClassifierBackend", "NLIBackend", "OnnxClassifierBackend", "Probabilities", "Seq2SeqBackend",
    "label_columns", "load_nli_model", "pick_columns", "set_threads",
]

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

RUNTIMES = ("auto", "torch", "onnx", "onnx-fp32")


def model_path(name: str) -> Path:
    """The folder a model name stands for: a named tier of ours, or the name as a path."""
    if name not in NAMED_MODELS:
        return Path(name).expanduser()
    path = NAMED_MODELS[name]
    if not (path / WEIGHTS_FILE).is_file():
        raise ModelNotAvailableError(
            f"the {name!r} verifier is not installed (no {path / WEIGHTS_FILE}). It is trained from "
            "all-mpnet-base-v2 on a GPU machine (`make verifier-accurate`, docs/verifier.md 'Two tiers'); "
            "until then use 'default' or give a model directory or Hugging Face id"
        )
    return path


@load_once
def load_nli_model(name: str = "default", runtime: str = "torch") -> NLIBackend:
    """Load a model once per process (cached by name and runtime).

    `runtime`: "torch"; "onnx" (ONNX Runtime int8 for classifiers, torch with a warning where unavailable);
    "onnx-fp32" (ONNX Runtime without quantisation: the same scores as torch, about twice as fast on CPU);
    "auto" (the default of `NLIJudge`: ONNX fp32 for classifiers where onnxruntime is installed, which gives
    torch's scores about twice as fast on CPU; else torch). Seq2seq models always run on torch.
    """
    if runtime not in RUNTIMES:
        raise VeracityError(f"unknown runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
    path = model_path(name)
    onnx = runtime in ("onnx", "onnx-fp32") or (runtime == "auto" and onnxruntime_available())
    precision = "int8" if runtime == "onnx" else "fp32"
    if onnx:  # an export made by an earlier process opens without torch
        metadata = read_model_metadata(path) if (path / WEIGHTS_FILE).is_file() else {}
        remembered = load_remembered(name, path, source_files(path), precision, metadata)
        if remembered is not None:
            return remembered
    backend = _load_torch(name)
    if onnx and isinstance(backend, ClassifierBackend):
        loaded = onnx_or_torch(backend, source_files(path), precision=precision)
        if isinstance(loaded, OnnxClassifierBackend):
            remember(loaded, path, source_files(path))
        return loaded
    return backend


@load_once
def _load_torch(name: str) -> ClassifierBackend | Seq2SeqBackend:
    path = model_path(name)
    if name in NAMED_MODELS or (path / WEIGHTS_FILE).is_file():
        return own_verifier(path, name)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotAvailableError(f"{path} is not a model directory (no config.json)")
        return from_transformers(str(path), name)
    if _HUB_ID.match(name):
        return from_transformers(name, name)
    raise ModelNotAvailableError(
        f"unknown NLI model {name!r}: use 'default', a local model directory, or a Hugging Face id like "
        "'cross-encoder/nli-deberta-v3-base' or 'lytang/MiniCheck-Flan-T5-Large'"
    )


def set_threads(threads: int | None) -> None:
    """Set the intra-op thread count of torch and of ONNX sessions (None keeps the current one)."""
    set_default_threads(threads)
    if threads:
        import torch

        torch.set_num_threads(threads)
