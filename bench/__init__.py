"""Benchmarks: figures, never timed tests. Run `python -m bench` (see README)."""
