"""Face restoration: a degraded face crop in, the restored face out.

:class:`FaceRestorationGAN` is the base class of face restorers (``restore``; ``translate``
is the same call, so the image-to-image tooling works on them); :class:`FaceRestoration` is
their task: aligned face crops degraded on the fly (:mod:`zoo.data.faces`), PSNR/SSIM/L1 of
restored faces beside the degraded inputs (:mod:`zoo.metrics.face_restoration`), previews of
degraded | restored | original. A face restorer works at one face side, ``image_size`` (512
for GFPGAN): inputs of any size are resized to it, and come back at it or, with
``keep_size``, at their own size. Inputs are aligned crops (one face, centred, eyes level,
as FFHQ's); finding and aligning faces in a photograph is not part of the zoo.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from zoo.config import ArchConfig, ImageConfig, bounded
from zoo.data.degradations import degrade
from zoo.data.faces import FACES, FaceData, load_face_data, resize
from zoo.data.images import random_data
from zoo.errors import ConfigError, DataError
from zoo.images import save_grid
from zoo.tasks.base import EvalRequest, Task
from zoo.tasks.image_to_image import ImageToImage, ImageToImageGAN

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec


@dataclasses.dataclass(frozen=True)
class FaceRestorationConfig(ImageConfig):
    """Base of the configs of face restorers: ``image_size`` (the face side the network
    restores at) and ``channels``."""

    channels: int = bounded(3, 1, 4, "image channels")


class FaceRestoration(ImageToImage["FaceRestorationGAN"]):
    name = "face-restoration"
    pipeline_tag = "image-to-image"
    inference_method = "restore"
    command = "restore"
    default_batch = 1
    headline_metrics = ("psnr", "ssim", "degraded_psnr")
    evaluates_training_folder = True
    data_help = (
        "face restorers: a folder of aligned face crops (FFHQ-style: one face, centred, eyes "
        "level; its train/ and test/ if present), degraded on the fly as GFPGAN degrades "
        "them; 'faces' (the astronaut's face, the one face of the offline photographs) for "
        "zoo eval"
    )

    def add_data_arguments(self, group: argparse._ArgumentGroup) -> None:
        """None: sizes follow from the model's image_size."""

    def training_data(
        self, model: FaceRestorationGAN, source: str, options: dict[str, Any], progress: bool = True
    ) -> FaceData:
        c = model.config
        return load_face_data(source, c.image_size, c.channels, "train")

    def random_training_data(self, model: FaceRestorationGAN, n: int) -> FaceData:
        c = model.config
        faces = [t.float() / 255 for t in random_data(n, c.channels, c.image_size, seed=1).images]
        return FaceData(faces, [f"random {i}" for i in range(n)], "random images", c.image_size)

    def default_eval_data(self) -> str | None:
        return FACES

    def evaluate(self, model: FaceRestorationGAN, request: EvalRequest) -> dict[str, Any]:
        from zoo.metrics.face_restoration import evaluate_face_restoration

        return evaluate_face_restoration(model, request.data, request.seed, request.progress)

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        return (
            f"{name}: {result['data']}, {result['faces']} face(s) degraded "
            f"{result['samples'] // max(1, result['faces'])} ways (seed {result['seed']})"
        )

    def preview(
        self, model: FaceRestorationGAN, data: Any, n: int, seed: int
    ) -> tuple[torch.Tensor, int]:
        """Rows of (degraded, restored, original)."""
        ex = data.examples(max(1, n // 3), seed)
        a, b = ex["A"] * 0.5 + 0.5, ex["B"] * 0.5 + 0.5
        return torch.stack([a, model.restore(a).cpu(), b], 1).flatten(0, 1), 6

    def comparison(self, model: FaceRestorationGAN, n: int = 3) -> torch.Tensor:
        """The held-out face degraded ``n`` ways (seed 0): rows of degraded | restored |
        original (cards, README)."""
        c = model.config
        face = load_face_data(FACES, c.image_size, c.channels, "test").faces[0]
        clean = face[None].expand(n, -1, -1, -1)
        degraded = degrade(clean, torch.Generator().manual_seed(0))
        restored = model.restore(degraded, fast=False).cpu()
        return torch.stack([degraded, restored, clean], 1).flatten(0, 1)

    def write_card_image(
        self, model: FaceRestorationGAN, folder: Path, data: str = ""
    ) -> str | None:
        try:
            pictures = self.comparison(model)
        except DataError:  # scikit-image absent: a card without a picture
            return None
        save_grid(pictures, folder / "restored.png", nrow=3)
        return "restored.png"

    def card_notes(self, model: FaceRestorationGAN) -> str:
        return (
            "The picture shows degraded | this model | the original: the astronaut's face "
            "(scikit-image, public domain) degraded as GFPGAN's training degrades faces (blur, "
            "downscaling, noise, JPEG). Inputs are aligned face crops; finding and aligning "
            "faces in a photograph is left to a face detector."
        )

    def export_spec(
        self, model: FaceRestorationGAN, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        from zoo.export.graphs import ExportSpec, ImageToImage

        model._check_direction(direction)
        c = model.config
        x = torch.rand(1, c.channels, c.image_size, c.image_size)
        return ExportSpec(
            ImageToImage(model.generator, 1),
            (x,),
            ["images"],
            ["outputs"],
            {},  # batch 1: GFPGAN's modulated convolutions group by the batch
            {"face_size": c.image_size, "inputs": "one aligned face crop at face_size"},
        )

    def usage(self) -> str:
        return (
            "face = model.restore(image)  # an aligned face crop, PIL or (N, C, H, W) in "
            "[0, 1]; comes back at the model's face side (keep_size=True: at its own)"
        )

    def _inputs(self, model: FaceRestorationGAN, direction: str, n: int, seed: int) -> torch.Tensor:
        c = model.config
        gen = torch.Generator().manual_seed(seed)
        return torch.rand(n, c.channels, 13, 17, generator=gen)

    def check(self, model: FaceRestorationGAN) -> list[str]:
        c = model.config
        x = self._inputs(model, "AtoB", 2, seed=1)
        a, b = model.restore(x), model.restore(x)
        want = (2, c.channels, c.image_size, c.image_size)
        assert a.shape == want, (
            f"restore() of (2, {c.channels}, 13, 17) inputs has shape {tuple(a.shape)}; "
            f"expected {want} (the face side, image_size)"
        )
        assert a.min() >= 0 and a.max() <= 1, "restore() must return images in [0, 1]"
        assert torch.equal(a, b), "restore() is not deterministic in eval mode"
        kept = model.restore(x, keep_size=True)
        assert kept.shape == x.shape, (
            f"restore(keep_size=True) of {tuple(x.shape)} gives {tuple(kept.shape)}"
        )
        return ["restore_shape_range_determinism", "restore_keep_size"]


FACE_RESTORATION = FaceRestoration()


class FaceRestorationGAN(ImageToImageGAN):
    """A GAN that restores aligned face crops at one face side, ``config.image_size``. Its
    ``generator`` maps (N, C, S, S) in [-1, 1] to the same shape (S = image_size). Batches
    are ``{"A": degraded, "B": clean}``."""

    task: ClassVar[Task[Any]] = FACE_RESTORATION
    Config: ClassVar[type[ArchConfig]] = FaceRestorationConfig
    config: FaceRestorationConfig
    directions: ClassVar[dict[str, str]] = {"AtoB": "generator"}
    generator: torch.nn.Module

    @property
    def face_size(self) -> int:
        """The side faces are restored at."""
        return self.config.image_size

    def channels(self, direction: str = "AtoB") -> tuple[int, int]:
        c = self.config.channels
        return c, c

    def restore(
        self,
        images: Any,
        keep_size: bool = False,
        batch_size: int = 4,
        fast: bool | str = True,
    ) -> Any:
        """Restore aligned face crops ``images`` (a float tensor in [0, 1] (N, C, H, W) or
        (C, H, W), uint8 read as 0..255, a PIL image or a list of them) of any size: resized
        to :attr:`face_size` (antialiased bicubic), restored, and returned at that side or,
        with ``keep_size``, resized back to their own. ``fast`` as in
        :meth:`UnconditionalGAN.sample`; ``fast=False`` is exact fp32."""
        x, back = self._as_batch(images, self.channels()[0])
        self._check_input(x, "AtoB")
        if min(x.shape[-2:]) < 4:
            raise DataError(f"restore: images are {x.shape[-1]}x{x.shape[-2]}; give a face crop")
        if batch_size < 1:
            raise ConfigError(f"restore: batch_size={batch_size}; give at least 1")
        net = self._fast_module("generator", fast)
        dtype = next(net.parameters()).dtype
        side = self.face_size
        outs = []
        with torch.inference_mode():
            for chunk in x.split(batch_size):
                face = resize(chunk.to(self.device), side).to(dtype) * 2 - 1
                out = (net(face).float() * 0.5 + 0.5).clamp_(0, 1)
                if keep_size:
                    out = torch.nn.functional.interpolate(
                        out, size=chunk.shape[-2:], mode="bicubic", antialias=True
                    ).clamp_(0, 1)
                outs.append(out.to(x.device))
        return back(torch.cat(outs))

    def translate(
        self,
        images: Any,
        direction: str = "AtoB",
        batch_size: int = 4,
        fast: bool | str = True,
    ) -> Any:
        """:meth:`restore` (``direction`` is AtoB, the only one)."""
        self._check_direction(direction)
        return self.restore(images, batch_size=batch_size, fast=fast)
