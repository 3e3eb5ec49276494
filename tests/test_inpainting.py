"""The inpainting task: free-form holes, the data (photographs, registered sources, folders
with masks/), ``inpaint`` (holes only, any size, masks of every kind), the metrics beside the
diffusion fill, `zoo inpaint`, and the pix2pix-style inpainter through the conformance kit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.data.inpainting import HOLE_RANGE, free_form_mask, load_inpainting_data
from zoo.masks import diffusion_fill
from zoo.metrics.inpainting import evaluate_inpainting, hole_metrics
from zoo.tasks.inpainting import mask_batch
from zoo.testing import check_architecture
from zoo_builtin.pix2pix_inpaint import COARSE_SWEEPS, Pix2PixInpaint

SMALL = Pix2PixInpaint.small_config
#: the U-Net alone (its conformance run exports in seconds; the coarse fill's pyramid takes a
#: minute to export with dynamic sides, so that run is in the slow tier)
PLAIN = {**SMALL, "coarse": "none"}


def test_free_form_masks_are_reproducible_and_cover_their_range():
    shares = []
    for seed in range(40):
        mask = free_form_mask(48, 64, seed)
        assert mask.shape == (48, 64) and set(mask.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(mask, free_form_mask(48, 64, seed))
        shares.append(float(mask.mean()))
    assert all(HOLE_RANGE[0] <= s <= HOLE_RANGE[1] for s in shares)
    assert len(set(shares)) > 30  # seeds draw different holes
    assert max(shares) - min(shares) > 0.2  # small and large ones


def test_photographs_give_crops_with_random_holes_reproducibly():
    data = load_inpainting_data("photos", 64)
    index = torch.arange(5)
    batch = data.batch(index)
    assert batch["A"].shape == (5, 3, 64, 64) and batch["mask"].shape == (5, 1, 64, 64)
    assert batch["A"].min() >= -1 and batch["A"].max() <= 1
    assert torch.equal(batch["mask"], data.batch(index)["mask"])  # the same after a resume
    assert not torch.equal(batch["mask"], data.batch(index + 5)["mask"])
    crops = load_inpainting_data("photos", 64, split="test").crops(128)
    assert crops["A"].shape == (112, 3, 128, 128)  # astronaut 49, chelsea 18, flower 45
    assert torch.equal(crops["mask"], load_inpainting_data("photos:test", 8).crops(128)["mask"])


def test_a_folder_with_masks_trains_on_its_own_holes(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(
            tmp_path / f"{name}.png"
        )
    (tmp_path / "masks").mkdir()
    hole = np.zeros((40, 40), np.uint8)
    hole[:, :20] = 255  # the left half
    Image.fromarray(hole).save(tmp_path / "masks" / "a.png")
    with pytest.raises(zoo.DataError, match="no mask for 1 image"):
        load_inpainting_data(str(tmp_path), 40)
    Image.fromarray(hole).save(tmp_path / "masks" / "b.png")
    data = load_inpainting_data(str(tmp_path), 40)
    assert "masks given" in data.source and len(data) == 2
    masks = data.batch(torch.arange(8))["mask"][:, 0]
    left = torch.zeros(40, 40)
    left[:, :20] = 1
    for m in masks:  # the given hole, or its mirror image (random flips)
        assert torch.equal(m, left) or torch.equal(m, left.flip(-1))
    Image.fromarray(hole[:30]).save(tmp_path / "masks" / "b.png")
    with pytest.raises(zoo.DataError, match="mask .*b.png is 40x30 but its image is 40x40"):
        load_inpainting_data(str(tmp_path), 40)


def test_masks_come_in_every_kind():
    hole = torch.zeros(6, 8)
    hole[2:4, 3:6] = 1
    pil = Image.fromarray((hole.numpy() * 255).astype(np.uint8))
    for given in (hole, hole.bool(), (hole * 255).byte(), hole[None], hole[None, None], pil):
        assert torch.equal(mask_batch(given, 3, 6, 8), hole.expand(3, 1, 6, 8))
    with pytest.raises(zoo.DataError, match="masks are 8x6 but the images are 9x6"):
        mask_batch(hole, 1, 6, 9)
    with pytest.raises(zoo.DataError, match="2 masks for 3 images"):
        mask_batch(hole.expand(2, 6, 8), 3, 6, 8)


def test_the_inpainter_passes_the_conformance_kit():
    passed = check_architecture(Pix2PixInpaint, PLAIN)
    assert {"kept_pixels_and_hidden_hole", "export_onnx", "train_step"} <= set(passed)


@pytest.mark.slow
def test_the_refining_inpainter_passes_the_conformance_kit():
    assert "export_onnx" in check_architecture(Pix2PixInpaint, SMALL)


def test_the_refiner_starts_as_the_diffusion_fill():
    model = zoo.create("pix2pix-inpaint", **SMALL).eval()
    images = torch.rand(2, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    hole = free_form_mask(64, 96, 5)[None, None]  # sides on the U-Net's stride: no padding
    coarse = diffusion_fill(images, hole.expand(2, -1, -1, -1), COARSE_SWEEPS)
    assert (model.inpaint(images, hole, fast=False) - coarse).abs().max() < 1e-5
    plain = zoo.create("pix2pix-inpaint", **PLAIN).eval()
    assert (plain.inpaint(images, hole, fast=False) - coarse).abs().max() > 0.05


def test_inpaint_fills_only_the_hole_at_any_size_and_kind():
    model = zoo.create("pix2pix-inpaint", **SMALL).eval()
    images = torch.rand(2, 3, 37, 50, generator=torch.Generator().manual_seed(0))
    hole = free_form_mask(37, 50, 1)
    out = model.inpaint(images, hole)
    assert out.shape == images.shape
    assert torch.equal(out[..., hole == 0], images[..., hole == 0])
    assert not torch.equal(out[..., hole == 1], images[..., hole == 1])
    filled = model.inpaint(Image.fromarray((images[0] * 255).byte().permute(1, 2, 0).numpy()), hole)
    assert isinstance(filled, Image.Image) and filled.size == (50, 37)
    fast = model.inpaint(images, hole, fast=True)
    assert (fast - model.inpaint(images, hole, fast=False)).abs().max() < 0.08
    with pytest.raises(zoo.ConfigError, match="images have 1 channels but pix2pix-inpaint"):
        model.inpaint(images[:, :1], hole)


def test_the_diffusion_fill_solves_the_laplace_equation():
    ramp = torch.linspace(0, 1, 64).expand(1, 3, 48, 64).clone()  # harmonic: refilled exactly
    hole = torch.zeros(1, 1, 48, 64)
    hole[..., 8:40, 10:30] = 1  # a hole inside the image: its border is all known
    hole[..., 20:26, 30:56] = 1
    filled = diffusion_fill(ramp, hole)
    assert torch.equal(filled[..., hole[0, 0] == 0], ramp[..., hole[0, 0] == 0])
    assert (filled - ramp).abs().max() < 1e-3
    flat = ramp * (1 - hole) + 0.5 * hole
    worse = hole_metrics(flat, ramp, hole)
    better = hole_metrics(filled, ramp, hole)
    assert better["hole_psnr"] > worse["hole_psnr"] + 10 and better["hole_l1"] < worse["hole_l1"]
    exact = hole_metrics(ramp, ramp, hole)
    assert float(exact["hole_psnr"]) == 100 and float(exact["hole_l1"]) == 0


def test_zoo_eval_measures_the_hole_beside_the_diffusion_fill():
    model = zoo.create("pix2pix-inpaint", **PLAIN).eval()
    result = evaluate_inpainting(model, "photos", seed=1)
    m = result["metrics"]
    assert result["samples"] == 112 and result["side"] == 128 and result["seed"] == 1
    assert result["fid_features"] is None and "fid" not in m  # no extractor knows photographs
    assert m["diffusion_hole_psnr"] > m["hole_psnr"]  # an untrained network is worse
    assert 0.15 < m["hole_ratio"] < 0.35
    data = load_inpainting_data("photos:test", 8)
    assert not torch.equal(data.crops(128, 1)["mask"], data.crops(128, 2)["mask"])  # the seed


def test_inpaint_command(zoo_cli, tmp_path):
    model = zoo.create("pix2pix-inpaint", **SMALL).eval()
    model.save_pretrained(tmp_path / "m")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (30, 44, 3), dtype=np.uint8)).save(tmp_path / "in.png")
    hole = np.zeros((30, 44), np.uint8)
    hole[5:15, 10:30] = 255
    Image.fromarray(hole).save(tmp_path / "hole.png")
    out = zoo_cli(
        "inpaint", tmp_path / "m", tmp_path / "in.png", "--mask", tmp_path / "hole.png",
        "-o", tmp_path / "out.png",
    )  # fmt: skip
    assert "holes: 15.2% of the pixels" in out.stdout
    filled = np.asarray(Image.open(tmp_path / "out.png"))
    original = np.asarray(Image.open(tmp_path / "in.png"))
    assert (filled[hole == 0] == original[hole == 0]).all()
    out = zoo_cli(
        "inpaint", tmp_path / "m", tmp_path / "in.png", "--random-mask", "0", "--compare",
        "-o", tmp_path / "cmp.png",
    )  # fmt: skip
    assert "PSNR in the hole: diffusion fill" in out.stdout
    assert Image.open(tmp_path / "cmp.png").size == (4 * 44 + 3 * 2, 30)
    Image.fromarray(hole[:20]).save(tmp_path / "small.png")
    bad = zoo_cli(
        "inpaint", tmp_path / "m", tmp_path / "in.png", "--mask", tmp_path / "small.png",
        "-o", tmp_path / "bad.png", check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "is 44x20 but its image is 44x30" in bad.stderr
    assert not (tmp_path / "bad.png").exists()
