"""Benchmarks: scripts run as ``python bench/NAME.py`` from a checkout (docs/performance.md)."""
