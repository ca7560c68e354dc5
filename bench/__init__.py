"""Benchmarks (scripts that print figures and assert nothing) and, in bench/harness/, the load generators
and start-up helpers they share with the tests. bench/ depends on nothing under tests/."""
