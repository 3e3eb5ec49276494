"""Inpainting: an image and a mask of its hole in, the image with the hole filled out.

:class:`InpaintingGAN` is the base class of inpainters (``inpaint(images, masks)``);
:class:`Inpainting` is their task: photographs, registered image sources or folders with
``masks/`` (or random free-form holes, :mod:`zoo.data.inpainting`), PSNR and L1 inside the
hole, SSIM and FID of the filled images beside a diffusion fill (:mod:`zoo.metrics.inpainting`),
previews of input | filled | original. Configs have ``channels`` and ``image_size`` (the
training crop side); any size is inpainted (padded to the generator's ``stride``, cropped
back). The generator's input and output are those of :mod:`zoo.masks`; pixels
outside the hole are always returned as they came in.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from PIL import Image

from zoo.config import ArchConfig, ImageConfig, bounded
from zoo.data.images import random_data
from zoo.data.inpainting import PHOTOS, InpaintingData, load_inpainting_data, mask_from_pil
from zoo.errors import ConfigError, DataError
from zoo.images import save_grid
from zoo.inference.tiling import pad_to_multiple
from zoo.masks import composite, masked_input
from zoo.models.base import GAN
from zoo.tasks.base import EvalRequest, Task
from zoo.tasks.image_to_image import image_batch

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec

#: the mask colour of previews: the hole as a person sees it
HOLE_COLOUR = (1.0, 1.0, 1.0)


@dataclasses.dataclass(frozen=True)
class InpaintingConfig(ImageConfig):
    """Base of the configs of inpainters: ``image_size`` (the training crop side) and
    ``channels``."""

    channels: int = bounded(3, 1, 4, "image channels")


def mask_batch(masks: Any, n: int, height: int, width: int) -> torch.Tensor:
    """``masks`` as float 0/1 (n, 1, H, W), 1 = hole: PIL image(s) or tensors (H, W),
    (N, H, W) or (N, 1, H, W); white (above 127) in PIL and uint8 masks, above 0.5 in float
    ones, True in bool ones is the hole. One mask serves every image."""
    if isinstance(masks, Image.Image):
        masks = [masks]
    if isinstance(masks, (list, tuple)) and masks and isinstance(masks[0], Image.Image):
        read = [mask_from_pil(m) for m in masks]
        if len({m.shape for m in read}) > 1:
            raise DataError("inpaint: the masks have different sizes")
        masks = torch.stack(read)
    if not isinstance(masks, torch.Tensor):
        raise TypeError(f"inpaint: masks must be a tensor or PIL image(s), not {type(masks)}")
    m = masks.detach().cpu()
    m = m[None, None] if m.ndim == 2 else m[:, None] if m.ndim == 3 else m
    if m.ndim != 4 or m.shape[1] != 1:
        raise DataError(
            f"inpaint: masks of shape {tuple(masks.shape)}; give (H, W), (N, H, W) or (N, 1, H, W)"
        )
    if m.dtype == torch.bool:
        m = m.float()
    elif m.dtype == torch.uint8:
        m = (m > 127).float()
    else:
        m = (m.float() > 0.5).float()
    if m.shape[-2:] != (height, width):
        raise DataError(
            f"inpaint: masks are {m.shape[-1]}x{m.shape[-2]} but the images are "
            f"{width}x{height}; a mask must have its image's size"
        )
    if m.shape[0] not in (1, n):
        raise DataError(f"inpaint: {m.shape[0]} masks for {n} images; give one or {n}")
    return m.expand(n, -1, -1, -1)


def show_holes(images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """``images`` in [0, 1] with their holes painted :data:`HOLE_COLOUR` (previews)."""
    colour = torch.tensor(HOLE_COLOUR)[: images.shape[1]].view(1, -1, 1, 1)
    return images * (1 - masks) + colour * masks


class Inpainting(Task["InpaintingGAN"]):
    name = "inpainting"
    pipeline_tag = "image-to-image"
    inference_method = "inpaint"
    command = "inpaint"
    default_batch = 1
    headline_metrics = ("hole_psnr", "diffusion_hole_psnr", "fid", "ssim")
    evaluates_training_folder = True
    data_help = (
        "inpainters: 'photos' (the colour photographs scikit-image and scikit-learn ship; "
        "astronaut, chelsea and flower held out for testing), a registered source of images "
        "('emoji', ...) or a folder of images (its train/ and test/ if present) with masks/ "
        "of the same stems (white = hole); without masks, random free-form holes"
    )

    def training_data(
        self, model: InpaintingGAN, source: str, options: dict[str, Any], progress: bool = True
    ) -> InpaintingData:
        c = model.config
        return load_inpainting_data(source, c.image_size, c.channels, "train")

    def random_training_data(self, model: InpaintingGAN, n: int) -> InpaintingData:
        c = model.config
        images = list(random_data(n, c.channels, c.image_size, seed=1).images)
        return InpaintingData(
            images, None, [f"random {i}" for i in range(n)], "random images", c.image_size
        )

    def default_eval_data(self) -> str | None:
        return PHOTOS

    def evaluate(self, model: InpaintingGAN, request: EvalRequest) -> dict[str, Any]:
        from zoo.metrics.inpainting import evaluate_inpainting

        return evaluate_inpainting(model, request.data, request.seed, request.features)

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        return (
            f"{name}: {result['data']}, {result['samples']} held-out crops of "
            f"{result['side']} pixels, masks of seed {result['seed']}"
        )

    def preview(
        self, model: InpaintingGAN, data: Any, n: int, seed: int
    ) -> tuple[torch.Tensor, int]:
        """Rows of (image with its hole shown, filled, original)."""
        ex = data.examples(max(1, n // 3), seed)
        images, masks = ex["A"] * 0.5 + 0.5, ex["mask"]
        filled = model.inpaint(images, masks).cpu()
        return torch.stack([show_holes(images, masks), filled, images], 1).flatten(0, 1), 6

    def comparison(self, model: InpaintingGAN, n: int = 6, side: int = 128) -> torch.Tensor:
        """``n`` held-out photograph crops of ``side`` pixels: rows of holed | filled |
        original (cards, README)."""
        data = load_inpainting_data(PHOTOS, side, model.config.channels, "test")
        crops = data.crops(side)
        pick = torch.linspace(0, len(crops["A"]) - 1, n).round().long()
        images, masks = crops["A"][pick], crops["mask"][pick]
        filled = model.inpaint(images, masks, fast=False).cpu()
        return torch.stack([show_holes(images, masks), filled, images], 1).flatten(0, 1)

    def write_card_image(self, model: InpaintingGAN, folder: Path, data: str = "") -> str | None:
        try:
            pictures = self.comparison(model)
        except DataError:  # scikit-image/scikit-learn absent: a card without a picture
            return None
        save_grid(pictures, folder / "inpainted.png", nrow=6)
        return "inpainted.png"

    def card_notes(self, model: InpaintingGAN) -> str:
        return (
            "The picture shows the hole (white) | this model's fill | the original on crops of "
            "held-out photographs that scikit-image (astronaut, chelsea: public domain) and "
            "scikit-learn (flower, CC-BY 2.0) ship, with random free-form holes."
        )

    def export_spec(
        self, model: InpaintingGAN, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        from zoo.export.graphs import ExportSpec, Inpainter

        stride = model.stride
        side = max(2 * stride, 16) + 3  # not a multiple of the stride: the padding is traced
        gen = torch.Generator().manual_seed(0)
        x = torch.rand(2, model.config.channels, side, side + stride, generator=gen)
        m = (torch.rand(2, 1, side, side + stride, generator=gen) > 0.7).float()
        return ExportSpec(
            Inpainter(model.generator, stride),
            (x, m),
            ["images", "masks"],
            ["inpainted"],
            {
                "images": {0: "batch", 2: "height", 3: "width"},
                "masks": {0: "batch", 2: "height", 3: "width"},
            },
            {"stride": stride, "masks": "1 = hole, 0 = kept; (N, 1, H, W) float"},
        )

    def usage(self) -> str:
        return (
            "filled = model.inpaint(images, masks)  # masks: 1 (white) = hole; any size; "
            "PIL or tensors in [0, 1]"
        )

    def benchmark_input(
        self, model: InpaintingGAN, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        from zoo.data.inpainting import free_form_mask

        c = model.config
        size = c.image_size
        images = torch.rand(batch, c.channels, size, size, device=device) * 2 - 1
        masks = free_form_mask(size, size, 0).to(device).expand(batch, 1, -1, -1)
        return model.generator, masked_input(images, masks)

    def _inputs(self, model: InpaintingGAN, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        from zoo.data.inpainting import free_form_mask

        gen = torch.Generator().manual_seed(seed)
        images = torch.rand(2, model.config.channels, 30, 45, generator=gen)
        return images, free_form_mask(30, 45, seed)

    def check(self, model: InpaintingGAN) -> list[str]:
        images, mask = self._inputs(model, 1)
        a, b = model.inpaint(images, mask), model.inpaint(images, mask)
        assert a.shape == images.shape, (
            f"inpaint() of {tuple(images.shape)} images gives {tuple(a.shape)}; expected the "
            "images' shape (any input size)"
        )
        assert a.min() >= 0 and a.max() <= 1, "inpaint() must return images in [0, 1]"
        assert torch.equal(a, b), "inpaint() is not deterministic in eval mode"
        kept = mask == 0
        assert torch.equal(a[..., kept], images[..., kept]), (
            "inpaint() changed pixels outside the hole"
        )
        hidden = images.clone()
        hidden[..., mask == 1] = 1 - hidden[..., mask == 1]
        assert torch.equal(model.inpaint(hidden, mask), a), (
            "inpaint() depends on the pixels under the hole; the generator must see only "
            "zoo.masks.masked_input"
        )
        return ["inpaint_shape_range_determinism", "kept_pixels_and_hidden_hole"]

    def check_same_outputs(self, model: InpaintingGAN, other: InpaintingGAN) -> None:
        images, mask = self._inputs(model, 3)
        assert torch.equal(model.inpaint(images, mask), other.inpaint(images, mask)), (
            "inpaint() differs after a safetensors round trip"
        )


INPAINTING = Inpainting()


class InpaintingGAN(GAN):
    """A GAN whose generator fills holes: :func:`zoo.masks.masked_input` (N, C + 1,
    H, W) in [-1, 1] -> images (N, C, H, W) in [-1, 1]; it may have ``stride`` (the sides it
    takes are multiples of it) and ``min_side``. Batches are ``{"A": images in [-1, 1],
    "mask": (N, 1, H, W) float, 1 = hole}``."""

    task: ClassVar[Task[Any]] = INPAINTING
    Config: ClassVar[type[ArchConfig]] = InpaintingConfig
    config: InpaintingConfig
    generator: torch.nn.Module

    @property
    def stride(self) -> int:
        return int(getattr(self.generator, "stride", 1))

    def inpaint(
        self, images: Any, masks: Any, batch_size: int = 16, fast: bool | str = True
    ) -> Any:
        """Fill the holes of ``images`` (a float tensor in [0, 1] (N, C, H, W) or (C, H, W),
        uint8 read as 0..255, a PIL image or a list of them) of any size where ``masks`` says
        (see :func:`mask_batch`; one mask serves every image). Returns the kind that came in,
        with every pixel outside the hole unchanged. ``fast`` as in
        :meth:`UnconditionalGAN.sample`; ``fast=False`` is exact fp32."""
        c = self.config
        x, restore = image_batch(images, c.channels, "inpaint")
        if x.shape[1] != c.channels:
            raise ConfigError(
                f"inpaint: images have {x.shape[1]} channels but {self.architecture} expects "
                f"{c.channels}"
            )
        m = mask_batch(masks, x.shape[0], *x.shape[-2:])
        net = self._fast_module("generator", fast)
        dtype = next(net.parameters()).dtype
        min_side = getattr(self.generator, "min_side", 1)
        outs = []
        with torch.inference_mode():
            for chunk, hole in zip(x.split(batch_size), m.split(batch_size)):
                chunk, hole = chunk.to(self.device), hole.to(self.device)
                padded, (h, w) = pad_to_multiple(
                    masked_input(chunk * 2 - 1, hole), self.stride, min_side
                )
                out = net(padded.to(dtype))[..., :h, :w].float()
                filled = composite((out * 0.5 + 0.5).clamp(0, 1), chunk, hole)
                outs.append(filled.to(x.device))
        return restore(torch.cat(outs))
