"""Training and test data for super-resolution: high-resolution photographs, their
low-resolution versions made by antialiased bicubic downscaling (as MATLAB's ``imresize``,
the SR literature's protocol), and aligned crops.

``--data`` is ``photos`` (the scikit-image and scikit-learn photographs,
:mod:`zoo.data.photos`; whole photographs held out for ``test``) or a folder of a user's
high-resolution images (``train/`` and ``test/`` inside it if present, else all of them),
pairs made on the fly. A batch is ``{"A": low-res, "B": high-res}`` in [-1, 1]; a crop of
``patch`` high-resolution pixels starts at a multiple of ``scale``, so that it is exactly the
upscaling of its low-resolution crop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from zoo.constants import IMAGE_SUFFIXES
from zoo.data.photos import photos
from zoo.data.translation import ImagePatches, _batch_generator, _spread, _to_float
from zoo.errors import DataError
from zoo.images import image_files, pil_to_uint8, read_image

#: the registered source of photographs
PHOTOS = "photos"


def downscale(images: torch.Tensor, scale: int) -> torch.Tensor:
    """Antialiased bicubic downscaling by ``scale`` of uint8 (N, C, H, W) or float images
    (H and W multiples of ``scale``); uint8 in, uint8 out (as saved low-res files are)."""
    h, w = images.shape[-2:]
    if h % scale or w % scale:
        raise DataError(f"a {w}x{h} image does not divide by the scale {scale}; crop it first")
    x = images.float()
    out = F.interpolate(x, size=(h // scale, w // scale), mode="bicubic", antialias=True)
    if images.dtype == torch.uint8:
        return out.round().clamp(0, 255).to(torch.uint8)
    return out


def upscale_bicubic(images: torch.Tensor, scale: int) -> torch.Tensor:
    """Bicubic upscaling of float images in [0, 1] (the baseline of every SR figure)."""
    return F.interpolate(images, scale_factor=scale, mode="bicubic").clamp(0, 1)


def crop_to_scale(image: torch.Tensor, scale: int) -> torch.Tensor:
    """``image`` (C, H, W) cropped at the bottom/right to sides that divide by ``scale``."""
    h, w = image.shape[-2:]
    return image[..., : h - h % scale, : w - w % scale]


@dataclasses.dataclass
class SRData:
    """High-resolution images (uint8 (3, H, W), any sizes) and their downscalings (or, with
    ``degradation``, low-resolution inputs made from each training crop on the fly)."""

    hr: list[torch.Tensor]
    lr: list[torch.Tensor]
    names: list[str]
    source: str
    patch: int
    scale: int
    augment: bool = True
    #: makes training inputs from high-res crops (float (N, C, H, W) in [0, 1], scale, a
    #: generator) instead of the bicubic downscalings, e.g. Real-ESRGAN's degradations
    #: (:func:`zoo.data.degradations.second_order`)
    degradation: Callable[[torch.Tensor, int, torch.Generator], torch.Tensor] | None = None

    def __post_init__(self) -> None:
        self._patches = ImagePatches(self.hr, self.patch)

    def __len__(self) -> int:
        return len(self._patches)

    def _crop(self, j: int, top: int, left: int) -> tuple[torch.Tensor, torch.Tensor]:
        s, p = self.scale, self.patch // self.scale
        lr = self.lr[j][:, top : top + p, left : left + p]
        hr = self.hr[j][:, top * s : (top + p) * s, left * s : (left + p) * s]
        return lr, hr

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        gen = _batch_generator(index)
        p = self.patch // self.scale
        lrs, hrs = [], []
        for j in self._patches.image_of(index).tolist():
            h, w = self.lr[j].shape[-2:]
            top = int(torch.randint(0, h - p + 1, (1,), generator=gen))
            left = int(torch.randint(0, w - p + 1, (1,), generator=gen))
            lr, hr = self._crop(j, top, left)
            if self.augment:  # the 8 flips and rotations of a square
                k, flip = torch.randint(0, 4, (2,), generator=gen).tolist()
                lr, hr = lr.rot90(k, (1, 2)), hr.rot90(k, (1, 2))
                if flip % 2:
                    lr, hr = lr.flip(-1), hr.flip(-1)
            lrs.append(lr)
            hrs.append(hr)
        hr = torch.stack(hrs)
        if self.degradation is not None:  # the low-res crops made from the high-res ones
            lr = self.degradation(hr.float() / 255, self.scale, gen)
            return {"A": lr * 2 - 1, "B": _to_float(hr)}
        return {"A": _to_float(torch.stack(lrs)), "B": _to_float(hr)}

    def examples(self, n: int) -> dict[str, torch.Tensor]:
        """Centre crops of ``n`` photographs spread over the set (previews)."""
        p = self.patch // self.scale
        lrs, hrs = [], []
        for j in _spread(n, len(self.hr)).tolist():
            h, w = self.lr[j].shape[-2:]
            lr, hr = self._crop(j, (h - p) // 2, (w - p) // 2)
            lrs.append(lr)
            hrs.append(hr)
        return {"A": _to_float(torch.stack(lrs)), "B": _to_float(torch.stack(hrs))}


def folder_images(
    root: Path, split: str, channels: int = 3
) -> tuple[list[str], list[torch.Tensor]]:
    """The images of ``root/split/`` if it exists, else of all ``root`` (recursively): their
    paths, and uint8 (``channels``, H, W) tensors of their own sizes."""
    folder = root / split if (root / split).is_dir() else root
    files = image_files(folder)
    if not files:
        raise DataError(
            f"{folder} holds no images (expected files ending in "
            f"{', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    return [str(f) for f in files], [pil_to_uint8(read_image(f, channels)) for f in files]


def load_sr_data(source: str, patch: int, scale: int, split: str = "train") -> SRData:
    """High-resolution images of ``source`` (``photos`` or a folder), each cropped to sides
    that divide by ``scale``, with their antialiased bicubic downscalings."""
    if patch % scale:
        raise DataError(f"image_size {patch} is not a multiple of the scale {scale}")
    if source == PHOTOS:
        named = photos(split)
        names, images = [n for n, _ in named], [t for _, t in named]
        description = f"photos ({split}: {', '.join(names)})"
    else:
        root = Path(source).expanduser()
        if not root.is_dir():
            raise DataError(
                f"data source {source!r} is neither {PHOTOS!r} (the photographs scikit-image "
                "and scikit-learn ship) nor a folder of high-resolution images"
            )
        names, images = folder_images(root, split)
        description = f"folder {root} ({len(images)} images)"
    hr = [crop_to_scale(t, scale) for t in images]
    for name, t in zip(names, hr):
        if min(t.shape[-2:]) < patch:
            raise DataError(
                f"{name} is {t.shape[-1]}x{t.shape[-2]}, smaller than the model's image_size "
                f"{patch} (the high-resolution crop side); use larger images or a smaller "
                "--set image_size"
            )
    lr = [downscale(t[None], scale)[0] for t in hr]
    return SRData(hr, lr, names, description, patch, scale, augment=split == "train")
