"""Benchmarks that print figures; results.md records them."""
