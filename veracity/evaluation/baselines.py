"""Training-free baselines that score (premise, hypothesis) pairs: lexical overlap (from `veracity.text`)."""

from __future__ import annotations

from veracity.text.words import STOPWORDS, content_tokens, lexical_overlap, word_tokens

_tokens = word_tokens  # old private name, kept for callers outside the package

__all__ = ["STOPWORDS", "content_tokens", "lexical_overlap"]
