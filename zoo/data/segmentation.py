"""Data for segmentation: images and masks of class indices.

* ``emoji-scenes``: an exactly annotated set built from real images, since no annotated
  segmentation set ships in any package: Twitter's emoji (:mod:`zoo.data.emoji`) composited
  at random sizes and positions onto random crops of real photographs
  (:mod:`zoo.data.photos`); the emoji's alpha channel is the true mask (classes background,
  emoji). Scenes are drawn on the fly and reproducibly from their index; the test split uses
  held-out emoji over held-out photographs, never seen in training. Eight colour photographs
  are few backgrounds, so training adds scikit-image's grey photographs and textures and
  jitters their colours (a model trained without this read the held-out photographs' orange
  and fur as emoji: foreground IoU 0.59 on them against 0.85 on training photographs).
* a folder in the common layout: ``images/`` and ``masks/`` with equal stems (masks as
  8-bit or palette PNGs of class indices), ``train/`` and ``test/`` inside it if present,
  and optionally ``classes.txt`` (one class name per line).

A batch is ``{"A": images in [-1, 1] (N, C, S, S), "mask": int64 (N, S, S)}``.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from zoo.constants import IMAGE_SUFFIXES
from zoo.data.emoji import twemoji, twemoji_files
from zoo.data.photos import TRAIN_PHOTOS, photos
from zoo.data.translation import _batch_generator, _random_crops, _to_float
from zoo.errors import DataError
from zoo.images import image_files, pil_to_uint8, read_image

EMOJI_SCENES = "emoji-scenes"
EMOJI_CLASSES = ("background", "emoji")
#: scenes per epoch of the training split, and in the test split
SCENES = {"train": 20000, "test": 500}
_SPLIT_SEED = {"train": 0, "test": 1_000_000_007}


@functools.lru_cache(maxsize=2)
def _photo_images(split: str) -> tuple[Image.Image, ...]:
    which = "backgrounds" if split == "train" else split
    return tuple(Image.fromarray(t.permute(1, 2, 0).numpy()) for _, t in photos(which))


def _jitter(scene: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Colour jitter of a training background, so that no colour means "emoji": the RGB
    channels in a random order and tinted, grey one time in five, random contrast and
    brightness."""
    x: np.ndarray = np.asarray(scene, dtype=np.float32)[..., rng.permutation(3)]
    x = x * rng.uniform(0.6, 1.4, 3)  # a tint (colours grey photographs too)
    if rng.random() < 0.2:
        x = x.mean(-1, keepdims=True).repeat(3, -1)
    x = (x - 128) * rng.uniform(0.6, 1.4) + 128 + rng.uniform(-40, 40)
    return Image.fromarray(x.clip(0, 255).round().astype(np.uint8))


def emoji_scene(index: int, size: int, split: str = "train") -> tuple[Image.Image, np.ndarray]:
    """Scene ``index`` of ``split``: (RGB image size x size, mask uint8 (size, size) with 1
    where an emoji covers at least half a pixel). 1 to 3 emoji, each 30% to 75% of the side,
    over a square crop of a photograph of ``size`` to ``2 * size`` pixels (so at most halved:
    photographs keep their texture, as a sticker on a real photo would see it);
    training backgrounds also come from the grey photographs and are colour-jittered."""
    rng = np.random.default_rng(_SPLIT_SEED[split] + index)
    backgrounds, emoji = _photo_images(split), twemoji_files(split)
    colour = len(TRAIN_PHOTOS) if split == "train" else len(backgrounds)
    if rng.random() < 0.7 or colour == len(backgrounds):  # colour photographs 70% of the time
        photo = backgrounds[rng.integers(colour)]
    else:
        photo = backgrounds[colour + rng.integers(len(backgrounds) - colour)]
    # photographs smaller than the scene (a large image_size) are cropped whole and enlarged
    side = int(rng.integers(min(size, *photo.size), min(2 * size, *photo.size) + 1))
    left = int(rng.integers(0, photo.size[0] - side + 1))
    top = int(rng.integers(0, photo.size[1] - side + 1))
    scene = photo.crop((left, top, left + side, top + side))
    scene = scene.resize((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    if split == "train":
        scene = _jitter(scene, rng)
    scene = scene.convert("RGBA")
    alpha = Image.new("L", (size, size), 0)
    for _ in range(int(rng.integers(1, 4))):
        e = int(rng.integers(round(0.3 * size), round(0.75 * size) + 1))
        sprite = twemoji(emoji[rng.integers(len(emoji))]).resize((e, e), Image.Resampling.LANCZOS)
        x, y = (int(v) for v in rng.integers(0, size - e + 1, 2))
        layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        layer.paste(sprite, (x, y))
        scene = Image.alpha_composite(scene, layer)
        alpha.paste(
            Image.fromarray(
                np.maximum(np.asarray(alpha.crop((x, y, x + e, y + e))), np.asarray(sprite)[..., 3])
            ),
            (x, y),
        )
    mask = (np.asarray(alpha) >= 128).astype(np.uint8)
    return scene.convert("RGB"), mask


@dataclasses.dataclass
class EmojiScenes:
    """The ``emoji-scenes`` split ``split`` at ``size`` x ``size``, drawn on the fly."""

    size: int
    split: str = "train"
    classes: tuple[str, ...] = EMOJI_CLASSES

    @property
    def source(self) -> str:
        return f"{EMOJI_SCENES} ({self.split}, {len(self)} scenes of {self.size}x{self.size})"

    def __len__(self) -> int:
        return SCENES[self.split]

    def pairs(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 images (N, 3, S, S) and int64 masks (N, S, S) of the scenes ``index``."""
        images, masks = [], []
        for i in index.tolist():
            img, mask = emoji_scene(i, self.size, self.split)
            images.append(pil_to_uint8(img))
            masks.append(torch.from_numpy(mask))
        return torch.stack(images), torch.stack(masks).long()

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        images, masks = self.pairs(index)
        if self.split == "train":  # random horizontal flips on top of the random scenes
            flips = torch.rand(len(index), generator=_batch_generator(index)) < 0.5
            images[flips], masks[flips] = images[flips].flip(-1), masks[flips].flip(-1)
        return {"A": _to_float(images), "mask": masks}

    def examples(self, n: int) -> dict[str, torch.Tensor]:
        images, masks = self.pairs(torch.arange(n))
        return {"A": _to_float(images), "mask": masks}


@dataclasses.dataclass
class MaskedImages:
    """Images and masks held in memory (a folder's); random crops of ``size`` in training."""

    images: torch.Tensor  # uint8 (N, C, H, W)
    masks: torch.Tensor  # int64 (N, H, W)
    source: str
    size: int
    classes: tuple[str, ...]
    train: bool = True

    def __len__(self) -> int:
        return self.images.shape[0]

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """Random crops and flips in training (centre crops otherwise), the same for an image
        and its mask."""
        gen = _batch_generator(index) if self.train else None
        images, masks = _random_crops(
            [self.images[index], self.masks[index][:, None]], self.size, self.train, gen
        )
        return {"A": _to_float(images), "mask": masks[:, 0]}

    def examples(self, n: int) -> dict[str, torch.Tensor]:
        index = torch.arange(min(n, len(self)))
        return {"A": _to_float(self.images[index]), "mask": self.masks[index]}


def read_mask(path: Path) -> np.ndarray:
    """A mask file of class indices: an 8-bit grey ("L") or palette ("P") PNG."""
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            array = np.asarray(img)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read mask {path}: {exc}") from None
    if mode not in ("L", "P", "1"):
        raise DataError(
            f"{path} is a {mode} image; a mask holds one class index per pixel (an 8-bit grey "
            "or palette PNG, as `zoo segment` writes)"
        )
    return array.astype(np.uint8)


def read_mask_folder(root: Path, size: int, channels: int, split: str) -> MaskedImages:
    """``root[/split]/images/*`` with ``masks/*`` of equal stems (see the module doc)."""
    base = root / split if (root / split / "images").is_dir() else root
    images_dir, masks_dir = base / "images", base / "masks"
    for folder in (images_dir, masks_dir):
        if not folder.is_dir():
            raise DataError(f"{folder} is missing: a segmentation folder holds images/ and masks/")
    files = image_files(images_dir)
    if not files:
        raise DataError(
            f"{images_dir} holds no images (expected {', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    masks = {p.stem: p for p in image_files(masks_dir)}
    images, labels = [], []
    for f in files:
        if f.stem not in masks:
            raise DataError(f"{f} has no mask: expected {masks_dir}/{f.stem}.png")
        img = read_image(f, channels)
        mask = read_mask(masks[f.stem])
        if mask.shape != (img.size[1], img.size[0]):
            raise DataError(
                f"{masks[f.stem]} is {mask.shape[1]}x{mask.shape[0]} but its image {f} is "
                f"{img.size[0]}x{img.size[1]}; a mask must have its image's size"
            )
        if min(img.size) < size:
            raise DataError(
                f"{f} is {img.size[0]}x{img.size[1]}, smaller than the model's image_size {size}"
            )
        images.append(pil_to_uint8(img))
        labels.append(torch.from_numpy(mask).long())
    shapes = {t.shape for t in images}
    if len(shapes) > 1:
        raise DataError(
            f"the images in {images_dir} have different sizes; crop or resize them to one size"
        )
    names = root / "classes.txt"
    num = int(max(m.max() for m in labels)) + 1
    classes = segmentation_classes(str(root)) or tuple(f"class {k}" for k in range(num))
    if num > len(classes):
        raise DataError(
            f"the masks in {masks_dir} hold class {num - 1} but {names} names "
            f"{len(classes)} classes"
        )
    return MaskedImages(
        torch.stack(images), torch.stack(labels), f"folder {base}", size, classes, split == "train"
    )


def segmentation_classes(source: str) -> tuple[str, ...] | None:
    """The class names of ``source`` where it names them (``emoji-scenes``; a folder with
    ``classes.txt``), else None."""
    if source == EMOJI_SCENES:
        return EMOJI_CLASSES
    names = Path(source).expanduser() / "classes.txt"
    if names.is_file():
        return tuple(c.strip() for c in names.read_text().splitlines() if c.strip())
    return None


def load_segmentation_data(source: str, size: int, channels: int = 3, split: str = "train"):
    """``emoji-scenes`` or a folder (see the module doc), at ``size`` x ``size``."""
    if source == EMOJI_SCENES:
        if split not in SCENES:
            raise DataError(f"{EMOJI_SCENES}:{split}; its splits are train and test")
        if channels != 3:
            raise DataError(f"{EMOJI_SCENES} is RGB; the model has {channels} channel(s)")
        return EmojiScenes(size, split)
    root = Path(source).expanduser()
    if not root.is_dir():
        raise DataError(
            f"data source {source!r} is neither {EMOJI_SCENES!r} nor a folder holding images/ "
            "and masks/"
        )
    return read_mask_folder(root, size, channels, split)
