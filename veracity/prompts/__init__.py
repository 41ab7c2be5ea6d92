"""Prompts as versioned files, one folder per judge; loaded by the LLM judges."""
