"""Start-up of the command line and of ``import zoo``, as subprocesses (what a user waits
for), against ``import torch`` in the same run. ``cold``: the first call with an empty
bytecode cache (``PYTHONPYCACHEPREFIX`` in a new folder: a fresh install's first run);
``warm``: later calls. pytest-benchmark groups by case, so cold and warm read side by side;
extra_info holds each time relative to ``import torch`` measured in this run.

    python -m pytest benchmarks/test_startup.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ZOO = str(Path(sys.executable).with_name("zoo"))
CASES = {
    "zoo --help": [ZOO, "--help"],
    "zoo list": [ZOO, "list"],
    "import zoo": [sys.executable, "-c", "import zoo"],
    "zoo.load + sample": [
        sys.executable,
        "-c",
        "import zoo; zoo.load('dcgan-mnist').sample(1)",
    ],
    "zoo sample -n 1": [
        ZOO,
        "sample",
        "dcgan-mnist",
        "-n",
        "1",
        "-o",
        str(Path(tempfile.gettempdir()) / "zoo-startup-sample.png"),
    ],
    "import torch": [sys.executable, "-c", "import torch"],  # the reference
}


def run(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def torch_seconds() -> float:
    env = dict(os.environ)
    run(CASES["import torch"], env)
    return min(run(CASES["import torch"], env) for _ in range(3))


@pytest.mark.parametrize("state", ["cold", "warm"])
@pytest.mark.parametrize("case", list(CASES))
def test_startup(benchmark, case, state, smoke, torch_seconds):
    argv = CASES[case]
    env = dict(os.environ)
    if state == "cold":
        cache = tempfile.mkdtemp(prefix="zoo-pycache-")
        env["PYTHONPYCACHEPREFIX"] = cache  # every module compiled again: the first run
        calls = [cache]

        def setup():  # a new empty cache for each timed call
            calls.append(tempfile.mkdtemp(prefix="zoo-pycache-"))
            env["PYTHONPYCACHEPREFIX"] = calls[-1]
            return (), {}

        rounds = 1 if smoke else 3
        benchmark.pedantic(lambda: run(argv, env), setup=setup, rounds=rounds)
    else:
        run(argv, env)  # warm the bytecode and the page cache
        benchmark.pedantic(lambda: run(argv, env), rounds=1 if smoke else 5)
    benchmark.group = f"start-up: {case}"
    seconds = benchmark.stats.stats.median
    benchmark.extra_info.update(seconds=seconds, vs_import_torch=seconds / torch_seconds)
    assert seconds > 0
