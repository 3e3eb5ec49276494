"""Super-resolution: a low-resolution image in, an image ``scale`` times larger out.

:class:`SuperResolutionGAN` is the base class of upscalers (``upscale``; ``translate`` is
the same call, so the image-to-image tooling works on them); :class:`SuperResolution` is their
task: high-resolution photographs downscaled on the fly (:mod:`zoo.data.super_resolution`),
PSNR/SSIM on the Y channel of held-out photographs beside bicubic upscaling
(:mod:`zoo.metrics.super_resolution`), previews of input | bicubic | model | original.
Configs have ``scale`` (2, 4 or 8), ``channels`` and ``image_size``: the side of the
high-resolution training crop (the input crop is ``image_size // scale``). Any input size is
upscaled; large inputs run in overlapping tiles (``tile``), so memory stays bounded.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from zoo.config import ArchConfig, ImageConfig, bounded
from zoo.data.images import random_data, split_source
from zoo.data.photos import photos
from zoo.data.super_resolution import (
    PHOTOS,
    SRData,
    crop_to_scale,
    downscale,
    load_sr_data,
    upscale_bicubic,
)
from zoo.errors import ConfigError, DataError
from zoo.images import save_grid
from zoo.inference.tiling import tiled
from zoo.tasks.base import EvalRequest, Task
from zoo.tasks.image_to_image import ImageToImage, ImageToImageGAN

#: default tile side (low-resolution pixels) of ``upscale``: a 256x256 tile at x4 with
#: a 64-wide network needs about 1 GB of activations
DEFAULT_TILE = 256
#: the smallest side ``upscale`` takes
MIN_SIDE = 4


@dataclasses.dataclass(frozen=True)
class SuperResolutionConfig(ImageConfig):
    """Base of the configs of upscalers: ``image_size`` (the side of the high-resolution
    training crop), ``scale`` and ``channels``."""

    scale: int = bounded(4, 1, 16, "upscaling factor")
    channels: int = bounded(3, 1, 4, "image channels")


class SuperResolution(ImageToImage["SuperResolutionGAN"]):
    name = "super-resolution"
    pipeline_tag = "image-to-image"
    inference_method = "upscale"
    command = "upscale"
    default_batch = 1
    headline_metrics = ("psnr_y", "ssim_y", "bicubic_psnr_y")
    evaluates_training_folder = True
    data_help = (
        "upscalers: 'photos' (the colour photographs scikit-image and scikit-learn ship; "
        "astronaut, chelsea and flower held out for testing) or a folder of high-resolution "
        "images (its train/ and test/ if present); low-resolution inputs are made by "
        "antialiased bicubic downscaling"
    )

    def add_data_arguments(self, group: argparse._ArgumentGroup) -> None:
        """None: crops, flips and rotations follow from the model's image_size and scale."""

    def training_data(
        self, model: SuperResolutionGAN, source: str, options: dict[str, Any], progress: bool = True
    ) -> SRData:
        name, split = split_source(source, (PHOTOS,))
        c = model.config
        data = load_sr_data(name, c.image_size, c.scale, split or "train")
        data.degradation = type(model).training_degradation  # a staticmethod or None
        return data

    def random_training_data(self, model: SuperResolutionGAN, n: int) -> SRData:
        c = model.config
        hr = list(random_data(n, c.channels, c.image_size, seed=1).images)
        lr = [downscale(t[None], c.scale)[0] for t in hr]
        names = [f"random {i}" for i in range(n)]
        data = SRData(hr, lr, names, "random images", c.image_size, c.scale)
        data.degradation = type(model).training_degradation
        return data

    def default_eval_data(self) -> str | None:
        return PHOTOS

    def evaluate(self, model: SuperResolutionGAN, request: EvalRequest) -> dict[str, Any]:
        from zoo.metrics.super_resolution import evaluate_super_resolution

        result = evaluate_super_resolution(model, request.data, progress=request.progress)
        result["seed"] = request.seed  # nothing is drawn at random
        return result

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        return f"{name}: {result['data']}, {result['samples']} held-out images"

    def preview(
        self, model: SuperResolutionGAN, data: Any, n: int, seed: int
    ) -> tuple[torch.Tensor, int]:
        """Rows of (input enlarged with nearest neighbours, bicubic, model, original)."""
        ex = data.examples(max(1, n // 4))
        a, b = ex["A"] * 0.5 + 0.5, ex["B"] * 0.5 + 0.5
        s = model.config.scale
        rows = [
            F.interpolate(a, scale_factor=s, mode="nearest"),
            upscale_bicubic(a, s),
            model.upscale(a).cpu(),
            b,
        ]
        return torch.stack(rows, 1).flatten(0, 1), 8

    def comparison(self, model: SuperResolutionGAN, crop: int = 48) -> torch.Tensor:
        """Held-out photographs' centre crops (``crop`` low-resolution pixels): rows of
        bicubic | model | original, each ``scale * crop`` pixels wide (cards, README)."""
        s = model.config.scale
        rows = []
        for _, photo in photos("test"):
            hr = crop_to_scale(photo, s)[None].float() / 255
            h, w = hr.shape[-2:]
            side = crop * s
            top, left = (h - side) // 2 // s * s, (w - side) // 2 // s * s
            hr = hr[..., top : top + side, left : left + side]
            lr = downscale(hr, s).clamp(0, 1)
            rows += [upscale_bicubic(lr, s), model.upscale(lr, fast=False).cpu(), hr]
        return torch.cat(rows)

    def write_card_image(
        self, model: SuperResolutionGAN, folder: Path, data: str = ""
    ) -> str | None:
        try:
            pictures = self.comparison(model)
        except DataError:  # scikit-image/scikit-learn absent: a card without a picture
            return None
        save_grid(pictures, folder / "upscaled.png", nrow=3)
        return "upscaled.png"

    def card_notes(self, model: SuperResolutionGAN) -> str:
        return (
            "The picture shows bicubic | this model | the original on held-out photographs "
            "that scikit-image (astronaut, chelsea: public domain) and scikit-learn (flower, "
            "CC-BY 2.0) ship."
        )

    def usage(self) -> str:
        return "big = model.upscale(image)  # PIL image or (N, C, H, W) in [0, 1]; any size"

    def benchmark_input(
        self, model: SuperResolutionGAN, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        c = model.config
        side = c.image_size // c.scale
        return model.generator, torch.rand(batch, c.channels, side, side, device=device) * 2 - 1

    def _inputs(self, model: SuperResolutionGAN, direction: str, n: int, seed: int) -> torch.Tensor:
        c = model.config
        gen = torch.Generator().manual_seed(seed)
        return torch.rand(n, c.channels, 13, 17, generator=gen)

    def check(self, model: SuperResolutionGAN) -> list[str]:
        c = model.config
        s = c.scale
        x = self._inputs(model, "AtoB", 2, seed=1)
        a, b = model.upscale(x), model.upscale(x)
        want = (2, c.channels, 13 * s, 17 * s)
        assert a.shape == want, (
            f"upscale() of (2, {c.channels}, 13, 17) inputs has shape {tuple(a.shape)}; "
            f"expected {want} (scale {s})"
        )
        assert a.min() >= 0 and a.max() <= 1, "upscale() must return images in [0, 1]"
        assert torch.equal(a, b), "upscale() is not deterministic in eval mode"
        big = torch.rand(1, c.channels, 40, 36, generator=torch.Generator().manual_seed(2))
        whole = model.upscale(big, fast=False, tile=None)
        tiles = model.upscale(big, fast=False, tile=16)
        gap = float((whole - tiles).abs().max())
        assert gap <= 1e-4, (
            f"upscale() in 16-pixel tiles differs from the whole image by {gap:.2g}; the "
            "generator's receptive_radius must cover how far its output pixels see"
        )
        return ["upscale_shape_range_determinism", "tiled_equals_whole"]


SUPER_RESOLUTION = SuperResolution()


class SuperResolutionGAN(ImageToImageGAN):
    """A GAN that upscales images by ``config.scale``. Its ``generator`` maps (N, C, h, w)
    in [-1, 1] to (N, C, scale*h, scale*w) and has a ``receptive_radius``: how many input
    pixels each output pixel depends on, each side (tiles overlap by that much), and
    optionally ``multiple``: the sides it works on (tiles start on that grid).
    Batches are ``{"A": low-res, "B": high-res}``."""

    task: ClassVar[Task[Any]] = SUPER_RESOLUTION
    Config: ClassVar[type[ArchConfig]] = SuperResolutionConfig
    config: SuperResolutionConfig
    directions: ClassVar[dict[str, str]] = {"AtoB": "generator"}
    generator: torch.nn.Module
    #: how training inputs are made from high-resolution crops (float (N, C, H, W) in
    #: [0, 1], the scale, a generator for the draws); None: antialiased bicubic downscaling.
    #: Real-ESRGAN's: :func:`zoo.data.degradations.second_order`
    training_degradation: ClassVar[
        Callable[[torch.Tensor, int, torch.Generator], torch.Tensor] | None
    ] = None

    @property
    def scale(self) -> int:
        return self.config.scale

    def channels(self, direction: str = "AtoB") -> tuple[int, int]:
        c = self.config.channels
        return c, c

    def upscale(
        self,
        images: Any,
        tile: int | None = DEFAULT_TILE,
        batch_size: int = 16,
        fast: bool | str = True,
    ) -> Any:
        """Upscale ``images`` (a float tensor in [0, 1] (N, C, H, W) or (C, H, W), uint8
        tensors read as 0..255, a PIL image or a list of them) of any size by ``scale``.
        Inputs larger than ``tile`` low-resolution pixels run in overlapping tiles (memory
        stays bounded; the result equals the untiled one); ``tile=None`` never tiles.
        ``fast`` as in :meth:`UnconditionalGAN.sample`; ``fast=False`` is exact fp32."""
        x, restore = self._as_batch(images, self.channels()[0])
        self._check_input(x, "AtoB")
        if min(x.shape[-2:]) < MIN_SIDE:
            raise DataError(
                f"upscale: images are {x.shape[-1]}x{x.shape[-2]}; the smallest side "
                f"{self.architecture or type(self).__name__} takes is {MIN_SIDE} pixels"
            )
        if tile is not None and tile < MIN_SIDE:
            raise ConfigError(f"upscale: tile={tile}; give at least {MIN_SIDE} pixels, or None")
        net = self._fast_module("generator", fast)
        dtype = next(net.parameters()).dtype
        multiple = int(getattr(self.generator, "multiple", 1))  # a pixel-unshuffle's grid
        if tile is not None and tile % multiple:
            tile += multiple - tile % multiple
        overlap = 0  # asked of the generator only where there are tiles (it may be measured)
        if tile is not None and max(x.shape[-2:]) > tile:
            overlap = int(getattr(self.generator, "receptive_radius", 32))

        def run(chunk: torch.Tensor) -> torch.Tensor:
            out = net(chunk.to(self.device, dtype) * 2 - 1).float()
            return (out * 0.5 + 0.5).clamp_(0, 1).to(x.device)

        with torch.inference_mode():
            out = [tiled(run, chunk, self.scale, tile, overlap) for chunk in x.split(batch_size)]
        return restore(out[0] if len(out) == 1 else torch.cat(out))  # no copy of one chunk

    def translate(
        self,
        images: Any,
        direction: str = "AtoB",
        batch_size: int = 16,
        fast: bool | str = True,
    ) -> Any:
        """:meth:`upscale` (``direction`` is AtoB, the only one)."""
        self._check_direction(direction)
        return self.upscale(images, batch_size=batch_size, fast=fast)
