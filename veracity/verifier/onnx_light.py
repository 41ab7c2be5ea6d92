"""Open a cached ONNX export without torch: `PairTokenizer` and the manifest `remember` writes.

A model directory's export is remembered in a small manifest (cache_root()/light/<key>.json) keyed by
the sha256 of its weights, config and tokenizer files, the recipe and the precision. A later process
finds the manifest from those files alone and opens the ONNX file with a `PairTokenizer`, so neither
torch nor transformers is imported (`onnx_backend.load_remembered`). The manifest is written only when
`PairTokenizer` reproduces the transformers tokenizer on probe pairs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from veracity.verifier.onnx_export import OPSET, RECIPE, cache_root

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from veracity.verifier.onnx_backend import OnnxClassifierBackend

log = logging.getLogger(__name__)

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
_PROBE_PAIRS = (
    ("The cat sat on the mat.", "A cat sat down."),
    ("Paris is the capital and most populous city of France, on the Seine. " * 40, "Paris is in Germany."),
    ("", "An empty premise."),
)


class PairTokenizer:
    """The two calls `NLIJudge` makes of a transformers fast tokenizer, answered by `tokenizers` directly.

    `tok(text, add_special_tokens=False, verbose=False)["input_ids"]` (token counts) and
    `tok(premises, hypotheses, truncation="only_first", max_length=M, padding=True, return_tensors="np")`.
    Any other call or attribute goes to the transformers tokenizer, loaded on that first need.
    """

    def __init__(self, model_dir: Path, max_length: int, pad_id: int, pad_token: str, names: Sequence[str]) -> None:
        from tokenizers import Tokenizer

        self.model_dir = model_dir
        self.max_length = max_length
        self.model_input_names = list(names)
        self._plain = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._plain.no_truncation()
        self._plain.no_padding()
        self._pairs = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._pairs.enable_truncation(max_length, strategy="only_first")
        self._pairs.enable_padding(pad_id=pad_id, pad_token=pad_token)

    def __call__(self, text: Any, text_pair: Any = None, **options: Any) -> Any:
        add_special = options.get("add_special_tokens", True)
        rest = {k: v for k, v in options.items() if k not in ("add_special_tokens", "verbose")}
        if text_pair is None and isinstance(text, str) and not rest:
            return {"input_ids": self._plain.encode(text, add_special_tokens=add_special).ids}
        pairs_call = {"truncation": "only_first", "max_length": self.max_length, "padding": True, "return_tensors": "np"}
        if text_pair is not None and add_special and rest == pairs_call and not isinstance(text, str):
            encoded = self._pairs.encode_batch(list(zip(text, text_pair)))
            columns = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
            return {n: np.array([getattr(e, columns[n]) for e in encoded], dtype=np.int64) for n in self.model_input_names}
        return self.transformers_tokenizer(text, text_pair, **options)

    @property
    def transformers_tokenizer(self) -> PreTrainedTokenizerBase:
        """The transformers tokenizer of the same files (imports transformers)."""
        if "_hf" not in self.__dict__:
            from transformers import AutoTokenizer

            self.__dict__["_hf"] = AutoTokenizer.from_pretrained(str(self.model_dir))
        return self.__dict__["_hf"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_hf":
            raise AttributeError(name)
        return getattr(self.transformers_tokenizer, name)


def light_key(model_dir: Path, files: Sequence[Path], precision: str) -> str | None:
    """The manifest key of a local model directory's export; None where it cannot be computed cheaply."""
    from veracity.retrieval.search.embedder import _digest

    if not files or not (model_dir / "config.json").is_file() or not (model_dir / "tokenizer.json").is_file():
        return None
    key = hashlib.sha256(f"veracity-onnx-light recipe={RECIPE} opset={OPSET} precision={precision}\n".encode())
    for path in [*files, model_dir / "config.json", *(model_dir / n for n in _TOKENIZER_FILES)]:
        if path.is_file():
            key.update(f"{path.name}:{_digest(path)}\n".encode())
    return key.hexdigest()


def manifest_path(key: str) -> Path:
    """Where the manifest of export `key` lives."""
    return cache_root() / "light" / f"{key}.json"


def remember(backend: OnnxClassifierBackend, model_dir: Path, files: Sequence[Path]) -> bool:
    """Write the manifest that lets `load_remembered` open this export without torch; False if not written."""
    key = light_key(model_dir, files, backend.precision)
    tokenizer = backend.tokenizer
    if key is None or getattr(tokenizer, "pad_token_id", None) is None or getattr(tokenizer, "padding_side", "right") != "right":
        return False
    light = PairTokenizer(model_dir, backend.max_length, tokenizer.pad_token_id, tokenizer.pad_token, backend.input_names)
    options = {"truncation": "only_first", "max_length": backend.max_length, "padding": True, "return_tensors": "np"}
    premises, hypotheses = [p for p, _ in _PROBE_PAIRS], [h for _, h in _PROBE_PAIRS]
    want, got = tokenizer(premises, hypotheses, **options), light(premises, hypotheses, **options)
    same = all(np.array_equal(np.asarray(want[n]), got[n]) for n in backend.input_names)
    same = same and all(
        tokenizer(p, add_special_tokens=False, verbose=False)["input_ids"] == light(p, add_special_tokens=False)["input_ids"]
        for p in premises
    )
    if not same:
        log.info("%s: the tokenizers library does not reproduce its tokenizer; loads keep using torch", backend.name)
        return False
    record = {
        "name": backend.name, "onnx": str(backend.path), "precision": backend.precision, "max_length": backend.max_length,
        "columns": [backend.entailment, backend.neutral, backend.contradiction], "input_names": backend.input_names,
        "pad_id": tokenizer.pad_token_id, "pad_token": tokenizer.pad_token,
    }
    target = manifest_path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return True
