"""Run configuration (filled in by the pipeline/config refactor)."""
