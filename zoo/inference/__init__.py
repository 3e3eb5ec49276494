"""Inference beyond the model's own methods: the fast path (:mod:`~zoo.inference.fast`,
what ``sample()`` and ``translate()`` run by default) and throughput measurements
(:mod:`~zoo.inference.bench`, ``zoo bench`` and benchmarks/)."""
