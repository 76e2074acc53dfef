"""Ratio benchmarks, run as `python -m benchmarks.<name>` (`make bench` runs them all).

Each reports the C extension against the pure-Python twins side by side in one run.
Timings are printed, never asserted: nothing here is part of the test suite.
"""
