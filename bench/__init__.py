"""Benchmarks that print their figures next to a baseline measured in the same
run (`make bench`)."""
