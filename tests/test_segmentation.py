"""Segmentation: the task, emoji scenes and folders, metrics, pix2pix-seg and `zoo segment`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.data.emoji import twemoji, twemoji_files
from zoo.data.photos import TEST_PHOTOS
from zoo.data.segmentation import EmojiScenes, emoji_scene, read_mask_folder
from zoo.masks import mask_to_pil, palette
from zoo.metrics.segmentation import boundaries, boundary_counts, confusion, summarise
from zoo.models._registry import get_architecture
from zoo.testing import check_architecture

SMALL = {"ngf": 4, "ndf": 4, "image_size": 32, "generator": "unet_32"}


def test_pix2pix_seg_passes_the_conformance_kit():
    passed = check_architecture(get_architecture("pix2pix-seg"), SMALL)
    assert "segment_shape_classes_determinism" in passed and "probabilities_sum_to_one" in passed


def test_emoji_scenes_are_exact_reproducible_and_held_out():
    train, test = set(twemoji_files("train")), set(twemoji_files("test"))
    assert not train & test and len(train) + len(test) == len(twemoji_files("all")) == 4009
    img, mask = emoji_scene(7, 64)
    img2, mask2 = emoji_scene(7, 64)
    assert np.array_equal(np.asarray(img), np.asarray(img2)) and np.array_equal(mask, mask2)
    assert img.size == (64, 64) and set(np.unique(mask)) <= {0, 1} and 0 < mask.mean() < 1
    # the mask is the emoji's alpha: where it is set, the scene shows emoji pixels, so a
    # scene rebuilt over a black photo differs exactly there
    assert not np.array_equal(np.asarray(emoji_scene(7, 64, "test")[0]), np.asarray(img))
    data = EmojiScenes(32, "test")
    assert len(data) == 500 and data.classes == ("background", "emoji")
    batch = data.batch(torch.arange(4))
    assert batch["A"].shape == (4, 3, 32, 32) and batch["mask"].dtype == torch.long
    assert "test" in data.source and len(TEST_PHOTOS) == 3


def test_a_lone_emoji_mask_is_its_alpha_channel(monkeypatch):
    """Over a uniform grey photo, the scene's mask is the thresholded alpha of the emoji."""
    import zoo.data.segmentation as seg

    grey = Image.new("RGB", (200, 200), (128, 128, 128))
    monkeypatch.setattr(seg, "_photo_images", lambda split: (grey,))
    emoji = twemoji_files("train")[:1]
    monkeypatch.setattr(seg, "twemoji_files", lambda split: emoji)
    img, mask = emoji_scene(3, 72, "test")  # test scenes: backgrounds not colour-jittered
    rgb = np.asarray(img).astype(int)
    changed = np.abs(rgb - 128).sum(-1) > 0
    # every masked pixel is painted by the emoji; unmasked pixels are at most faint edges
    assert changed[mask == 1].mean() > 0.95
    alpha_area = (np.asarray(twemoji(emoji[0]))[..., 3] >= 128).mean()
    assert 0 < mask.mean() <= alpha_area + 1e-9


def test_iou_accuracy_and_boundary_f_on_known_masks():
    target = torch.zeros(1, 10, 10, dtype=torch.long)
    target[0, 2:6, 2:6] = 1  # 16 pixels
    pred = torch.zeros_like(target)
    pred[0, 2:6, 2:10] = 1  # 32 pixels, 16 of them right; its right edge 4 pixels off
    conf = confusion(pred, target, 2)
    m = summarise(conf, boundary_counts(pred, target, 2), ("bg", "fg"))
    assert m["iou_fg"] == pytest.approx(16 / 32, abs=1e-5)
    assert m["iou_bg"] == pytest.approx(68 / 84, abs=1e-5)
    assert m["pixel_accuracy"] == pytest.approx(84 / 100, abs=1e-5)
    perfect = summarise(
        confusion(target, target, 2), boundary_counts(target, target, 2), ("a", "b")
    )
    assert perfect["miou"] == 1 and perfect["boundary_f"] == 1
    assert 0 < m["boundary_f"] < 1
    assert int(boundaries(target == 1).sum()) == 12  # the ring of a 4x4 square


def test_segment_takes_any_size_and_pil_and_writes_palette_masks(tmp_path):
    model = zoo.create("pix2pix-seg", **SMALL).eval()
    x = torch.rand(3, 3, 45, 70)
    masks = model.segment(x)
    assert masks.shape == (3, 45, 70) and masks.dtype == torch.long
    assert model.segment(x[0]).shape == (45, 70)
    probs = model.segment(x, probabilities=True)
    torch.testing.assert_close(probs.argmax(1), masks)
    img = Image.fromarray((x[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8))
    out = model.segment(img)
    assert out.mode == "P" and out.size == (70, 45)
    out.save(tmp_path / "m.png")
    back = np.asarray(Image.open(tmp_path / "m.png"))
    same = model.segment(torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1))
    assert np.array_equal(back, same.numpy())  # the pixel values are the class indices
    assert palette(3)[0] == (0, 0, 0) and len(set(palette(21))) == 21
    with pytest.raises(zoo.ConfigError, match="images have 1 channels"):
        model.segment(torch.rand(1, 1, 32, 32))


def _mask_folder(root, n=4, size=40, mismatch=False):
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), np.uint8)).save(
            root / "images" / f"{i}.jpg"
        )
        mask = torch.zeros(size + (2 if mismatch and i == 1 else 0), size, dtype=torch.long)
        mask[5:20, 10:30] = 1 + i % 2
        mask_to_pil(mask, 3).save(root / "masks" / f"{i}.png")
    (root / "classes.txt").write_text("sky\nroad\ncar\n")


def test_mask_folders_read_with_their_classes_and_name_their_errors(tmp_path):
    _mask_folder(tmp_path / "ok")
    data = read_mask_folder(tmp_path / "ok", 32, 3, "train")
    assert data.classes == ("sky", "road", "car") and len(data) == 4
    batch = data.batch(torch.arange(4))
    assert batch["A"].shape == (4, 3, 32, 32) and int(batch["mask"].max()) == 2
    _mask_folder(tmp_path / "bad", mismatch=True)
    with pytest.raises(zoo.DataError, match="a mask must have its image's size"):
        read_mask_folder(tmp_path / "bad", 32, 3, "train")
    (tmp_path / "ok" / "masks" / "3.png").unlink()
    with pytest.raises(zoo.DataError, match="has no mask"):
        read_mask_folder(tmp_path / "ok", 32, 3, "train")
    Image.new("RGB", (40, 40)).save(tmp_path / "ok" / "masks" / "3.png")
    with pytest.raises(zoo.DataError, match="is a RGB image; a mask holds one class index"):
        read_mask_folder(tmp_path / "ok", 32, 3, "train")
    (tmp_path / "none" / "images").mkdir(parents=True)
    (tmp_path / "none" / "masks").mkdir()
    with pytest.raises(zoo.DataError, match="holds no images"):
        read_mask_folder(tmp_path / "none", 32, 3, "train")


def test_cross_entropy_only_skips_the_discriminator(tmp_path):
    from zoo.train import TrainConfig, Trainer

    model = zoo.create("pix2pix-seg", **SMALL, adversarial_weight=0)
    data = model.task.random_training_data(model, 8)
    before = {k: v.clone() for k, v in model.discriminator.state_dict().items()}
    trainer = Trainer(model, data, TrainConfig(steps=1, batch_size=4, progress=False), tmp_path)
    d_out, g_out = trainer.train_step()
    assert d_out is None and set(g_out.logs) == {"g_ce"}
    assert all(torch.equal(v, before[k]) for k, v in model.discriminator.state_dict().items())
    adversarial = zoo.create("pix2pix-seg", **SMALL)
    trainer = Trainer(
        adversarial, data, TrainConfig(steps=1, batch_size=4, progress=False), tmp_path / "adv"
    )
    d_out, g_out = trainer.train_step()
    assert d_out is not None and "g_gan" in g_out.logs


def test_cli_trains_on_a_mask_folder_evaluates_and_segments(tmp_path, zoo_cli):
    _mask_folder(tmp_path / "data")
    run = tmp_path / "run"
    zoo_cli(
        "train",
        "pix2pix-seg",
        "--data",
        tmp_path / "data",
        "--out",
        run,
        "--set",
        "ngf=4",
        "--set",
        "ndf=4",
        "--set",
        "image_size=32",
        "--set",
        "generator=unet_32",
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--no-progress",
    )
    result = zoo_cli("eval", run, "--json").stdout
    assert '"iou_car"' in result and '"trivial_miou"' in result and str(tmp_path / "data") in result
    done = zoo_cli(
        "segment", run, tmp_path / "data" / "images", "-o", tmp_path / "masks", "--overlay"
    )
    assert "segmented 4 image(s)" in done.stdout and "sky" in done.stdout
    mask = Image.open(tmp_path / "masks" / "0.png")
    assert mask.mode == "P" and mask.size == (40, 40)
    assert Image.open(tmp_path / "masks" / "0.overlay.png").mode == "RGB"
    grey = tmp_path / "grey.png"
    Image.new("L", (50, 30), 90).save(grey)  # grey widens to RGB, as documented
    zoo_cli("segment", run, grey, "-o", tmp_path / "grey-mask.png")
    assert Image.open(tmp_path / "grey-mask.png").size == (50, 30)
    bad = zoo_cli("segment", "dcgan-mnist", grey, "-o", tmp_path / "x.png", check=False)
    assert bad.returncode == 2 and "use `zoo sample`" in bad.stderr


def test_large_scenes_and_bad_splits():
    from zoo.data.segmentation import load_segmentation_data

    # 320-pixel scenes over photographs as small as 384x191 (page) or 451x300 (chelsea):
    # cropped whole and enlarged
    sizes = {emoji_scene(i, 320, split)[0].size for i in range(20) for split in ("train", "test")}
    assert sizes == {(320, 320)}
    with pytest.raises(zoo.DataError, match="emoji-scenes:all; its splits are train and test"):
        load_segmentation_data("emoji-scenes", 64, 3, "all")
    with pytest.raises(zoo.DataError, match="is RGB; the model has 1 channel"):
        load_segmentation_data("emoji-scenes", 64, 1)
