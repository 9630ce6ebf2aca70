"""Benchmarks behind the figures the README quotes: `python -m bench.NAME --help` from the
repository root (bench/README.md lists them). `bench.common` holds what they share."""
