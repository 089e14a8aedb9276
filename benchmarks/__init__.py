"""Benchmarks: tinygrad_lite against hand-written Python/NumPy doing the same math.

Each benchmark runs its implementations interleaved (A B A B ...) in one
process and reports medians, because one absolute time on a shared machine
means little. Benchmarks are not tests: the test suite checks correctness.
"""
