"""Image-to-image data: the reference layouts, the built-in digit sets, and clear errors."""

import re

import numpy as np
import pytest
import torch
from PIL import Image

from zoo.data.digits import corrupt_digits, mnist2digits, mnist_repair
from zoo.data.translation import Preprocess, load_translation_data
from zoo.errors import DataError


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def _aligned_folder(root, n=6, h=40, phase="train", rgb=False):
    """A|B pairs where B is the negative of A, so that the pairing can be checked."""
    rng = np.random.default_rng(0)
    for i in range(n):
        a = rng.integers(0, 256, (h, h, 3) if rgb else (h, h), dtype=np.uint8)
        _save(root / phase / f"{i}.png", np.concatenate([a, 255 - a], axis=1))
    return root


def test_aligned_pairs_get_the_same_crop_and_flip(tmp_path):
    root = _aligned_folder(tmp_path)
    prep = Preprocess(crop_size=32, load_size=36)  # resize_and_crop + flips, as the reference
    data = load_translation_data(str(root), True, (1, 1), prep)
    assert len(data) == 6 and data.a.shape == (6, 1, 36, 36)
    batch = data.batch(torch.arange(6))
    assert batch["A"].shape == (6, 1, 32, 32)
    # B = 255 - A survives the resize only approximately, the shared crop/flip exactly
    assert (batch["A"] + batch["B"]).abs().max() < 0.1
    again = data.batch(torch.arange(6))
    assert torch.equal(again["A"], batch["A"])  # the same indices give the same batch
    assert not torch.equal(data.batch(torch.arange(6).flip(0))["A"], batch["A"].flip(0))


def test_direction_btoa_swaps_the_halves(tmp_path):
    root = _aligned_folder(tmp_path, h=32)
    prep = dict(crop_size=32, mode="none", flip=False)
    ab = load_translation_data(str(root), True, (1, 1), Preprocess(**prep))
    ba = load_translation_data(str(root), True, (1, 1), Preprocess(**prep, direction="BtoA"))
    assert torch.equal(ab.a, ba.b) and torch.equal(ab.b, ba.a)


def test_unaligned_domains_and_random_partners(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(5):
        _save(tmp_path / "trainA" / f"a{i}.png", rng.integers(0, 256, (32, 32), dtype=np.uint8))
    for i in range(3):
        _save(tmp_path / "trainB" / f"b{i}.png", rng.integers(0, 256, (32, 32), dtype=np.uint8))
    prep = Preprocess(crop_size=32, mode="none", flip=False)
    data = load_translation_data(str(tmp_path), False, (1, 1), prep)
    assert len(data) == 5 and data.b.shape[0] == 3
    batch = data.batch(torch.arange(5))
    real_b = {tuple(x.flatten().tolist()) for x in data.b.float() / 127.5 - 1}
    assert all(tuple(x.flatten().tolist()) in real_b for x in batch["B"])


@pytest.mark.parametrize(
    "make, paired, channels, mode, message",
    [
        (
            lambda r: _save(r / "train" / "x.png", np.zeros((32, 50), np.uint8)),
            True,
            (1, 1),
            "resize_and_crop",
            "twice as wide as high",
        ),
        (
            lambda r: (
                (r / "trainA").mkdir() or _save(r / "trainB" / "b.png", np.zeros((8, 8), np.uint8))
            ),
            False,
            (1, 1),
            "resize_and_crop",
            "trainA holds no images",
        ),
        (
            lambda r: _save(r / "trainA" / "a.png", np.full((8, 8, 3), [255, 0, 0], np.uint8)),
            False,
            (1, 1),
            "resize_and_crop",
            "a.png is a colour (RGB) image",
        ),
        (
            lambda r: _save(r / "train" / "g.png", np.zeros((8, 16), np.uint8)),
            True,
            (3, 3),
            "resize_and_crop",
            "g.png is a grayscale (L) image",
        ),
        (
            lambda r: (
                [
                    _save(r / "trainA" / f"{n}.png", np.zeros((s, s), np.uint8))
                    for n, s in (("a", 40), ("b", 48))
                ]
                and _save(r / "trainB" / "c.png", np.zeros((40, 40), np.uint8))
            ),
            False,
            (1, 1),
            "crop",
            "images of different sizes",
        ),
        (lambda r: None, True, (1, 1), "resize_and_crop", "is missing"),
    ],
    ids=["aligned-width", "empty-trainA", "rgb-for-gray", "gray-for-rgb", "sizes", "no-train"],
)
def test_bad_data_is_named(tmp_path, make, paired, channels, mode, message):
    make(tmp_path)
    with pytest.raises(DataError, match=re.escape(message)) as info:
        load_translation_data(str(tmp_path), paired, channels, Preprocess(32, mode))
    assert str(tmp_path) in str(info.value)  # names the file or folder


def test_grey_saved_as_rgb_is_accepted_for_a_gray_model(tmp_path):
    grey = np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8)
    _save(tmp_path / "train" / "p.png", np.stack([np.concatenate([grey, grey], 1)] * 3, -1))
    data = load_translation_data(str(tmp_path), True, (1, 1), Preprocess(32, "none"))
    assert torch.equal(data.a[0, 0], torch.from_numpy(grey))


def test_mnist_repair_pairs_are_real_digits_with_held_out_pairs():
    corrupted, clean, labels = mnist_repair("train")
    test_corrupted, test_clean, test_labels = mnist_repair("test")
    assert corrupted.shape == (4500, 1, 32, 32) and test_clean.shape == (500, 1, 32, 32)
    assert torch.bincount(test_labels).tolist() == [50] * 10
    # the test digits are not training digits
    train_set = {c.numpy().tobytes() for c in clean}
    assert not any(c.numpy().tobytes() in train_set for c in test_clean)
    # corruption: an occluding grey square and noise, the same on every call
    assert torch.equal(corrupt_digits(test_clean[:5]), corrupt_digits(test_clean[:5]))
    diff = (test_corrupted.float() - test_clean.float()).abs().mean()
    assert 20 < diff < 80


def test_mnist2digits_domains_share_one_canvas():
    (a, la), (b, lb) = mnist2digits("train")
    assert a.shape[1:] == b.shape[1:] == (1, 32, 32)
    assert len(a) == 4500 and len(b) == 1617
    assert set(la.tolist()) == set(lb.tolist()) == set(range(10))
    # both domains leave a dark border: digits of a similar extent
    assert a[..., :2, :].max() == 0 and b[..., :3, :].max() == 0


def test_named_set_of_the_wrong_kind_is_explained():
    with pytest.raises(DataError, match="mnist2digits is unpaired"):
        load_translation_data("mnist2digits", True, (1, 1), Preprocess(32, "none"))
    with pytest.raises(DataError, match="image_size=32"):
        load_translation_data("mnist-repair", True, (1, 1), Preprocess(64, "none"))
