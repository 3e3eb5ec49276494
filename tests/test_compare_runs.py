"""benchmarks/studies/compare_runs.py, the figure of runs against images seen."""

import json
import subprocess
import sys

import pytest
from PIL import Image

from .conftest import REPO, SMALL, load_script

pytestmark = pytest.mark.slow  # a study's test: trains two runs


def _train(zoo_cli, out, batch: int, steps: int) -> None:
    sets = [f"--set={k}={v}" for k, v in SMALL["dcgan"].items()]
    zoo_cli("train", "dcgan", "--data", "mnist", "--out", out, *sets, "--no-progress",
            "--batch-size", str(batch), "--steps", str(steps), "--eval-every", "2",
            "--eval-samples", "40", "--checkpoint-every", "100")  # fmt: skip


def test_runs_are_compared_by_images_seen(tmp_path, zoo_cli):
    """Two real runs of different batch sizes: each evaluation is placed at step x batch, and
    the figure is drawn from both."""
    script = load_script("compare_runs")
    _train(zoo_cli, tmp_path / "b8", batch=8, steps=4)
    _train(zoo_cli, tmp_path / "b16", batch=16, steps=2)
    label, records = script.curve(tmp_path / "b8")
    assert label == "b8 (batch 8)"
    assert [(r["step"], r["images"]) for r in records] == [(2, 16), (4, 32)]
    written = [json.loads(x) for x in (tmp_path / "b8" / "eval.jsonl").read_text().splitlines()]
    assert [r["fid"] for r in records] == [r["fid"] for r in written]
    assert [r["images"] for r in script.curve(tmp_path / "b16")[1]] == [32]
    png = script.plot([tmp_path / "b8", tmp_path / "b16"], tmp_path / "out" / "cmp.png")
    assert Image.open(png).size[0] > 800  # four panels side by side


STUDY = REPO / "benchmarks" / "studies" / "compare_runs.py"


def test_a_run_without_evaluations_is_named(tmp_path):
    (tmp_path / "plain").mkdir()
    proc = subprocess.run(
        [sys.executable, STUDY, tmp_path / "plain", "-o", "x.png"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert f"no eval.jsonl in {tmp_path / 'plain'} (train with --eval-every N)" in proc.stderr
