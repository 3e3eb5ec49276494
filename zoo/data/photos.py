"""Real colour photographs that packages ship, for super-resolution and segmentation.

scikit-image ships eleven colour photographs in its wheel (``skimage/data``: astronaut,
chelsea, coffee, rocket, hubble_deep_field, immunohistochemistry, retina, the two motorcycle
views, ...) and scikit-learn two (``load_sample_images()``: china, flower). Whole photographs
are held out for testing, never patches of a training photo: :data:`TEST_PHOTOS` are never
trained on. Photographs load as uint8 RGB tensors (3, H, W) of their own sizes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from zoo.errors import DataError

#: photographs trained on (skimage's file names, or sklearn's china/flower)
TRAIN_PHOTOS = (
    "rocket",
    "coffee",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "motorcycle_left",
    "motorcycle_right",
    "china",
)
#: whole photographs held out for evaluation
TEST_PHOTOS = ("astronaut", "chelsea", "flower")
#: scikit-image's grey photographs and textures: more training backgrounds for segmentation
#: (widened to RGB; colour jitter gives them colours)
GREY_PHOTOS = ("camera", "coins", "moon", "page", "text", "brick", "grass", "gravel", "cell")
_SKIMAGE_FILES = {
    "astronaut": "astronaut.png",
    "chelsea": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "hubble_deep_field": "hubble_deep_field.jpg",
    "immunohistochemistry": "ihc.png",
    "retina": "retina.jpg",
    "motorcycle_left": "motorcycle_left.png",
    "motorcycle_right": "motorcycle_right.png",
    **{name: f"{name}.png" for name in GREY_PHOTOS},
}
LICENSE = (
    "scikit-image sample photographs (public domain / CC0, see skimage.data), scikit-learn "
    "sample images china and flower (CC-BY 2.0)"
)


def _skimage_file(name: str) -> Path:
    try:
        import skimage
    except ImportError:
        raise DataError(
            f"the photograph {name!r} ships with scikit-image, which is not installed: "
            'pip install scikit-image (or pip install "gan-zoo[photos]")'
        ) from None
    return Path(skimage.__file__).parent / "data" / _SKIMAGE_FILES[name]


def _sklearn_image(name: str) -> np.ndarray:
    try:
        from sklearn.datasets import load_sample_image
    except ImportError:
        raise DataError(
            f"the photograph {name!r} ships with scikit-learn, which is not installed: "
            'pip install scikit-learn (or pip install "gan-zoo[photos]")'
        ) from None
    return load_sample_image(f"{name}.jpg")


@functools.cache
def photo(name: str) -> torch.Tensor:
    """The photograph ``name`` as uint8 RGB (3, H, W)."""
    if name in _SKIMAGE_FILES:
        with Image.open(_skimage_file(name)) as img:
            array = np.asarray(img.convert("RGB"))
    elif name in ("china", "flower"):
        array = _sklearn_image(name)
    else:
        valid = ", ".join((*TRAIN_PHOTOS, *TEST_PHOTOS, *GREY_PHOTOS))
        raise DataError(f"unknown photograph {name!r}; valid: {valid}")
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def photos(split: str) -> list[tuple[str, torch.Tensor]]:
    """(name, uint8 RGB (3, H, W)) of the ``split`` photographs: train, test or all (or
    backgrounds: train and :data:`GREY_PHOTOS`)."""
    names = {"train": TRAIN_PHOTOS, "test": TEST_PHOTOS, "all": TRAIN_PHOTOS + TEST_PHOTOS}
    if split == "backgrounds":  # segmentation's training backgrounds: colour and grey
        return [(name, photo(name)) for name in TRAIN_PHOTOS + GREY_PHOTOS]
    if split not in names:
        raise DataError(f"split {split!r}; choose one of {', '.join(names)}")
    return [(name, photo(name)) for name in names[split]]
