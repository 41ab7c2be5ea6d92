"""Evaluation tools: metrics, claim/evidence dev sets and simple baselines."""

from veracity.evaluation.baselines import lexical_overlap
from veracity.evaluation.devsets import (
    DEVSETS,
    ClaimEvidencePair,
    DevsetNotFoundError,
    load_all,
    load_devset,
)
from veracity.evaluation.metrics import (
    balanced_accuracy,
    expected_calibration_error,
    roc_auc,
)

__all__ = [
    "DEVSETS",
    "ClaimEvidencePair",
    "DevsetNotFoundError",
    "balanced_accuracy",
    "expected_calibration_error",
    "lexical_overlap",
    "load_all",
    "load_devset",
    "roc_auc",
]
