"""Latency of every shipped model's public inference call on its default path: batch 1 (the
interactive case) and the throughput batch, grouped per model so that the per-image times
read side by side. The first call (fast-path set-up) is excluded here; `zoo bench --latency`
reports it apart.

    python -m pytest benchmarks/test_latency.py
"""

import pytest

from zoo.inference.latency import DEFAULT_THROUGHPUT_BATCH, THROUGHPUT_BATCH, public_call
from zoo.models._listing import list_models


@pytest.mark.parametrize("batch", ["1", "throughput"])
@pytest.mark.parametrize("name", list_models(shipped=True))
def test_latency(benchmark, name, batch, smoke, device):
    import zoo

    model = zoo.load(name, device=device)
    method = model.task.inference_method
    n = 1 if batch == "1" else THROUGHPUT_BATCH.get(method, DEFAULT_THROUGHPUT_BATCH)
    if smoke:
        n = min(n, 2)
    call = public_call(model, n)
    call()  # the first call builds the fast path's copy for this shape
    benchmark.group = f"latency: {name}"
    if smoke:
        benchmark.pedantic(call, rounds=1, iterations=1)
    else:
        benchmark.pedantic(call, rounds=30 if n == 1 else 10, warmup_rounds=2)
    benchmark.extra_info.update(batch=n, ms_per_image=1000 * benchmark.stats.stats.median / n)
    assert benchmark.stats.stats.median > 0
