"""Types shared by the verifier's backends (a leaf module: nothing heavy, nothing else of `verifier/`).

A backend turns (premise, hypothesis) pairs into (entailment, neutral, contradiction) probabilities:
`torch_backend.ClassifierBackend` / `Seq2SeqBackend` and `onnx_backend.OnnxClassifierBackend` all
satisfy `NLIBackend`; `loading.load_nli_model` picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from veracity.errors import ModelNotAvailableError

Probabilities = tuple[float, float, float]  # entailment, neutral, contradiction


@runtime_checkable
class NLIBackend(Protocol):
    """What `NLIJudge` needs of a loaded model."""

    name: str
    tokenizer: Any  # a transformers tokenizer, or `onnx_light.PairTokenizer`
    max_length: int
    metadata: dict

    def probabilities(self, premises: list[str], hypotheses: list[str]) -> list[Probabilities]:
        """(entailment, neutral, contradiction) for each pair, each summing to 1."""
        ...


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


def pick_columns(row: Sequence[float], entail: int, neutral: int | None, contra: int | None) -> Probabilities:
    """(entailment, neutral, contradiction) from a row of label probabilities, renormalised.

    Two-label models ("entailment" vs "not_entailment") have no neutral or contradiction column:
    "not entailed" cannot be split, so it is reported as neutral."""
    e = row[entail]
    if neutral is None and contra is None:
        return e, 1.0 - e, 0.0
    n = row[neutral] if neutral is not None else 0.0
    c = row[contra] if contra is not None else 0.0
    total = e + n + c
    return e / total, n / total, c / total
