"""Benchmarks: tinygrad_lite against hand-written NumPy, PyTorch and micrograd.

Run ``python -m benchmarks`` (``--help`` for the options). Every workload is
implemented several times in one process, all from the same initial weights;
the runner first checks that all implementations reach the same final loss,
then times them interleaved (A B A B ...) and reports the median time per
step, the ratios to the hand-written reference and to PyTorch, and whether
each target of the performance issue is met. Benchmarks are not tests: the
test suite checks correctness only.
"""
