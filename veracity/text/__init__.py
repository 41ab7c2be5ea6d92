"""Text utilities shared by every stage (no heavy imports)."""

from veracity.text.sentences import SentenceStyle, sentence_spans
from veracity.text.words import STOPWORDS, content_tokens, lexical_overlap, word_tokens

__all__ = ["STOPWORDS", "SentenceStyle", "content_tokens", "lexical_overlap", "sentence_spans", "word_tokens"]
