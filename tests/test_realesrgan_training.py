"""Fine-tuning the upscalers spandrel knows as Real-ESRGAN trains them: its second-order
degradations, its U-Net discriminator, and `zoo train realesrgan --init-from` an imported
model (the RRDBNet fixture of scripts/make_restoration_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import zoo
from zoo.data.degradations import second_order
from zoo.nn import UNetDiscriminator
from zoo.testing import check_architecture

FIXTURES = Path(__file__).parent / "fixtures" / "reference"


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_second_order_degradations_are_drawn_from_the_seed():
    coarse = torch.rand(2, 3, 8, 8, generator=_gen(0))
    hr = F.interpolate(coarse, size=(64, 48), mode="bilinear", align_corners=False)
    a, b, c = (second_order(hr, 4, _gen(s)) for s in (1, 1, 2))
    assert a.shape == (2, 3, 16, 12) and torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(a, (a * 255).round() / 255)  # 8-bit levels, as the reference's
    bicubic = F.interpolate(hr, size=(16, 12), mode="bicubic", antialias=True)
    assert (a - bicubic).abs().mean() > 0.01  # degraded, not only downscaled
    assert second_order(hr[:, :1], 2, _gen(3)).shape == (2, 1, 32, 24)


def test_the_unet_discriminator_judges_every_pixel():
    d = UNetDiscriminator(3, 8)
    assert d(torch.rand(2, 3, 32, 40)).shape == (2, 1, 32, 40)
    normalised = [m for m in d.modules() if hasattr(m, "parametrizations")]
    assert len(normalised) == 8  # all but the first and the last convolution
    with pytest.raises(zoo.ConfigError, match="multiples of 8"):
        d(torch.rand(1, 3, 30, 32))


def test_training_inputs_are_degraded_from_each_crop():
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from zoo_builtin.spandrel_bridge.realesrgan import RealESRGAN

    model = RealESRGAN(RealESRGAN.Config.from_dict(RealESRGAN.small_config))
    data = model.task.training_data(model, "photos", {})
    batch, again = data.batch(torch.tensor([0, 5])), data.batch(torch.tensor([0, 5]))
    assert torch.equal(batch["A"], again["A"]) and batch["A"].shape == (2, 3, 8, 8)
    hr = batch["B"] * 0.5 + 0.5
    bicubic = F.interpolate(hr, size=(8, 8), mode="bicubic", antialias=True) * 2 - 1
    assert (batch["A"] - bicubic).abs().mean() > 0.01


@pytest.mark.slow
def test_realesrgan_passes_the_conformance_kit():
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from zoo_builtin.spandrel_bridge.realesrgan import RealESRGAN

    passed = check_architecture(RealESRGAN, RealESRGAN.small_config)
    assert {"tiled_equals_whole", "train_step", "export_onnx"} <= set(passed)


def test_fine_tuning_an_imported_model(zoo_cli, tmp_path):
    """`zoo train realesrgan --init-from` a spandrel model takes its network and weights,
    trains, resumes with the same config, and refuses a model of another kind."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    zoo_cli("import-checkpoint", FIXTURES / "realesrgan_x4.pth", "-o", tmp_path / "start")
    start = zoo.load(tmp_path / "start")
    common = ("--data", "photos", "--set", "image_size=32", "--set", "ndf=4",
              "--batch-size", "2", "--init-from", tmp_path / "start", "--out", tmp_path / "run",
              "--sample-every", "1000", "--no-progress")  # fmt: skip
    zoo_cli("train", "realesrgan", *common, "--steps", "2")
    tuned = zoo.load(tmp_path / "run")
    assert tuned.architecture == "realesrgan"
    assert json.loads(tuned.config.hyperparameters) == json.loads(start.config.hyperparameters)
    x = torch.rand(1, 3, 12, 10, generator=_gen(0))
    moved = (tuned.upscale(x, fast=False) - start.upscale(x, fast=False)).abs().max()
    assert 0 < moved < 0.5  # trained from the start, not from scratch
    zoo_cli("train", "realesrgan", *common, "--steps", "3", "--resume")
    assert json.loads((tmp_path / "run" / "run.json").read_text())["step"] == 3
    bad = zoo_cli("train", "realesrgan", "--data", "photos", "--init-from", "dcgan-mnist",
                  "--out", tmp_path / "bad", check=False)  # fmt: skip
    assert bad.returncode == 2 and "is a dcgan model; this run trains realesrgan" in bad.stderr
