"""Benchmarks of Enforcement Atlas. Run them all with `python -m bench.run` (see bench/README.md)."""
