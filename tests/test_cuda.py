"""The zoo on a CUDA device (skipped without one): every shipped model's exact path agrees
with the CPU's, its default fast path stays within the fast tolerance of exact fp32 (also
replayed as CUDA graphs), training steps run in bf16 and in fp16 with loss scaling, and
torchrun's process group starts (NCCL on CUDA). `bash benchmarks/gpu.sh` runs these and the
benchmark tables in one call on a lent GPU machine; ``ZOO_TEST_DEVICE=cpu`` rehearses them on
the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import zoo
from zoo.data.images import load_data
from zoo.inference.fast import fast_copy, within_fast_tolerance
from zoo.models._listing import list_models

from .conftest import inputs_for, reference, run_zoo

DEVICE = os.environ.get("ZOO_TEST_DEVICE") or ("cuda" if torch.cuda.is_available() else "")
pytestmark = pytest.mark.skipif(
    not DEVICE, reason="no CUDA device (ZOO_TEST_DEVICE=cpu rehearses these on the CPU)"
)
#: the exact paths of two devices in full fp32 agree to this (per value in [0, 1])
EXACT_ACROSS_DEVICES = 2e-4


@pytest.fixture
def full_fp32():
    """cuDNN convolutions and matmuls in full fp32 while the test runs: torch lets cuDNN use
    TF32 by default, with which pix2pix-mnist-repair's U-Net differed from the CPU by 3.0e-3
    on an H200."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


@pytest.mark.parametrize("name", list_models(shipped=True))
def test_shipped_model_on_the_device_agrees_with_the_cpu(name, full_fp32):
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


#: per architecture: (data source, --set values, further options) of a tiny training run
TRAIN = {
    "dcgan": ("mnist", {"g_width": 8, "d_width": 8, "image_size": 28, "channels": 1}, ()),
    "pix2pix": (
        "mnist-repair",
        {
            "image_size": 32,
            "input_nc": 1,
            "output_nc": 1,
            "generator": "unet_32",
            "ngf": 8,
            "ndf": 8,
        },
        ("--preprocess", "none", "--no-flip"),
    ),
    "cgan": ("mnist", {"g_width": 8, "d_width": 8, "image_size": 28}, ()),
    "cyclegan": (
        "mnist2digits",
        {
            "image_size": 32,
            "input_nc": 1,
            "output_nc": 1,
            "generator": "resnet_6blocks",
            "ngf": 8,
            "ndf": 8,
        },
        ("--preprocess", "none"),
    ),
    "srgan": ("photos", {"width": 8, "blocks": 2, "ndf": 4, "image_size": 32}, ()),
}


def train_options(arch: str) -> list[str]:
    """``--data SOURCE --set KEY=VALUE ... OPTIONS`` of ``arch``'s entry in :data:`TRAIN`."""
    data, values, options = TRAIN[arch]
    sets = [part for key, value in values.items() for part in ("--set", f"{key}={value}")]
    return ["--data", data, *sets, *options]


def test_fast_path_replayed_as_cuda_graphs_agrees_with_exact_fp32():
    """``fast_graphs`` in ``zoo bench``: the fast copy compiled with mode="reduce-overhead"
    (CUDA graphs on CUDA: recorded at the first calls, replayed after)."""
    model = zoo.load("dcgan-mnist", device=DEVICE)
    z = inputs_for(model)[0]
    with torch.inference_mode():
        want = model.generator(z.to(DEVICE)).float().cpu()
        graphs = fast_copy(
            model.generator, torch.device(DEVICE), compile=True, mode="reduce-overhead"
        )
        zf = z.to(DEVICE, next(graphs.parameters()).dtype)
        outputs = [graphs(zf).float().cpu() for _ in range(3)]  # warm-up, record, replay
    for got in outputs:
        assert within_fast_tolerance(got, want)


@pytest.mark.parametrize("arch", list(TRAIN))
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_training_steps_on_the_device(arch, precision, tmp_path):
    run_zoo(
        "train",
        arch,
        *train_options(arch),
        "--out",
        tmp_path / "run",
        "--steps",
        "4",
        "--batch-size",
        "8",
        "--device",
        DEVICE,
        "--precision",
        precision,
        "--no-progress",
    )
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    losses = [v for row in log for k, v in row.items() if "loss" in k]
    assert losses and all(v == v and abs(v) < 1e6 for v in losses)  # finite


def test_torchrun_starts_the_process_group_of_the_device():
    """One process under torchrun joins a process group through the trainer's own setup:
    NCCL where CUDA is present (gloo on a CPU rehearsal), and an all-reduce runs on it."""
    script = (
        "import torch, torch.distributed as dist\n"
        "from zoo.train import distributed\n"
        "distributed.setup_from_env()\n"
        f"t = torch.full((3,), 2.0, device={DEVICE!r})\n"
        "dist.all_reduce(t)\n"
        "print(dist.get_backend(), dist.get_world_size(), t.sum().item())\n"
        "distributed.teardown()\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "1",
            "--no-python",
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    backend = "nccl" if DEVICE.startswith("cuda") else "gloo"
    assert done.stdout.split()[-3:] == [backend, "1", "6.0"]


def _png(path, channels: int, side: int, seed: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(seed)
    shape = (side, side + 5) if channels == 1 else (side, side + 5, 3)
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(path)


#: command line (after `zoo`) of each inference command, exact fp32; {inp}: an input image
COMMANDS = {
    "sample": ["sample", "dcgan-mnist", "-n", "8", "--exact"],
    "sample-class": ["sample", "cgan-mnist", "-n", "8", "--class", "3", "--exact"],
    "interpolate": ["interpolate", "dcgan-mnist", "--steps", "4", "--rows", "2", "--exact"],
    "translate": ["translate", "pix2pix-mnist-repair", "{inp}", "--exact"],
    "translate-cyclegan": ["translate", "cyclegan-mnist2digits", "{inp}", "--exact"],
    "upscale": ["upscale", "srgan-photos-x4", "{inp}", "--exact"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_cli_inference_on_the_device_writes_what_the_cpu_writes(command, tmp_path):
    """Every inference command with ``--device``: the device's PNG equals the CPU's to
    within rounding (one level where TF32 convolutions move a value across a rounding
    edge)."""
    from PIL import Image

    args = COMMANDS[command]
    inp = tmp_path / "in.png"
    _png(inp, 3 if command == "upscale" else 1, 24 if command == "upscale" else 28, 0)
    written = {}
    for device in dict.fromkeys(("cpu", DEVICE)):  # once where DEVICE is the CPU
        out = tmp_path / device.replace(":", "-")
        out.mkdir(exist_ok=True)
        target = out / "out.png"
        run_zoo(*(a.format(inp=inp) for a in args), "-o", target, "--device", device)
        files = sorted(out.rglob("*.png"))
        assert files, f"{command} on {device} wrote no PNG in {out}"
        written[device] = [np.asarray(Image.open(f).convert("RGB"), dtype=np.int16) for f in files]
    for cpu, dev in zip(written["cpu"], written[DEVICE], strict=True):
        assert cpu.shape == dev.shape
        assert np.abs(cpu - dev).max() <= 1


def test_eval_on_the_device_reproduces_the_cpu_figures():
    """`zoo eval --device` samples on the device (exact fp32) and scores on the CPU: the
    figures match the CPU's run."""
    args = ["eval", "dcgan-mnist", "--data", "mnist:test", "--samples", "200", "--json"]
    cpu = json.loads(run_zoo(*args, "--device", "cpu").stdout)
    dev = json.loads(run_zoo(*args, "--device", DEVICE).stdout)
    for key in ("fid", "is", "precision", "recall"):
        assert dev["metrics"][key] == pytest.approx(cpu["metrics"][key], rel=1e-2, abs=1e-3), key
    moved = np.abs(np.subtract(dev["class_histogram"], cpu["class_histogram"])).sum()
    assert moved <= 2  # a borderline digit may change class under TF32


def test_small_image_sets_train_from_the_device_memory(tmp_path):
    """On CUDA the trainer keeps an in-memory image set on the device (uint8) and draws each
    batch there: the batch equals the CPU's conversion of the same images exactly."""
    from .test_trainer import make_trainer

    trainer = make_trainer("dcgan", tmp_path / "run", device=DEVICE)
    assert trainer.data.images.device.type == torch.device(DEVICE).type
    state = trainer.stream.state()
    got = trainer._next_batch()
    trainer.stream.load_state(state)
    index = trainer.stream.next_index()
    want = load_data("mnist", 28, 1, progress=False).batch(index)
    assert got.device.type == torch.device(DEVICE).type
    assert torch.equal(got.cpu(), want)
