"""Benchmarks: `python -m benchmarks.run` (one day of N requests end to end) and
`python -m benchmarks.parallel_days` (four daily partitions in parallel). See docs/benchmark.md."""
