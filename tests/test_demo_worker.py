"""`zoo demo`'s worker: model calls run in a process of their own with a time limit, so one
slow request cannot hold the page (the probe: a request that never ends, before the limit
existed, pinned a core and blocked every later request). Needs no Gradio."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

import zoo
from zoo.demo import Worker, generate


def sleep_then_name(model, seconds: float) -> str:
    """A request that takes ``seconds`` (importable: the worker process runs it)."""
    time.sleep(seconds)
    return model.architecture


def fail(model) -> None:
    raise RuntimeError("a bug inside a model")


def test_a_request_over_the_time_limit_is_stopped_and_the_next_one_runs():
    worker = Worker(["dcgan-mnist"], limit_s=20)
    try:
        grid = worker.call(generate, "dcgan-mnist", 0, 4)
        assert isinstance(grid, Image.Image)
        local = generate(zoo.load("dcgan-mnist"), 0, 4)
        assert np.array_equal(np.asarray(grid), np.asarray(local))  # computed there, the same
        worker.limit_s = 1.0
        started = time.monotonic()
        with pytest.raises(zoo.ConfigError, match="stopped after 1 s, the time limit"):
            worker.call(sleep_then_name, "dcgan-mnist", 600)
        assert time.monotonic() - started < 10
        worker.limit_s = 20
        assert worker.call(sleep_then_name, "dcgan-mnist", 0) == "dcgan"  # a fresh worker
        with pytest.raises(zoo.ZooError, match="RuntimeError: a bug inside a model"):
            worker.call(fail, "dcgan-mnist")
        with pytest.raises(zoo.ZooError, match="truncation"):  # the zoo's own errors
            worker.call(generate, "dcgan-mnist", 0, 4, None, 1e-30)
        assert worker.call(sleep_then_name, "dcgan-mnist", 0) == "dcgan"
    finally:
        worker.close()
    with pytest.raises(zoo.ConfigError, match="time limit -1 s; give a positive"):
        Worker(["dcgan-mnist"], limit_s=-1)
    # loading is not a request (a limit shorter than loading still serves), and a model that
    # does not load is an error at once
    quick = Worker(["dcgan-mnist"], limit_s=0.5)
    try:
        assert quick.call(sleep_then_name, "dcgan-mnist", 0) == "dcgan"
    finally:
        quick.close()
    with pytest.raises(zoo.ZooError, match="loading the demo's models failed: .*dcgan-mnst"):
        Worker(["dcgan-mnst"])
