"""torchrun with 2 CPU processes (gloo) computes what one process computes with the same
global batch: sharded data, sharded random draws, averaged gradients, rank-0 output."""

import json
import os
import socket
import subprocess
import sys

import pytest
import torch

from zoo.models._weights import read_weights

from .conftest import run_zoo
from .test_registry import env_with, make_distribution

pytestmark = pytest.mark.slow  # real torchrun process groups

PLUGIN = """
import dataclasses, torch, zoo
from torch import nn
from zoo.losses import gradient_penalty, nonsaturating_d_loss, nonsaturating_g_loss

@dataclasses.dataclass(frozen=True)
class Cfg(zoo.ArchConfig):
    image_size: int = 28
    channels: int = 1
    latent_dim: int = 8

class NoNormGAN(zoo.UnconditionalGAN):
    '''MLPs without BatchNorm, non-saturating loss plus a gradient penalty.'''
    Config = Cfg
    def __init__(self, config=None, **kw):
        super().__init__(config, **kw)
        self.generator = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 784),
                                       nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
        self.discriminator = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.LeakyReLU(0.2),
                                           nn.Linear(64, 1), nn.Flatten(0))
    def optimizers(self):
        return {n: zoo.OptimizerSpec((n,), lr=1e-3) for n in ("generator", "discriminator")}
    def discriminator_loss(self, real):
        with torch.no_grad():
            fake = self.generator(self.latent(len(real)))
        loss = nonsaturating_d_loss(self.discriminator(real), self.discriminator(fake))
        return zoo.LossOutput(loss + gradient_penalty(self.discriminator, real, fake))
    def generator_loss(self, real):
        fake = self.generator(self.latent(len(real)))
        return zoo.LossOutput(nonsaturating_g_loss(self.discriminator(fake)))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_torchrun(args: list, env: dict) -> None:
    """`zoo ARGS` under torchrun with 2 CPU processes; fails the test if it fails."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"]
    launcher += [f"--master_port={free_port()}", "-m", "zoo"]
    r = subprocess.run(
        [*launcher, *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_two_processes_match_one_with_the_same_global_batch(tmp_path):
    make_distribution(
        tmp_path / "site", "zoo-nonorm", {"nonorm": "nonorm:NoNormGAN"}, PLUGIN, "nonorm"
    )
    env = {**env_with(tmp_path / "site"), "OMP_NUM_THREADS": "1"}
    args = [
        "train",
        "nonorm",
        "--data",
        "mnist",
        "--batch-size",
        "16",
        "--steps",
        "6",
        "--checkpoint-every",
        "3",
        "--no-progress",
        "--ema-decay",
        "0.9",
    ]
    run_zoo(*args, "--out", tmp_path / "single", env=env)
    run_torchrun([*args, "--out", tmp_path / "ddp"], env)
    single, _ = read_weights(tmp_path / "single" / "model.safetensors")
    ddp, _ = read_weights(tmp_path / "ddp" / "model.safetensors")
    for key in single:
        assert torch.allclose(single[key], ddp[key], atol=1e-5, rtol=1e-4), key
    info = json.loads((tmp_path / "ddp" / "run.json").read_text())
    assert info["processes"] == 2 and info["step"] == 6
    log = (tmp_path / "ddp" / "log.jsonl").read_text().splitlines()
    assert len(log) == len((tmp_path / "single" / "log.jsonl").read_text().splitlines())
    # a different run would not match: the comparison can fail
    other = tmp_path / "other"
    run_zoo(*args, "--out", other, "--seed", "1", env=env)
    changed, _ = read_weights(other / "model.safetensors")
    assert any(not torch.allclose(single[k], changed[k], atol=1e-5) for k in single)


def test_sync_bn_on_cpu_is_refused(tmp_path):
    r = run_zoo(
        "train",
        "dcgan",
        "--data",
        "mnist",
        "--out",
        tmp_path / "r",
        "--sync-bn",
        "--device",
        "cpu",
        "--set",
        "image_size=28",
        check=False,
    )
    assert r.returncode == 2 and "--sync-bn needs CUDA" in r.stderr


def test_pix2pix_under_torchrun_matches_one_process(tmp_path):
    # instance norm and no dropout: nothing couples the samples of a batch, so two processes
    # with half the batch each must compute what one process does with all of it
    env = {"OMP_NUM_THREADS": "1"}
    sets = ["image_size=32", "input_nc=1", "output_nc=1", "generator=unet_32", "ngf=4", "ndf=4"]
    sets += ["norm=instance", "dropout=false"]
    args = ["train", "pix2pix", "--data", "mnist-repair", "--batch-size", "8", "--steps", "3"]
    args += ["--preprocess", "none", "--no-flip", "--no-progress", "--ema-decay", "0.9"]
    args += [f"--set={s}" for s in sets]
    run_zoo(*args, "--out", tmp_path / "single", env=env)
    run_torchrun([*args, "--out", tmp_path / "ddp"], env)
    single, _ = read_weights(tmp_path / "single" / "model.safetensors")
    ddp, _ = read_weights(tmp_path / "ddp" / "model.safetensors")
    # conv biases right before an InstanceNorm have no effect and a zero gradient up to
    # rounding, which Adam scales up: they may drift apart; every weight must agree
    for key in (k for k in single if not k.endswith(".bias")):
        assert torch.allclose(single[key], ddp[key], atol=1e-5, rtol=1e-4), key
    import zoo

    x = torch.rand(16, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    a = zoo.load(tmp_path / "single").translate(x, fast=False)
    b = zoo.load(tmp_path / "ddp").translate(x, fast=False)
    assert (a - b).abs().max() < 1e-4
    assert (tmp_path / "ddp" / "samples" / "latest.png").is_file()


CONDITIONAL_PLUGIN = """
import dataclasses, torch, zoo
import torch.nn.functional as F
from torch import nn
from zoo.losses import nonsaturating_d_loss, nonsaturating_g_loss

@dataclasses.dataclass(frozen=True)
class Cfg(zoo.ConditionalConfig):
    image_size: int = 28
    channels: int = 1
    latent_dim: int = 8

class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(18, 64), nn.ReLU(), nn.Linear(64, 784), nn.Tanh(),
                                 nn.Unflatten(1, (1, 28, 28)))
    def forward(self, z, y):
        return self.net(torch.cat([z, F.one_hot(y, 10).to(z.dtype)], 1))

class Dis(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(794, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1),
                                 nn.Flatten(0))
    def forward(self, x, y):
        return self.net(torch.cat([x.flatten(1), F.one_hot(y, 10).to(x.dtype)], 1))

class CondNoNormGAN(zoo.ConditionalGAN):
    '''A conditional MLP GAN without BatchNorm: nothing couples the samples of a batch.'''
    Config = Cfg
    def __init__(self, config=None, **kw):
        super().__init__(config, **kw)
        self.generator, self.discriminator = Gen(), Dis()
    def optimizers(self):
        return {n: zoo.OptimizerSpec((n,), lr=1e-3) for n in ("generator", "discriminator")}
    def discriminator_loss(self, batch):
        real, labels = batch["images"], batch["labels"]
        fake_labels = self.labels(None, len(real))
        with torch.no_grad():
            fake = self.generator(self.latent(len(real)), fake_labels)
        d = nonsaturating_d_loss(self.discriminator(real, labels),
                                 self.discriminator(fake, fake_labels))
        return zoo.LossOutput(d)
    def generator_loss(self, batch):
        labels = self.labels(None, len(batch["images"]))
        fake = self.generator(self.latent(len(labels)), labels)
        return zoo.LossOutput(nonsaturating_g_loss(self.discriminator(fake, labels)))
"""


def test_labels_are_sharded_with_their_images_under_torchrun(tmp_path):
    make_distribution(
        tmp_path / "site",
        "zoo-condnonorm",
        {"condnonorm": "condnonorm:CondNoNormGAN"},
        CONDITIONAL_PLUGIN,
        "condnonorm",
    )
    env = {**env_with(tmp_path / "site"), "OMP_NUM_THREADS": "1"}
    args = ["train", "condnonorm", "--data", "mnist", "--batch-size", "16", "--steps", "6"]
    args += ["--checkpoint-every", "3", "--no-progress", "--ema-decay", "0"]
    run_zoo(*args, "--out", tmp_path / "single", env=env)
    run_torchrun([*args, "--out", tmp_path / "ddp"], env)
    single, _ = read_weights(tmp_path / "single" / "model.safetensors")
    ddp, _ = read_weights(tmp_path / "ddp" / "model.safetensors")
    for key in single:
        assert torch.allclose(single[key], ddp[key], atol=1e-5, rtol=1e-4), key
    info = json.loads((tmp_path / "ddp" / "run.json").read_text())
    assert info["processes"] == 2 and info["config"]["num_classes"] == 10


def test_world_size_one_without_torchrun_starts_no_process_group():
    """A WORLD_SIZE=1 that a scheduler exports (no torchrun, no MASTER_ADDR) trains as one
    plain process; under torchrun, one process joins a group of one (tests/test_cuda.py)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MASTER_ADDR", "MASTER_PORT")}
    env = {**env, "WORLD_SIZE": "1", "RANK": "0"}
    env.pop("TORCHELASTIC_RUN_ID", None)
    script = (
        "import torch.distributed as dist\n"
        "from zoo.train import distributed\n"
        "print(distributed.setup_from_env().world, dist.is_initialized())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "False"]
