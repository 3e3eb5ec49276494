"""Time of `zoo eval` on a shipped generator (sampling, features, FID/KID/IS/precision/recall,
the class report, and for a held-out catalog entry the training-split figures and the
memorisation check) at the catalog's 1,000 samples and at the 10,000 papers report.

    python -m pytest benchmarks/test_eval.py
"""

import pytest


@pytest.mark.parametrize("samples", [1000, 10000])
def test_eval_time(benchmark, samples, smoke):
    import zoo
    from zoo.metrics.generation import evaluate
    from zoo.models._catalog import get_entry

    entry = get_entry("dcgan-mnist")
    model = zoo.load("dcgan-mnist")
    n = 100 if smoke else samples
    data = entry.eval.get("data", "mnist")
    evaluate(model, 100, progress=False, data=data)  # classifiers loaded, real images cached
    benchmark.group = "zoo eval: dcgan-mnist"
    result = benchmark.pedantic(
        evaluate, args=(model, n), kwargs={"progress": False, "data": data}, rounds=1
    )
    benchmark.extra_info.update(samples=n, fid=result["metrics"]["fid"])
    assert result["samples"] == n and result["metrics"]["fid"] > 0
