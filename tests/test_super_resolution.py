"""Super-resolution: the task, its data and metrics, SRGAN, tiling and `zoo upscale`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.data.photos import TEST_PHOTOS, TRAIN_PHOTOS
from zoo.data.super_resolution import downscale, load_sr_data, upscale_bicubic
from zoo.inference.tiling import tiled
from zoo.metrics.super_resolution import luma_y, sr_metrics
from zoo.models._registry import get_architecture
from zoo.testing import check_architecture

SMALL = {"width": 8, "blocks": 2, "ndf": 4, "image_size": 32}


def _trained_a_little(**config) -> zoo.SuperResolutionGAN:
    """A small SRGAN whose output head is not zero (so it differs from bicubic)."""
    torch.manual_seed(0)
    model = zoo.create("srgan", **{**SMALL, **config}).eval()
    with torch.no_grad():
        for p in model.generator.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model


def test_srgan_passes_the_conformance_kit():
    passed = check_architecture(get_architecture("srgan"), SMALL)
    assert "upscale_shape_range_determinism" in passed and "tiled_equals_whole" in passed


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("norm", ["none", "batch"])
def test_tiled_upscaling_equals_the_whole_image(scale, norm):
    model = _trained_a_little(scale=scale, norm=norm, image_size=8 * scale)
    x = torch.rand(2, 3, 57, 43, generator=torch.Generator().manual_seed(1))
    whole = model.upscale(x, tile=None, fast=False)
    assert whole.shape == (2, 3, 57 * scale, 43 * scale)
    for tile in (16, 25):  # tiles that divide the image and tiles that do not
        tiles = model.upscale(x, tile=tile, fast=False)
        assert float((tiles - whole).abs().max()) <= 1e-4
    # too little overlap is visible: the receptive radius is what makes tiles agree
    with torch.no_grad():
        cut = tiled(lambda t: model.generator(t * 2 - 1) * 0.5 + 0.5, x, scale, 16, overlap=2)
    assert float((cut.clamp(0, 1) - whole).abs().max()) > 1e-3


@pytest.mark.slow  # upscales a 2000x2000 photograph
def test_tiling_bounds_memory_for_a_2000_pixel_input(tmp_path):
    """A 2000x2000 input upscaled 4x in tiles: the peak resident memory of the process stays
    within a few GB (the 8000x8000 float output alone is 768 MB; measured 1.7-2.0 GB here).
    The peak is the child's VmHWM: ``ru_maxrss`` survives ``execve``, so in a child of a big
    pytest process it reported the parent's 3.9-4.1 GB in CI."""
    code = f"""
import re, torch, zoo
torch.set_num_threads(2)
model = zoo.create("srgan", **{SMALL!r}).eval()
out = model.upscale(torch.rand(1, 3, 2000, 2000), tile=256, fast=False)
assert out.shape == (1, 3, 8000, 8000), out.shape
status = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""
    if not Path("/proc/self/status").is_file():
        pytest.skip("needs Linux's /proc/self/status (VmHWM)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    peak_gb = int(done.stdout.split()[-1]) / 2**20
    assert peak_gb < 3.0, f"peak RSS {peak_gb:.2f} GB"


def test_upscale_takes_pil_any_size_and_names_bad_input():
    model = zoo.create("srgan", **SMALL).eval()
    img = Image.fromarray(np.random.default_rng(0).integers(0, 256, (21, 30, 3), np.uint8))
    out = model.upscale(img)
    assert isinstance(out, Image.Image) and out.size == (120, 84) and out.mode == "RGB"
    assert model.translate(torch.rand(3, 9, 9)).shape == (3, 36, 36)  # the same call
    with pytest.raises(zoo.DataError, match="smallest side srgan takes is 4"):
        model.upscale(torch.rand(1, 3, 3, 40))
    with pytest.raises(zoo.ConfigError, match="tile=2"):
        model.upscale(torch.rand(1, 3, 8, 8), tile=2)
    with pytest.raises(zoo.ConfigError, match="images have 1 channels but srgan AtoB expects 3"):
        model.upscale(torch.rand(1, 1, 8, 8))


def test_a_fresh_residual_srgan_is_exactly_bicubic_and_the_metrics_say_so():
    """The output head starts at zero: the model is bicubic upscaling, gain 0 dB."""
    model = zoo.create("srgan", **SMALL).eval()
    hr = torch.rand(1, 3, 48, 64, generator=torch.Generator().manual_seed(0))
    lr = downscale(hr, 4)
    out, bicubic = model.upscale(lr, fast=False), upscale_bicubic(lr, 4)
    torch.testing.assert_close(out, bicubic, atol=1e-6, rtol=0)
    m = sr_metrics(out, bicubic, hr, 4)
    assert m["psnr_y"] == pytest.approx(m["bicubic_psnr_y"], abs=1e-6)
    # and a perturbed model differs from bicubic in the figures
    other = _trained_a_little()
    m2 = sr_metrics(other.upscale(lr, fast=False), bicubic, hr, 4)
    assert m2["psnr_y"] != pytest.approx(m2["bicubic_psnr_y"], abs=1e-3)


def test_downscaling_is_antialiased_bicubic_as_pil_does_it():
    rng = np.random.default_rng(0)
    array = (rng.random((64, 96, 3)) * 255).astype(np.uint8)
    ours = downscale(torch.from_numpy(array).permute(2, 0, 1)[None], 4)[0].permute(1, 2, 0)
    pil = np.asarray(Image.fromarray(array).resize((24, 16), Image.Resampling.BICUBIC))
    # PIL's reducing bicubic is antialiased (the kernel widened by the scale), as MATLAB's
    # imresize; a plain bicubic sampler would differ by tens of levels on noise
    assert np.abs(ours.numpy().astype(int) - pil.astype(int)).max() <= 2


def test_luma_is_matlab_rgb2ycbcr():
    from skimage.color import rgb2ycbcr

    x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ref = rgb2ycbcr(x[0].permute(1, 2, 0).numpy())[..., 0] / 255
    np.testing.assert_allclose(luma_y(x)[0, 0].numpy(), ref, atol=1e-9)


def test_photos_hold_out_whole_photographs_and_crops_align_to_the_scale():
    assert not set(TRAIN_PHOTOS) & set(TEST_PHOTOS)
    train, test = load_sr_data("photos", 32, 4), load_sr_data("photos", 32, 4, "test")
    assert train.names == list(TRAIN_PHOTOS) and test.names == list(TEST_PHOTOS)
    batch = train.batch(torch.arange(8))
    assert batch["A"].shape == (8, 3, 8, 8) and batch["B"].shape == (8, 3, 32, 32)
    # each low-resolution crop is the downscaling of its high-resolution crop (away from the
    # crop's border, where the whole photo's neighbours entered the downscaling)
    lr = downscale((batch["B"] * 127.5 + 127.5).round(), 4)
    gap = (lr - (batch["A"] * 127.5 + 127.5))[..., 2:-2, 2:-2].abs().max()
    assert float(gap) <= 2.0
    assert torch.equal(train.batch(torch.arange(8))["A"], batch["A"])  # reproducible


def test_content_only_srgan_never_trains_its_discriminator(tmp_path):
    from zoo.train import TrainConfig, Trainer

    model = zoo.create("srgan", **SMALL, adversarial_weight=0)
    data = model.task.random_training_data(model, 8)
    before = {k: v.clone() for k, v in model.discriminator.state_dict().items()}
    gen_before = model.generator.head.weight.clone()
    trainer = Trainer(model, data, TrainConfig(steps=2, batch_size=4, progress=False), tmp_path)
    d_out, g_out = trainer.train_step()
    assert d_out is None and "g_content" in g_out.logs
    for k, v in model.discriminator.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert not torch.equal(model.generator.head.weight, gen_before)


def test_train_then_init_from_then_upscale_and_compare_on_the_cli(tmp_path, zoo_cli):
    common = ["--set", "width=8", "--set", "blocks=2", "--set", "image_size=32"]
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (48, 64, 3), np.uint8)).save(folder / f"{i}.png")
    stage1, stage2 = tmp_path / "srresnet", tmp_path / "srgan"
    zoo_cli(
        "train",
        "srgan",
        "--data",
        folder,
        "--out",
        stage1,
        *common,
        "--set",
        "adversarial_weight=0",
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--no-progress",
    )
    zoo_cli(
        "train",
        "srgan",
        "--data",
        folder,
        "--out",
        stage2,
        *common,
        "--init-from",
        stage1,
        "--steps",
        "1",
        "--batch-size",
        "2",
        "--no-progress",
        "--ema-decay",
        "0",
    )
    log = (stage2 / "log.jsonl").read_text()
    assert "d_loss" in log and "d_loss" not in (stage1 / "log.jsonl").read_text()
    # --init-from started stage 2 at stage 1's weights: one Adam step (lr 1e-4) moves no
    # weight further than about the learning rate
    a, b = zoo.load(stage1).generator, zoo.load(stage2).generator
    gap = max(float((p - q).detach().abs().max()) for p, q in zip(a.parameters(), b.parameters()))
    assert gap < 5e-4
    wrong = zoo_cli(
        "train",
        "srgan",
        "--data",
        folder,
        "--out",
        tmp_path / "x",
        *common,
        "--init-from",
        "dcgan-mnist",
        "--steps",
        "1",
        check=False,
    )
    assert wrong.returncode == 2 and "is a dcgan model; this run trains srgan" in wrong.stderr

    out = tmp_path / "big.png"
    zoo_cli("upscale", stage2, folder / "0.png", "-o", out, "--tile", "8")
    assert Image.open(out).size == (256, 192)
    side = tmp_path / "compare.png"
    done = zoo_cli("upscale", stage2, folder / "1.png", "-o", side, "--compare")
    assert "PSNR-Y bicubic" in done.stdout
    assert Image.open(side).size == (3 * 64 + 2 * 2, 48)  # bicubic | model | original
    zoo_cli("upscale", stage2, folder, "-o", tmp_path / "all")
    assert len(list((tmp_path / "all").glob("*.png"))) == 3
    (tmp_path / "broken.png").write_bytes(b"nope")
    done = zoo_cli("upscale", stage2, tmp_path / "broken.png", "-o", out, "-f", check=False)
    assert done.returncode == 2 and "cannot read image" in done.stderr
    assert Image.open(out).size == (256, 192)  # the failed run left the earlier output
    result = zoo_cli("eval", stage2, "--json")
    assert '"bicubic_psnr_y"' in result.stdout and str(folder) in result.stdout


def test_upscale_cli_names_bad_input(tmp_path, zoo_cli):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.png").write_bytes(b"nope")
    done = zoo_cli(
        "upscale", "dcgan-mnist", tmp_path / "broken.png", "-o", tmp_path / "o.png", check=False
    )
    assert done.returncode == 2 and "use `zoo sample`" in done.stderr
    done = zoo_cli("upscale", "dcgan-mnist", tmp_path / "empty", "-o", tmp_path / "o", check=False)
    assert done.returncode == 2 and "holds no images" in done.stderr
