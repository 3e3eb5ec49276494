"""Image-to-image translation: images of domain A to images of domain B (and back).

:class:`ImageToImageGAN` is the base class of translators (``translate``);
:class:`ImageToImage` is their task: aligned A|B or unpaired trainA/trainB data in the
reference pix2pix/CycleGAN layouts (:mod:`zoo.data.translation`), held-out paired or
label-preservation metrics (:mod:`zoo.metrics.translation`), input/translation/target previews.
The losses receive ``{"A": ..., "B": ...}`` batches in [-1, 1]; ``image_size`` is the
training crop side, and ``translate`` takes any size (padded to the generator's ``stride``
and cropped back).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import torch
from PIL import Image

from zoo.config import ArchConfig, ImageConfig, bounded
from zoo.data.images import random_data
from zoo.data.translation import PREPROCESS, PairedData, Preprocess, load_translation_data
from zoo.errors import ConfigError, DataError, WeightsError
from zoo.images import as_rgb, from_pil, save_grid, to_pil_list
from zoo.inference.tiling import pad_to_multiple
from zoo.metrics.translation import evaluate_translation
from zoo.models.base import GAN
from zoo.nn.translation import (
    infer_generator_config,
    load_reference_generator,
    read_reference_state,
)
from zoo.tasks.base import EvalRequest, Task

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec

#: the translators an image-to-image task serves (upscalers are translators too)
T = TypeVar("T", bound="ImageToImageGAN")


@dataclasses.dataclass(frozen=True)
class ImageToImageConfig(ImageConfig):
    """Base of the configs of translators: ``image_size`` (the training crop side),
    ``input_nc`` (channels of A) and ``output_nc`` (channels of B)."""

    input_nc: int = bounded(3, 1, 4, "channels of the input A")
    output_nc: int = bounded(3, 1, 4, "channels of the output B")


class ImageToImage(Task[T]):
    name = "image-to-image"
    pipeline_tag = "image-to-image"
    inference_method = "translate"
    command = "translate"
    default_batch = 1
    headline_metrics: ClassVar[tuple[str, ...]] = (
        "fid",
        "psnr",
        "ssim",
        "label_kept_ab",
        "label_kept_ba",
    )
    data_help = (
        "translators: a registered source ('mnist-repair' for pix2pix, 'mnist2digits' for "
        "CycleGAN), a folder with train/ holding A|B side-by-side images (one direction), or a "
        "folder with trainA/ and trainB/ (two directions)"
    )

    def add_data_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument(
            "--direction",
            choices=("AtoB", "BtoA"),
            default="AtoB",
            help="translate A to B (default) or B to A",
        )
        group.add_argument(
            "--preprocess",
            choices=PREPROCESS,
            default="resize_and_crop",
            help="resize to --load-size then random crops of the model's image_size (default); "
            "crop only; scale the width to --load-size [then crop]; or none",
        )
        group.add_argument(
            "--load-size",
            type=int,  # checked by Preprocess, for Python callers too
            default=None,
            help="resize target before cropping (default image_size * 286/256)",
        )
        group.add_argument("--no-flip", action="store_true", help="no random horizontal flips")

    def training_data(
        self, model: T, source: str, options: dict[str, Any], progress: bool = True
    ) -> Any:
        c = model.config
        prep = Preprocess(
            crop_size=c.image_size,
            mode=options.get("preprocess", "resize_and_crop"),
            load_size=options.get("load_size"),
            flip=not options.get("no_flip", False),
            direction=options.get("direction", "AtoB"),
        )
        return load_translation_data(source, model.paired, model.channels("AtoB"), prep)

    def random_training_data(self, model: T, n: int) -> Any:
        """Random aligned pairs (:class:`~zoo.data.translation.PairedData`)."""
        size = model.config.image_size
        channels_a, channels_b = model.channels("AtoB")
        a = random_data(n, channels_a, size, seed=1).images
        b = random_data(n, channels_b, size, seed=2).images
        return PairedData(a, b, "random pairs", size)

    def evaluate(self, model: T, request: EvalRequest) -> dict[str, Any]:
        result = evaluate_translation(model, request.data, progress=request.progress)
        result["seed"] = request.seed  # translation metrics draw nothing at random
        return result

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        return f"{name}: {result['data']}, {result['samples']} images"

    def preview(self, model: T, data: Any, n: int, seed: int) -> tuple[torch.Tensor, int]:
        """Rows of (input A, translation, target B[, B translated back]), for up to ``n``
        fixed examples of ``data`` (its ``examples(n)``)."""
        ex = data.examples(max(1, n // 3))
        a, b = ex["A"] * 0.5 + 0.5, ex["B"] * 0.5 + 0.5
        rows = [a, model.translate(a, "AtoB").cpu(), b]
        if "BtoA" in model.directions:
            rows.append(model.translate(b, "BtoA").cpu())
        if len({r.shape[1] for r in rows}) > 1:  # grayscale next to RGB: show all as RGB
            rows = [as_rgb(r) for r in rows]
        grid = torch.stack(rows, 1).flatten(0, 1)  # example by example
        return grid, len(rows) * 2

    def write_card_image(self, model: T, folder: Path, data: str = "") -> str | None:
        """The preview (:meth:`preview`) of eight held-out examples of ``data`` (a registered
        source or a folder with test/ or testA/ and testB/); no picture without data."""
        if not data:
            return None
        size = model.config.image_size
        prep = Preprocess(size, "resize_and_crop", size, flip=False)
        try:
            channels = model.channels("AtoB")
            examples = load_translation_data(data, model.paired, channels, prep, "test")
        except DataError:  # not a source or folder this model reads: a card without a picture
            return None
        was_training = model.training
        model.eval()
        with torch.no_grad():
            grid, nrow = self.preview(model, examples, 24, seed=0)
        model.train(was_training)
        save_grid(grid, folder / "translated.png", nrow)
        return "translated.png"

    def export_spec(
        self, model: T, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        from zoo.export.graphs import ExportSpec, ImageToImage

        model._check_direction(direction)
        stride = model.stride(direction)
        side = max(2 * stride, 16) + 3  # not a multiple of the stride: the padding is traced
        x = torch.rand(2, model.channels(direction)[0], side, side + stride)
        notes: dict[str, Any] = {"direction": direction, "stride": stride}
        if model.scale != 1:
            notes["scale"] = model.scale
        net = getattr(model, model.directions[direction])
        return ExportSpec(
            ImageToImage(net, stride),
            (x,),
            ["images"],
            ["outputs"],
            {"images": {0: "batch", 2: "height", 3: "width"}},
            notes,
        )

    def usage(self) -> str:
        return "outputs = model.translate(images)  # (N, C, H, W) in [0, 1], or PIL"

    def benchmark_input(
        self, model: T, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        net = getattr(model, model.directions["AtoB"])
        size, channels = model.config.image_size, model.channels("AtoB")[0]
        return net, torch.rand(batch, channels, size, size, device=device) * 2 - 1

    def _inputs(self, model: T, direction: str, n: int, seed: int) -> torch.Tensor:
        channels = model.channels(direction)[0]
        size = model.config.image_size
        return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed))

    def check(self, model: T) -> list[str]:
        size = model.config.image_size
        for direction in model.directions:
            x = self._inputs(model, direction, 2, seed=1)
            out_channels = model.channels(direction)[1]
            a = model.translate(x, direction)
            b = model.translate(x, direction)
            assert a.shape == (2, out_channels, size, size), (
                f"translate({direction}) has shape {tuple(a.shape)}"
            )
            assert a.min() >= 0 and a.max() <= 1, "translate() must return images in [0, 1]"
            assert torch.equal(a, b), f"translate({direction}) is not deterministic in eval mode"
        return ["translate_shape_range_determinism"]

    def check_same_outputs(self, model: T, other: T) -> None:
        for direction in model.directions:
            x = self._inputs(model, direction, 2, seed=3)
            assert torch.equal(
                model.translate(x, direction),
                other.translate(x, direction),
            ), f"translate({direction}) differs after a safetensors round trip"


IMAGE_TO_IMAGE: ImageToImage[ImageToImageGAN] = ImageToImage()


class ImageToImageGAN(GAN):
    """A GAN that translates images. Configs extend :class:`ImageToImageConfig`
    (``image_size``, ``input_nc``: channels of A, ``output_nc``: channels of B); ``directions``
    maps each direction the model can translate to the sub-module that does it. Batches are
    ``{"A": ..., "B": ...}``."""

    task: ClassVar[Task[Any]] = IMAGE_TO_IMAGE
    Config: ClassVar[type[ArchConfig]] = ImageToImageConfig
    config: ImageConfig
    directions: ClassVar[dict[str, str]] = {"AtoB": "generator"}

    @property
    def scale(self) -> int:
        """Output side / input side: 1 for translators (upscalers override it)."""
        return 1

    @property
    def paired(self) -> bool:
        """One direction trains on aligned pairs (pix2pix); two on unpaired domains."""
        return "BtoA" not in self.directions

    @classmethod
    def from_reference_checkpoint(
        cls, paths: list[str | os.PathLike], overrides: dict[str, Any] | None = None
    ) -> ImageToImageGAN:
        """A model (eval mode) holding generators saved by the reference pix2pix/CycleGAN
        code, one file per direction in the order of ``directions`` (``latest_net_G.pth``;
        ``latest_net_G_A.pth latest_net_G_B.pth``). Generator type, channels, width, norm and
        dropout are read off the tensors (:func:`zoo.nn.translation.infer_generator_config`);
        ``overrides``: config values the files do not record (e.g. ``image_size``)."""
        modules = list(cls.directions.values())
        if len(paths) != len(modules):
            raise WeightsError(
                f"{cls.architecture or cls.__name__} holds {len(modules)} generator(s) "
                f"({', '.join(modules)}); got {len(paths)} file(s)"
            )
        states = [read_reference_state(p) for p in paths]
        inferred = [infer_generator_config(s, str(p)) for s, p in zip(states, paths)]
        if len(inferred) == 2:
            a, b = inferred
            same = all(a[k] == b[k] for k in ("generator", "ngf", "norm"))
            if not same or (a["input_nc"], a["output_nc"]) != (b["output_nc"], b["input_nc"]):
                raise WeightsError(
                    f"{paths[0]} and {paths[1]} are not a pair of opposite generators: {a} vs "
                    f"{b} (the second must map the first's output channels back to its input)"
                )
        config = {**cls.reference_config(inferred[0]), **(overrides or {})}
        model = cls(cls.Config.from_dict(config))
        for name, state, path in zip(modules, states, paths):
            load_reference_generator(getattr(model, name), state, str(path))
        return model.eval()

    @classmethod
    def reference_config(cls, inferred: dict[str, Any]) -> dict[str, Any]:
        """Config values for generators read off a reference checkpoint (``inferred``: the
        first generator's type, channels, width, norm and dropout)."""
        return dict(inferred)

    def channels(self, direction: str) -> tuple[int, int]:
        """(input, output) channels of a translation in ``direction``."""
        c = self.config
        if not isinstance(c, ImageToImageConfig):
            raise TypeError(
                f"{type(self).__name__}: its config {type(c).__name__} does not extend "
                "zoo.ImageToImageConfig (input_nc, output_nc); extend it, or override channels()"
            )
        pair = (c.input_nc, c.output_nc)
        return pair if direction == "AtoB" else pair[::-1]

    def translate(
        self,
        images: Any,
        direction: str = "AtoB",
        batch_size: int = 64,
        fast: bool | str = True,
    ) -> Any:
        """Translate ``images``: a float tensor in [0, 1] of shape (N, C, H, W) or (C, H, W)
        (uint8 tensors are read as 0..255), a PIL image or a list of PIL images. Returns the
        same kind: a tensor in [0, 1], a PIL image, a list of PIL images.

        Any size goes in and comes out at its size: sides that are not multiples of the
        generator's :meth:`stride` are reflect-padded at the bottom and right to the next
        multiple and the output cropped back. ``fast`` as in :meth:`UnconditionalGAN.sample`;
        ``fast=False`` is exact fp32.
        """
        self._check_direction(direction)
        x, restore = self._as_batch(images, self.channels(direction)[0])
        self._check_input(x, direction)
        net = self._fast_module(self.directions[direction], fast)
        dtype = next(net.parameters()).dtype
        with torch.inference_mode():
            out = [
                self._run(net, chunk.to(self.device, dtype) * 2 - 1, direction).float()
                for chunk in x.split(batch_size)
            ]
        return restore((torch.cat(out) * 0.5 + 0.5).clamp_(0, 1))

    def _run(self, net: torch.nn.Module, x: torch.Tensor, direction: str) -> torch.Tensor:
        """``net`` on a batch in [-1, 1] of any size: padded to the stride, cropped back."""
        generator = getattr(self, self.directions[direction])
        padded, (h, w) = pad_to_multiple(
            x, self.stride(direction), getattr(generator, "min_side", 1)
        )
        out = net(padded)
        scale = out.shape[-1] // padded.shape[-1]
        return out[..., : h * scale, : w * scale]

    def _check_direction(self, direction: str) -> None:
        if direction not in self.directions:
            valid = ", ".join(self.directions)
            raise ConfigError(
                f"{self.task.inference_method}: direction={direction!r}; "
                f"{self.architecture or type(self).__name__} translates {valid}"
            )

    def _as_batch(self, images: Any, channels: int) -> tuple[torch.Tensor, Any]:
        return image_batch(images, channels, self.task.inference_method)

    def stride(self, direction: str) -> int:
        """Image sides the generator of ``direction`` takes are multiples of this."""
        return getattr(getattr(self, self.directions[direction]), "stride", 1)

    def _check_input(self, x: torch.Tensor, direction: str) -> None:
        want = self.channels(direction)[0]
        if x.shape[1] != want:
            kind = {1: "grayscale", 3: "RGB"}.get(want, f"{want}-channel")
            raise ConfigError(
                f"{self.task.inference_method}: images have {x.shape[1]} channels but "
                f"{self.architecture} {direction} expects {want} ({kind})"
            )


def image_batch(images: Any, channels: int, method: str) -> tuple[torch.Tensor, Any]:
    """``images`` (a float tensor in [0, 1] (N, C, H, W) or (C, H, W), uint8 read as 0..255,
    a PIL image or a list of them) as a float (N, C, H, W) batch in [0, 1], and a function
    that turns an output batch back into the kind that came in. ``method`` names the caller
    in errors."""
    kind = "tensor"
    if isinstance(images, Image.Image):
        kind, images = "pil", from_pil(images, channels)
    elif isinstance(images, (list, tuple)) and images and isinstance(images[0], Image.Image):
        kind, images = "pil-list", from_pil(list(images), channels)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{method}: expected a tensor or PIL image(s), got {type(images).__name__}")
    single = images.ndim == 3
    x = images[None] if single else images
    if x.ndim != 4:
        raise ValueError(f"{method}: expected (N, C, H, W) images, got {tuple(images.shape)}")
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()

    def restore(result: torch.Tensor) -> Any:
        if kind == "pil":
            return to_pil_list(result)[0]
        if kind == "pil-list":
            return to_pil_list(result)
        return result[0] if single else result

    return x, restore
