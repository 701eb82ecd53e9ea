"""speechmusic benchmarks: measured speed, memory and accuracy against baselines in the same run.

Run ``python -m benchmarks`` from the repository root (``--help`` for options); see
docs/benchmarks.md. Never part of the unit tests (one smoke test runs the quick path on tiny inputs).
"""
