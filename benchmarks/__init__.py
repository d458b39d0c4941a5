"""Benchmarks: `python -m benchmarks` (or `make bench`) measures nearby-search latency against a
naive baseline and Telegram updates/s through `process_update` against an echo bot.

See benchmarks/nearby.py and benchmarks/updates.py for what is measured and
`python -m benchmarks --help` for options (`--only nearby|updates`, `--quick`).
"""
