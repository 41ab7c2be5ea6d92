"""Resolve an NLI model name to a loaded backend that turns (premise, hypothesis) pairs into probabilities.

Accepted names: "default" (our packaged verifier), a local directory (our verifier format, a Hugging
Face sequence-classification NLI model, or a MiniCheck-style seq2seq model), or a Hugging Face hub id
("org/name"), loaded from the local cache first and from the hub only where the network allows it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from veracity.errors import ModelNotAvailableError, VeracityError
from veracity.loading import load_once
from veracity.judges.onnx_backend import (
    OnnxClassifierBackend,
    load_remembered,
    onnx_or_torch,
    onnxruntime_available,
    pick_columns,
    remember,
    set_default_threads,
    source_files,
)
from veracity.judges.verifier_model import DEFAULT_MODEL_DIR, WEIGHTS_FILE, load_verifier, read_model_metadata

if TYPE_CHECKING:  # torch and transformers are imported where a model is loaded or run on torch
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
Probabilities = tuple[float, float, float]  # entailment, neutral, contradiction


def label_columns(id2label: dict) -> tuple[int, int | None, int | None]:
    """Find the entailment / neutral / contradiction columns from a config's `id2label`.

    Two-label models ("entailment" vs "not_entailment") have no neutral or contradiction column.
    """
    names = {int(i): str(label).lower().replace("-", "_") for i, label in id2label.items()}
    entail = [i for i, n in names.items() if n.startswith("entail") or n in {"supported", "support", "yes", "true"}]
    contra = [i for i, n in names.items() if n.startswith("contradict") or n in {"refuted", "refute"}]
    neutral = [i for i, n in names.items() if n.startswith("neutral")]
    if len(entail) != 1:
        raise ModelNotAvailableError(
            f"cannot tell which label means entailment from the model config (id2label={id2label})"
        )
    if len(names) == 3 and not (len(contra) == 1 and len(neutral) == 1):
        raise ModelNotAvailableError(f"a 3-label model must name entailment, neutral and contradiction (id2label={id2label})")
    return entail[0], (neutral[0] if neutral else None), (contra[0] if contra else None)


def _max_length(config: PretrainedConfig, tokenizer: PreTrainedTokenizerBase, default: int = 512) -> int:
    limits = [getattr(config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None), default]
    return int(min(x for x in limits if isinstance(x, int) and x > 0))


@dataclass
class ClassifierBackend:
    """A sequence-classification cross-encoder; label columns read from its config."""

    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    max_length: int
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entailment, self.neutral, self.contradiction = label_columns(self.model.config.id2label)

    def probabilities(self, premises: list[str], hypotheses: list[str]) -> list[Probabilities]:
        import torch

        batch = self.tokenizer(
            premises, hypotheses, truncation="only_first", max_length=self.max_length, padding=True, return_tensors="pt"
        )
        with torch.inference_mode():
            rows = self.model(**batch).logits.float().softmax(-1).tolist()
        return [self._columns(row) for row in rows]

    def _columns(self, row: list[float]) -> Probabilities:
        return pick_columns(row, self.entailment, self.neutral, self.contradiction)


@dataclass
class Seq2SeqBackend:
    """A MiniCheck-style seq2seq verifier: P(supported) = P("1") vs P("0") at the first decoded token."""

    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    max_length: int
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [self.tokenizer.convert_tokens_to_ids(t) for t in ("0", "1")]
        if any(i is None or i == self.tokenizer.unk_token_id for i in ids):
            raise ModelNotAvailableError(f"{self.name}: the tokenizer has no single tokens for '0' and '1'")
        self.zero_id, self.one_id = ids

    def probabilities(self, premises: list[str], hypotheses: list[str]) -> list[Probabilities]:
        import torch

        with torch.inference_mode():
            return self._probabilities(premises, hypotheses)

    def _probabilities(self, premises: list[str], hypotheses: list[str]) -> list[Probabilities]:
        import torch

        # MiniCheck's input format; the document is truncated, never the claim.
        claims = self.tokenizer([f" hypothesis: {h}" for h in hypotheses], add_special_tokens=False)["input_ids"]
        docs = self.tokenizer([f"premise: {p}" for p in premises], add_special_tokens=False)["input_ids"]
        eos = [self.tokenizer.eos_token_id] if self.tokenizer.eos_token_id is not None else []
        inputs = [d[: max(0, self.max_length - len(c) - len(eos))] + c + eos for d, c in zip(docs, claims)]
        batch = self.tokenizer.pad({"input_ids": inputs}, return_tensors="pt")
        start = torch.full((len(inputs), 1), self.model.config.decoder_start_token_id, dtype=torch.long)
        logits = self.model(**batch, decoder_input_ids=start).logits[:, 0, [self.zero_id, self.one_id]].float()
        p_one = logits.softmax(-1)[:, 1].tolist()
        return [(p, 1.0 - p, 0.0) for p in p_one]


NLIBackend = ClassifierBackend | Seq2SeqBackend | OnnxClassifierBackend
RUNTIMES = ("auto", "torch", "onnx", "onnx-fp32")


def _from_transformers(source: str, name: str) -> NLIBackend:
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoModelForSequenceClassification, AutoTokenizer

    local_only = Path(source).exists() or os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        config = AutoConfig.from_pretrained(source, local_files_only=local_only)
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
        seq2seq = bool(getattr(config, "is_encoder_decoder", False))
        loader = AutoModelForSeq2SeqLM if seq2seq else AutoModelForSequenceClassification
        model = loader.from_pretrained(source, local_files_only=local_only)
    except (OSError, ValueError) as err:
        raise ModelNotAvailableError(
            f"cannot load NLI model {name!r}: {err.__class__.__name__}: {str(err).splitlines()[0]}. "
            "Give a local directory, or a Hugging Face id that is cached or reachable."
        ) from err
    model.eval()
    backend = Seq2SeqBackend if seq2seq else ClassifierBackend
    return backend(name, model, tokenizer, _max_length(config, tokenizer))


def _own_verifier(path: Path, name: str) -> ClassifierBackend:
    """A verifier in our packaged format (see `verifier_model`)."""
    model, tokenizer = load_verifier(path)
    metadata = read_model_metadata(path)
    return ClassifierBackend(name, model, tokenizer, int(metadata.get("max_length", 256)), metadata)


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
    path = DEFAULT_MODEL_DIR if name == "default" else Path(name).expanduser()
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
    path = DEFAULT_MODEL_DIR if name == "default" else Path(name).expanduser()
    if name == "default" or (path / WEIGHTS_FILE).is_file():
        return _own_verifier(path, name)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotAvailableError(f"{path} is not a model directory (no config.json)")
        return _from_transformers(str(path), name)
    if _HUB_ID.match(name):
        return _from_transformers(name, name)
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
