"""Ingestion: reading files (text, HTML, PDF, JSONL/CSV records), sentence-aligned passages, near-duplicate fingerprints."""
