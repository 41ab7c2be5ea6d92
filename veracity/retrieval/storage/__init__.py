"""Index persistence: the SQLite store, generation files and manifest, change planning, locking, settings, the encoding cache."""
