"""Fashion-MNIST (Xiao et al., 2017): 70,000 real 28x28 grey photos of clothing in 10 classes,
MIT licence. Debian ships it as the package ``dataset-fashion-mnist`` (files under
``/usr/share/datasets/fashion-mnist/`` in MNIST's IDX format); ``ZOO_FASHION_MNIST`` names
another folder holding the same four files.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

from zoo.data.idx import read_idx_images, read_idx_labels
from zoo.errors import DataError

DEBIAN_FOLDER = Path("/usr/share/datasets/fashion-mnist")
#: the class names, in label order (Xiao et al.'s, lower case, hyphens for spaces)
CLASSES = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle-boot",
)
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def folder() -> Path:
    """Where the IDX files are: ``$ZOO_FASHION_MNIST``, else Debian's folder."""
    return Path(os.environ.get("ZOO_FASHION_MNIST", DEBIAN_FOLDER))


@functools.lru_cache(maxsize=4)
def _read(where: Path, split_name: str) -> tuple[torch.Tensor, torch.Tensor]:
    paths = [where / name for name in FILES[split_name]]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise DataError(
            f"Fashion-MNIST is not installed: {missing[0]} is missing. Install it with "
            "`apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or set "
            "ZOO_FASHION_MNIST to a folder holding "
            + ", ".join(n for pair in FILES.values() for n in pair)
        )
    images, labels = read_idx_images(paths[0]), read_idx_labels(paths[1])
    if len(images) != len(labels):
        raise DataError(
            f"{paths[1]} holds {len(labels)} labels for the {len(images)} images of {paths[0]}"
        )
    return images, labels


def fashion_mnist(split_name: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, 1, 28, 28) and labels: ``train`` (60,000), ``test`` (10,000) or
    ``all`` (both, train first)."""
    if split_name == "all":
        (a, la), (b, lb) = _read(folder(), "train"), _read(folder(), "test")
        return torch.cat([a, b]), torch.cat([la, lb])
    if split_name not in FILES:
        raise DataError(f"split {split_name!r}; choose train, test or all")
    return _read(folder(), split_name)
