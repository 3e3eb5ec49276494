"""Training and test data for inpainting: images, and masks of the holes to fill.

A mask is 1 where the image is missing (the hole) and 0 where it is kept, as LaMa and the
inpainting literature write them. Masks come from files (a folder's ``masks/``, same stems as
its images; white or any value above 127 is the hole) or are drawn at random on the fly:
:func:`free_form_mask` draws LaMa-style free-form holes (thick strokes and boxes) covering
about 5 to 50 % of a crop, reproducibly from a seed.

``--data`` is ``photos`` (the scikit-image and scikit-learn photographs; whole photographs
held out for ``test``), a registered source of images (``emoji``, ``mnist``, ...; its own
train/test split) or a folder of images (``train/`` and ``test/`` inside it if present), with
``masks/`` beside the images where the holes are given. A batch is ``{"A": images in [-1, 1],
"mask": (N, 1, H, W) float 0/1}``: random crops of ``patch`` pixels (flipped at random), the
image complete (what is under the hole is the target).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from zoo.data.images import split_source
from zoo.data.photos import photos
from zoo.data.translation import ImagePatches, _batch_generator, _spread, _to_float
from zoo.errors import DataError
from zoo.images import as_channels, image_files, pil_to_uint8, read_image

#: the registered source of photographs
PHOTOS = "photos"
#: the sub-folder of a folder of images holding their masks
MASKS = "masks"
#: the share of a crop random masks cover, at least and at most
HOLE_RANGE = (0.05, 0.5)


def free_form_mask(height: int, width: int, seed: int) -> torch.Tensor:
    """A random free-form hole (H, W) as float 0/1, 1 = missing: one to four thick strokes
    of two to six segments (widths 4 to 20 % of the shorter side) and up to two boxes (sides
    10 to 40 %), as LaMa's "thick" and "box" masks; redrawn until it covers
    :data:`HOLE_RANGE` of the image. The same ``seed`` draws the same mask."""
    rng = np.random.default_rng(seed)
    side = min(height, width)
    low, high = HOLE_RANGE
    for _ in range(100):
        canvas = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(canvas)
        for _ in range(int(rng.integers(1, 5))):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            stroke = max(2, int(rng.uniform(0.04, 0.2) * side))
            for _ in range(int(rng.integers(2, 7))):
                angle = rng.uniform(0, 2 * math.pi)
                length = rng.uniform(0.1, 0.4) * side
                nx = float(np.clip(x + length * math.cos(angle), 0, width - 1))
                ny = float(np.clip(y + length * math.sin(angle), 0, height - 1))
                draw.line((x, y, nx, ny), fill=255, width=stroke)
                r = stroke / 2
                draw.ellipse((nx - r, ny - r, nx + r, ny + r), fill=255)  # round joints
                x, y = nx, ny
        for _ in range(int(rng.integers(0, 3))):
            bw, bh = rng.uniform(0.1, 0.4, 2) * (width, height)
            bx, by = rng.uniform(0, width - bw), rng.uniform(0, height - bh)
            draw.rectangle((bx, by, bx + bw, by + bh), fill=255)
        mask = torch.from_numpy(np.asarray(canvas) > 127).float()
        if low <= float(mask.mean()) <= high:
            return mask
    return mask  # a crop too small to land in the range: the last draw


def mask_from_pil(img: Image.Image, name: str = "the mask") -> torch.Tensor:
    """A mask picture as float 0/1 (H, W): any value above 127 of its grey reading is the
    hole (``name``: the picture, for errors)."""
    return torch.from_numpy(np.asarray(as_channels(img, 1, name=name)) > 127).float()


def read_mask_file(path: str | Path, size: tuple[int, int] | None = None) -> torch.Tensor:
    """A mask file as :func:`mask_from_pil` reads it. ``size``: the (width, height) of its
    image, which the mask must have."""
    with Image.open(path) as opened:
        img = opened.copy()
    if size is not None and img.size != size:
        raise DataError(
            f"mask {path} is {img.size[0]}x{img.size[1]} but its image is "
            f"{size[0]}x{size[1]}; a mask must have its image's size"
        )
    return mask_from_pil(img, str(path))


def masks_by_stem(folder: Path, images: list[Path], where: str, remedy: str) -> dict[Path, Path]:
    """Each of ``images``' mask in ``folder``: the image file of its stem. ``where`` names
    the folder in errors, ``remedy`` says what to do about a missing mask."""
    by_stem: dict[str, Path] = {}
    for f in image_files(folder):
        if f.stem in by_stem:
            raise DataError(f"{where}: two masks named {f.stem} ({by_stem[f.stem]}, {f})")
        by_stem[f.stem] = f
    missing = [p for p in images if p.stem not in by_stem]
    if missing:
        raise DataError(
            f"{where} has no mask for {len(missing)} image(s), e.g. {missing[0]}; {remedy}"
        )
    return {p: by_stem[p.stem] for p in images}


@dataclasses.dataclass
class InpaintingData:
    """Images (uint8 (C, H, W), any sizes, each at least ``patch`` a side) and, where given,
    their masks (float (H, W)); an epoch visits each image once per ``patch``-square of its
    area."""

    images: list[torch.Tensor]
    masks: list[torch.Tensor] | None
    names: list[str]
    source: str
    patch: int
    augment: bool = True

    def __post_init__(self) -> None:
        self._patches = ImagePatches(self.images, self.patch)

    def __len__(self) -> int:
        return len(self._patches)

    def _crop(self, j: int, top: int, left: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.patch
        image = self.images[j][:, top : top + p, left : left + p]
        if self.masks is not None:
            return image, self.masks[j][top : top + p, left : left + p]
        return image, free_form_mask(p, p, seed)

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        gen = _batch_generator(index)
        p = self.patch
        images, masks = [], []
        for j in self._patches.image_of(index).tolist():
            h, w = self.images[j].shape[-2:]
            top = int(torch.randint(0, h - p + 1, (1,), generator=gen))
            left = int(torch.randint(0, w - p + 1, (1,), generator=gen))
            seed = int(torch.randint(0, 2**62, (1,), generator=gen))
            image, mask = self._crop(j, top, left, seed)
            if self.augment and int(torch.randint(0, 2, (1,), generator=gen)):
                image, mask = image.flip(-1), mask.flip(-1)
            images.append(image)
            masks.append(mask)
        return {"A": _to_float(torch.stack(images)), "mask": torch.stack(masks)[:, None]}

    def examples(self, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
        """Centre crops of ``n`` images spread over the set, with masks drawn from ``seed``
        (previews)."""
        images, masks = [], []
        p = self.patch
        for k, j in enumerate(_spread(n, len(self.images)).tolist()):
            h, w = self.images[j].shape[-2:]
            image, mask = self._crop(j, (h - p) // 2, (w - p) // 2, seed * 1_000_003 + k)
            images.append(image)
            masks.append(mask)
        return {"A": _to_float(torch.stack(images)), "mask": torch.stack(masks)[:, None]}

    def crops(self, side: int, seed: int = 0) -> dict[str, torch.Tensor]:
        """The fixed test crops of ``zoo eval``: every image cut into ``side``-pixel squares on
        a grid of half that stride (one centre crop of an image smaller than ``side``), each
        with its own mask drawn from ``seed`` (or cut from the given masks). Images in [0, 1]."""
        images: list[torch.Tensor] = []
        masks: list[torch.Tensor] = []
        for j, image in enumerate(self.images):
            h, w = image.shape[-2:]
            s = min(side, h, w)
            step = max(s // 2, 1)
            for top in range(0, h - s + 1, step):
                for left in range(0, w - s + 1, step):
                    k = len(images)
                    cut = image[:, top : top + s, left : left + s]
                    if self.masks is not None:
                        mask = self.masks[j][top : top + s, left : left + s]
                    else:
                        mask = free_form_mask(s, s, seed * 1_000_003 + k)
                    images.append(cut)
                    masks.append(mask)
        if len({t.shape for t in images}) > 1:
            raise DataError(
                f"{self.source}: its images are smaller than {side} pixels and of different "
                "sizes; test crops must have one size"
            )
        return {"A": torch.stack(images).float() / 255, "mask": torch.stack(masks)[:, None]}


def _fit_channels(image: torch.Tensor, channels: int, name: str) -> torch.Tensor:
    """A uint8 (C, H, W) image with ``channels`` channels (grey widens to RGB; RGB narrows
    to grey by luma)."""
    if image.shape[0] == channels:
        return image
    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(image.shape[0])
    if mode is None:
        raise DataError(f"{name} has {image.shape[0]} channels; expected 1, 3 or 4")
    array = image.permute(1, 2, 0).numpy()
    pil = Image.fromarray(array[..., 0] if mode == "L" else array, mode)
    return pil_to_uint8(as_channels(pil, channels, name=name))


def _folder(root: Path, split: str, channels: int) -> tuple[list, list | None, list[str]]:
    folder = root / split if (root / split).is_dir() else root
    files = [f for f in image_files(folder) if MASKS not in f.relative_to(folder).parts]
    if not files:
        raise DataError(f"{folder} holds no images (masks go in {folder / MASKS}/)")
    images = [pil_to_uint8(read_image(f, channels)) for f in files]
    mask_dir = folder / MASKS
    if not mask_dir.is_dir():
        return images, None, [str(f) for f in files]
    remedy = "give every image a mask of the same stem, or remove masks/ to draw random holes"
    found = masks_by_stem(mask_dir, files, str(mask_dir), remedy)
    masks = [read_mask_file(found[f], (t.shape[-1], t.shape[-2])) for f, t in zip(files, images)]
    return images, masks, [str(f) for f in files]


def load_inpainting_data(
    source: str, patch: int, channels: int = 3, split: str = "train"
) -> InpaintingData:
    """The images of ``source`` (``photos``, a registered source of images, a folder; a
    ``NAME:SPLIT`` overrides ``split``) with ``channels`` channels, each at least ``patch``
    pixels a side."""
    from zoo.data.sources import get_source, is_source

    name, given_split = split_source(source, (PHOTOS,))
    split = given_split or split
    masks: list[torch.Tensor] | None = None
    if name == PHOTOS:
        named = photos(split)
        names = [n for n, _ in named]
        images = [_fit_channels(t, channels, n) for n, t in named]
        description = f"photos ({split}: {', '.join(names)})"
    elif is_source(name):
        data = get_source(name, "images")
        loaded = data.load(split)[0]
        images = [_fit_channels(t, channels, name) for t in loaded]
        names = [f"{name} {i}" for i in range(len(images))]
        description = f"{name} ({split}, {len(images)} images)"
    else:
        root = Path(name).expanduser()
        if not root.is_dir():
            raise DataError(
                f"data source {source!r} is neither {PHOTOS!r}, a registered source of images "
                "(zoo list --datasets) nor a folder of images"
            )
        images, masks, names = _folder(root, split, channels)
        description = f"folder {root} ({len(images)} images{', masks given' if masks else ''})"
    small = [(n, t) for n, t in zip(names, images) if min(t.shape[-2:]) < patch]
    if small and split == "train":
        n, t = small[0]
        raise DataError(
            f"{n} is {t.shape[-1]}x{t.shape[-2]}, smaller than the model's image_size {patch} "
            "(the training crop side); use larger images or a smaller --set image_size"
        )
    return InpaintingData(images, masks, names, description, patch, augment=split == "train")
