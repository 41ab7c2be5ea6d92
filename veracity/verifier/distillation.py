"""Knowledge distillation: a teacher verifier's logits on the training mixture, and the loss that uses them.

The large verifier (all-mpnet-base-v2, trained where a GPU is available) is the teacher; the small
default verifier learns from its soft labels as well as from the gold labels (Hinton et al., 2015):
loss = (1 - w) * gold loss + w * T^2 * KL(teacher_T || student_T), with softmax temperature T.

Teacher logits are stored pickle-free (`.npz` of `keys`: 16-byte hashes of premise and hypothesis,
`logits`: float32 rows in `NLI_LABELS` order), made by `python -m veracity.verifier.teacher_logits`,
so the teacher runs once, on whatever machine has the GPU, and the student trains on CPU later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from veracity.errors import InputFormatError, VeracityError

if TYPE_CHECKING:
    import torch

KEY_BYTES = 16


def pair_key(premise: str, hypothesis: str) -> bytes:
    """A stable key of one (premise, hypothesis) pair."""
    text = f"{premise}\x00{hypothesis}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=KEY_BYTES).digest()


def save_teacher_logits(path: Path, keys: Sequence[bytes], logits: np.ndarray) -> Path:
    """Write the teacher's logits (one row per key) as a pickle-free .npz."""
    logits = np.asarray(logits, dtype=np.float32)
    if logits.ndim != 2 or len(keys) != len(logits) or not np.isfinite(logits).all():
        raise VeracityError(f"teacher logits must be finite, one row per pair: {len(keys)} keys, shape {logits.shape}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez(handle, keys=np.array(keys, dtype=f"S{KEY_BYTES}"), logits=logits)
    return path


class TeacherLogits:
    """The teacher's logits, looked up by pair."""

    def __init__(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as stored:
                keys, self.logits = stored["keys"], stored["logits"].astype(np.float32)
        except (OSError, KeyError, ValueError) as err:
            raise InputFormatError(f"{path}: not a teacher-logits file ({err})") from err
        self.row = {bytes(key): i for i, key in enumerate(keys)}
        self.path = path

    def __len__(self) -> int:
        return len(self.row)

    def missing(self, pairs: Sequence[tuple[str, str]]) -> int:
        """How many of the pairs have no teacher logits."""
        return sum(pair_key(p, h) not in self.row for p, h in pairs)

    def rows(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The logits of each (premise, hypothesis) pair; every pair must have been scored by the teacher."""
        try:
            return self.logits[[self.row[pair_key(p, h)] for p, h in pairs]]
        except KeyError as err:
            raise VeracityError(
                f"{self.path} has no teacher logits for a training pair: make them with the same mixture options"
            ) from err


def distillation_loss(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(teacher / T) || softmax(student / T)), averaged over the batch."""
    from torch.nn import functional as F

    if temperature <= 0:
        raise VeracityError(f"distillation temperature must be positive, got {temperature}")
    log_student = F.log_softmax(student / temperature, dim=-1)
    log_teacher = F.log_softmax(teacher / temperature, dim=-1)
    return F.kl_div(log_student, log_teacher, reduction="batchmean", log_target=True) * temperature**2
