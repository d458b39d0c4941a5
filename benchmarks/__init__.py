"""Benchmarks: `python -m benchmarks` (or `make bench`) measures nearby-search latency.

See benchmarks/nearby.py for what is measured and `python -m benchmarks --help` for options.
"""
