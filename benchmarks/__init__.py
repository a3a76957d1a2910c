"""Benchmarks run by `make bench` (never by `make test`); results go to docs/benchmarks.md."""
