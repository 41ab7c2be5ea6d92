"""Batch engines beyond the local one in `veracity.batch`: `ray_engine` (optional extra `ray`)."""
