"""Score the training mixture with a teacher verifier, for distillation into the small one.

    python -m veracity.verifier.teacher_logits --teacher DIR --logits-out FILE.npz --data ../shared/data/nli_train [mixture options]

The mixture options are `veracity.verifier.training`'s (seed, counts of each synthetic kind, ...):
give the student's training run the same ones and `--teacher-logits FILE.npz`. Runs on CUDA where
available (`--device cuda`), else on CPU (slow for a large teacher: hours for ~50k pairs).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from veracity.errors import VeracityError
from veracity.verifier.distillation import pair_key, save_teacher_logits
from veracity.verifier.model import load_verifier
from veracity.verifier.training import TrainConfig, add_config_arguments, encode, training_mixture


def teacher_logits(teacher: Path, config: TrainConfig, batch_size: int = 64) -> tuple[list[bytes], np.ndarray]:
    """The teacher's logits on every pair of the mixture `config` describes (deduplicated by pair)."""
    import torch

    model, tokenizer = load_verifier(teacher)
    model.to(config.device).eval()
    unique = {pair_key(p.premise, p.hypothesis): p for p in training_mixture(config)}
    keys = sorted(unique, key=lambda k: len(unique[k].premise) + len(unique[k].hypothesis))
    rows = []
    with torch.inference_mode():
        for start in range(0, len(keys), batch_size):
            batch = [unique[k] for k in keys[start : start + batch_size]]
            with torch.autocast(config.device, dtype=torch.bfloat16, enabled=config.bf16):
                rows.append(model(**encode(tokenizer, batch, config.max_length, config.device)).logits.float().cpu().numpy())
    return keys, np.concatenate(rows) if rows else np.zeros((0, 3), dtype=np.float32)


def main(argv: list[str] | None = None) -> None:
    parser = add_config_arguments(argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter))
    parser.add_argument("--teacher", type=Path, required=True, help="the teacher verifier's folder")
    parser.add_argument("--logits-out", type=Path, required=True, help="where to write the .npz")
    args = vars(parser.parse_args(argv))
    teacher, out = args.pop("teacher"), args.pop("logits_out")
    started = time.time()
    try:
        keys, logits = teacher_logits(teacher, TrainConfig(**args))
        save_teacher_logits(out, keys, logits)
    except VeracityError as err:  # a clear message, not a traceback
        raise SystemExit(f"error: {err}") from None
    print(f"{out}: teacher logits for {len(keys)} pairs in {time.time() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
