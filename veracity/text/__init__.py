"""Text utilities shared by every stage (no heavy imports)."""

from veracity.text.words import STOPWORDS, content_tokens, lexical_overlap, word_tokens

__all__ = ["STOPWORDS", "content_tokens", "lexical_overlap", "word_tokens"]
