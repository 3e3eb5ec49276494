"""The zoo on a CUDA device (skipped without one): every shipped model's exact path agrees
with the CPU's, its default fast path stays within the fast tolerance of exact fp32, and training
steps run in bf16. `bash benchmarks/gpu.sh` runs these and the benchmark tables in one call on
a lent GPU machine; ``ZOO_TEST_DEVICE=cpu`` rehearses them on the CPU."""

from __future__ import annotations

import json
import os

import pytest
import torch

import zoo
from zoo.inference.fast import within_fast_tolerance
from zoo.models._listing import list_models

from .conftest import inputs_for, reference, run_zoo

DEVICE = os.environ.get("ZOO_TEST_DEVICE") or ("cuda" if torch.cuda.is_available() else "")
pytestmark = pytest.mark.skipif(
    not DEVICE, reason="no CUDA device (ZOO_TEST_DEVICE=cpu rehearses these on the CPU)"
)
#: cuDNN may use TF32 in convolutions: the exact paths of two devices agree to this
EXACT_ACROSS_DEVICES = 2e-3


@pytest.mark.parametrize("name", list_models())
def test_shipped_model_on_the_device_agrees_with_the_cpu(name):
    cpu, dev = zoo.load(name), zoo.load(name, device=DEVICE)
    inputs = inputs_for(cpu)
    want = reference(cpu, inputs)
    got = reference(dev, inputs).cpu()
    assert got.shape == want.shape
    assert (got - want).abs().max().item() <= EXACT_ACROSS_DEVICES
    if cpu.task.inference_method in ("sample", "translate"):  # the default, fast path
        method = getattr(dev, cpu.task.inference_method)
        if cpu.task.inference_method == "sample":
            extra = {"labels": inputs[1]} if len(inputs) > 1 else {}
            fast = method(latents=inputs[0], **extra).cpu()
        else:
            fast = method(inputs[0]).cpu()
        assert within_fast_tolerance(fast, want)


TRAIN = {
    "dcgan": [
        "--data",
        "mnist",
        "--set",
        "g_width=8",
        "--set",
        "d_width=8",
        "--set",
        "image_size=28",
        "--set",
        "channels=1",
    ],
    "pix2pix": [
        "--data",
        "mnist-repair",
        "--set",
        "image_size=32",
        "--set",
        "input_nc=1",
        "--set",
        "output_nc=1",
        "--set",
        "generator=unet_32",
        "--set",
        "ngf=8",
        "--set",
        "ndf=8",
        "--preprocess",
        "none",
        "--no-flip",
    ],
}


@pytest.mark.parametrize("arch", list(TRAIN))
def test_training_steps_in_bf16_on_the_device(arch, tmp_path):
    run_zoo(
        "train",
        arch,
        *TRAIN[arch],
        "--out",
        tmp_path / "run",
        "--steps",
        "4",
        "--batch-size",
        "8",
        "--device",
        DEVICE,
        "--precision",
        "bf16",
        "--no-progress",
    )
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    losses = [v for row in log for k, v in row.items() if "loss" in k]
    assert losses and all(v == v and abs(v) < 1e6 for v in losses)  # finite
