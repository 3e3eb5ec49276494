"""Pictures in and out: grids drawn by the zoo's own ``make_grid`` are torchvision's, pixel
for pixel (torchvision is imported here only as the reference; the load path never imports
it), and the one image reader every command shares reads every depth and channel count."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.utils import make_grid as reference_grid

import zoo
from zoo.images import make_grid, read_image, to_pil


@pytest.mark.parametrize(
    ("n", "channels", "nrow", "padding"),
    [(1, 1, 8, 2), (1, 3, 8, 2), (7, 1, 3, 2), (64, 3, 8, 2), (5, 3, 1, 0), (9, 1, 4, 1)],
)
def test_make_grid_matches_torchvision(n, channels, nrow, padding):
    images = torch.rand(n, channels, 5, 6, generator=torch.Generator().manual_seed(n))
    ours = make_grid(images, nrow, padding)
    theirs = reference_grid(images, nrow=nrow, padding=padding, pad_value=1.0)
    assert torch.equal(ours, theirs[:channels])  # torchvision widens one channel to three


def test_to_pil_grid_size_and_mode():
    grid = to_pil(torch.zeros(10, 1, 4, 4), nrow=4)
    assert grid.mode == "L" and grid.size == (4 * 6 + 2, 3 * 6 + 2)
    assert to_pil(torch.zeros(2, 3, 4, 4)).mode == "RGB"


def test_to_pil_draws_every_channel_count_and_names_the_others():
    modes = [to_pil(torch.zeros(2, c, 4, 4)).mode for c in (1, 2, 3, 4)]
    assert modes == ["L", "LA", "RGB", "RGBA"]
    with pytest.raises(ValueError, match="5 channels have no picture"):
        to_pil(torch.zeros(1, 5, 4, 4))


@pytest.fixture
def picture_files(tmp_path):
    """One random picture saved in every depth and layout a user's file may have."""
    rgb = np.random.default_rng(0).integers(0, 256, (40, 40, 3), np.uint8)
    grey = rgb[..., 0]
    files = {"rgb": rgb, "grey": grey}
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(grey).save(tmp_path / "grey.png")
    half = np.full((40, 40), 128, np.uint8)
    Image.fromarray(np.dstack([rgb, half]), "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(np.dstack([grey, half]), "LA").save(tmp_path / "la.png")
    Image.fromarray(np.dstack([rgb, np.zeros_like(half)]), "RGBA").save(tmp_path / "clear.png")
    deep16 = Image.fromarray(grey.astype(np.uint16) * 257)
    assert deep16.mode.startswith("I")
    deep16.save(tmp_path / "deep16.png")
    Image.fromarray(grey.astype(np.float32) / 255, "F").save(tmp_path / "float.tiff")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.png")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    return tmp_path, files


def test_read_image_scales_every_depth_and_gives_each_channel_count(picture_files):
    folder, pixels = picture_files
    grey = pixels["grey"].astype(int)
    for name in ("grey.png", "deep16.png", "float.tiff"):  # scaled to 8 bits, never clipped
        read = np.asarray(read_image(folder / name, 1), dtype=int)
        assert np.abs(read - grey).max() <= 1, name
        assert np.array_equal(np.asarray(read_image(folder / name, 3))[..., 1], read), name
    # no alpha in the model: transparency composited onto white
    assert (np.asarray(read_image(folder / "clear.png", 3)) == 255).all()
    half = np.asarray(read_image(folder / "la.png", 1), dtype=int)
    assert np.abs(half - (grey * 128 + 255 * 127) / 255).max() <= 1
    # alpha in the model: kept where the file has it, opaque where it has none
    la = np.asarray(read_image(folder / "la.png", 2))
    assert la.shape == (40, 40, 2) and np.array_equal(la[..., 0], pixels["grey"])
    assert (la[..., 1] == 128).all()
    rgba = np.asarray(read_image(folder / "rgba.png", 4))
    assert np.array_equal(rgba[..., :3], pixels["rgb"]) and (rgba[..., 3] == 128).all()
    opaque = np.asarray(read_image(folder / "rgb.png", 4))
    assert np.array_equal(opaque[..., :3], pixels["rgb"]) and (opaque[..., 3] == 255).all()
    assert np.asarray(read_image(folder / "deep16.png", 2)).shape == (40, 40, 2)
    assert read_image(folder / "palette.png", 3).mode == "RGB"
    with pytest.raises(zoo.DataError, match="cannot read image .*broken.png"):
        read_image(folder / "broken.png")
    with pytest.raises(ValueError, match="channels=5; images have 1, 2, 3 or 4"):
        read_image(folder / "rgb.png", 5)


def test_strict_read_refuses_the_other_kind_of_image(picture_files):
    folder, _ = picture_files
    for channels in (1, 2):
        with pytest.raises(zoo.DataError, match="rgb.png is a colour .*model has"):
            read_image(folder / "rgb.png", channels, strict="the model")
    for channels in (3, 4):
        with pytest.raises(zoo.DataError, match="deep16.png is a grayscale"):
            read_image(folder / "deep16.png", channels, strict="the model")
    Image.fromarray(np.full((8, 8, 3), 77, np.uint8)).save(folder / "grey-as-rgb.png")
    assert read_image(folder / "grey-as-rgb.png", 1, strict="the model").mode == "L"


def test_a_two_channel_translator_translates_a_grey_and_alpha_file(picture_files, zoo_cli):
    """A plugin author's 2-channel model (grey and a mask as alpha) runs from the command
    line."""
    folder, _ = picture_files
    config = {"image_size": 32, "input_nc": 2, "output_nc": 2, "generator": "unet_32"}
    model = zoo.create("pix2pix", **config, ngf=4, ndf=4)
    run = model.save_pretrained(folder / "m")
    zoo_cli("translate", run, folder / "la.png", "-o", folder / "out.png")
    out = Image.open(folder / "out.png")
    assert out.mode == "LA" and out.size == (40, 40)
