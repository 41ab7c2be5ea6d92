"""Resolve an NLI model name to a loaded classifier and its label order.

Accepted names: "default" (our packaged verifier), a local directory holding a Hugging Face
sequence-classification model, or a Hugging Face hub id ("org/name"), which loads from the local
cache first and from the hub only where the network allows it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from veracity.errors import ModelNotAvailableError
from veracity.judges.verifier_model import DEFAULT_MODEL_DIR, WEIGHTS_FILE, load_verifier, read_model_metadata

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class LoadedNLIModel:
    """A classifier, its tokenizer, and which logit column means entailment / neutral / contradiction."""

    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    entailment: int
    neutral: int | None
    contradiction: int | None
    max_length: int
    metadata: dict

    @property
    def n_labels(self) -> int:
        return int(self.model.config.num_labels)


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


def _model_max_length(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> int:
    limits = [getattr(model.config, "max_position_embeddings", 512), getattr(tokenizer, "model_max_length", 512)]
    return int(min(x for x in limits if isinstance(x, int) and x > 0))


def _from_transformers(source: str, name: str) -> LoadedNLIModel:
    local_only = Path(source).exists() or os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
        model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=local_only)
    except (OSError, ValueError) as err:
        raise ModelNotAvailableError(
            f"cannot load NLI model {name!r}: {err.__class__.__name__}: {str(err).splitlines()[0]}. "
            "Give a local directory, or a Hugging Face id that is cached or reachable."
        ) from err
    model.eval()
    entail, neutral, contra = label_columns(model.config.id2label)
    return LoadedNLIModel(name, model, tokenizer, entail, neutral, contra, _model_max_length(model, tokenizer), {})


def _own_verifier(path: Path, name: str) -> LoadedNLIModel:
    """A verifier in our packaged format (see `verifier_model`)."""
    model, tokenizer = load_verifier(path)
    metadata = read_model_metadata(path)
    entail, neutral, contra = label_columns(model.config.id2label)
    max_length = int(metadata.get("max_length", 256))
    return LoadedNLIModel(name, model, tokenizer, entail, neutral, contra, max_length, metadata)


@lru_cache(maxsize=4)
def load_nli_model(name: str = "default") -> LoadedNLIModel:
    """Load a model once per process (cached by name)."""
    path = DEFAULT_MODEL_DIR if name == "default" else Path(name).expanduser()
    if (path / WEIGHTS_FILE).is_file() or name == "default":
        return _own_verifier(path, name)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotAvailableError(f"{path} is not a model directory (no config.json)")
        return _from_transformers(str(path), name)
    if _HUB_ID.match(name):
        return _from_transformers(name, name)
    raise ModelNotAvailableError(
        f"unknown NLI model {name!r}: use 'default', a local model directory, or a Hugging Face id like "
        "'cross-encoder/nli-deberta-v3-base'"
    )


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op thread count (None keeps torch's default)."""
    if threads:
        torch.set_num_threads(threads)
