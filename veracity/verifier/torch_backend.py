"""Backends that run on torch: our packaged verifier or any Hugging Face sequence-classification NLI model
(`ClassifierBackend`), and MiniCheck-style seq2seq verifiers (`Seq2SeqBackend`). torch and transformers
are imported where a model is loaded or run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from veracity.errors import ModelNotAvailableError
from veracity.verifier.base import Probabilities, label_columns, pick_columns
from veracity.verifier.model import load_verifier, read_model_metadata

if TYPE_CHECKING:
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase


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


def from_transformers(source: str, name: str) -> ClassifierBackend | Seq2SeqBackend:
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


def own_verifier(path: Path, name: str) -> ClassifierBackend:
    """A verifier in our packaged format (see `verifier.model`)."""
    model, tokenizer = load_verifier(path)
    metadata = read_model_metadata(path)
    return ClassifierBackend(name, model, tokenizer, int(metadata.get("max_length", 256)), metadata)
