"""The plugin contract: what an architecture provides, and what the trainer owns.

An architecture is an ``nn.Module`` subclass of :class:`GAN` with

* ``Config``: a frozen :class:`~zoo.config.ArchConfig` dataclass (validated, serialisable);
* its networks as named sub-modules (``generator``, ``discriminator``, ...);
* its objective: :meth:`discriminator_loss` and :meth:`generator_loss` for one batch,
  :meth:`optimizers` (which parameters, which optimizer settings) and the schedule
  ``discriminator_steps`` (n_critic);
* its inference entry: :meth:`UnconditionalGAN.sample` (images in [0, 1]);
* ``inference_modules``: the sub-modules that make up the published weights.

The trainer owns the loop, optimizers, precision, compile, EMA, checkpoints and logging.
Images go into the losses scaled to [-1, 1].
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
from PIL import Image
from torch import nn

from zoo.config import ArchConfig
from zoo.distributed import sharded
from zoo.errors import ConfigError, WeightsError
from zoo.fast import fast_copy


@dataclasses.dataclass
class OptimizerSpec:
    """Which parameters one optimizer updates and how (names follow timm's optimizer factory)."""

    modules: tuple[str, ...]
    opt: str = "adam"
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 0.0


@dataclasses.dataclass
class LossOutput:
    """A loss to minimise plus scalars to log (tensors are fine: read only when logged)."""

    loss: torch.Tensor
    logs: dict[str, torch.Tensor | float] = dataclasses.field(default_factory=dict)


class GAN(nn.Module):
    """Base class of every architecture."""

    Config: ClassVar[type[ArchConfig]] = ArchConfig
    #: "unconditional" (has ``sample``) or "image-to-image" (has ``translate``)
    task: ClassVar[str] = "unconditional"
    #: sub-modules whose weights are published for inference (and averaged by EMA)
    inference_modules: ClassVar[tuple[str, ...]] = ("generator",)
    #: the name under which the architecture is registered (set by the registry)
    architecture: ClassVar[str] = ""
    #: discriminator updates per generator update (n_critic)
    discriminator_steps: ClassVar[int] = 1
    #: sub-modules that ``--compile`` compiles (None: every trained one); leave out those that
    #: need a double backward, which torch.compile cannot differentiate
    compile_modules: ClassVar[tuple[str, ...] | None] = None
    #: which network the trainer updates first in a step: pix2pix and GANs in general update
    #: the discriminator first; CycleGAN updates its generators first and shows the
    #: discriminators the fakes of that update
    update_order: ClassVar[tuple[str, str]] = ("discriminator", "generator")

    def __init__(self, config: ArchConfig | None = None, **overrides: Any) -> None:
        super().__init__()
        if config is None:
            config = self.Config(**overrides)
        elif overrides:
            config = dataclasses.replace(config, **overrides)
        if not isinstance(config, self.Config):
            raise ConfigError(
                f"{type(self).__name__} expects a {self.Config.__name__}, "
                f"got {type(config).__name__}"
            )
        self.config = config

    # -- objective --------------------------------------------------------------------------
    def optimizers(self) -> dict[str, OptimizerSpec]:
        """Optimizer name -> spec. The trainer steps them in the order D, then G."""
        raise NotImplementedError

    def discriminator_loss(self, batch: Any) -> LossOutput:
        raise NotImplementedError

    def generator_loss(self, batch: Any) -> LossOutput:
        raise NotImplementedError

    def preview(self, data: Any, n: int, seed: int) -> tuple[torch.Tensor, int | None]:
        """Images in [0, 1] for the trainer's sample grids, and the grid's row length."""
        raise NotImplementedError

    def loss_of(self, network: str) -> Any:
        """The loss function of ``network`` ("discriminator" or "generator")."""
        return {"discriminator": self.discriminator_loss, "generator": self.generator_loss}[network]

    def update_schedule(self) -> Iterator[tuple[str, bool]]:
        """The updates of one training step as (network, needs a fresh batch): in
        ``update_order``, ``discriminator_steps`` D updates each on a fresh batch and one G
        update; the second network sees the last batch of the first."""
        first = True
        for name in self.update_order:
            repeats = self.discriminator_steps if name == "discriminator" else 1
            for i in range(repeats):
                yield name, first or i > 0
                first = False

    # -- weights ----------------------------------------------------------------------------
    def inference_state_dict(self) -> dict[str, torch.Tensor]:
        """The published weights: state of ``inference_modules``, keys prefixed by module."""
        state = {}
        for name in self.inference_modules:
            for key, value in getattr(self, name).state_dict().items():
                state[f"{name}.{key}"] = value
        return state

    def load_inference_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load published weights, naming every missing, unexpected or mis-shaped key."""
        expected = self.inference_state_dict()
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        shapes = [
            f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
            for k, v in expected.items()
            if k in state and state[k].shape != v.shape
        ]
        problems = []
        if missing:
            problems.append("missing keys: " + ", ".join(missing))
        if unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if shapes:
            problems.append("shape mismatch: " + "; ".join(shapes))
        if problems:
            raise WeightsError(
                f"weights do not fit {self.architecture or type(self).__name__} "
                f"with config {self.config.to_json()}: " + " | ".join(problems)
            )
        for name in self.inference_modules:
            prefix = name + "."
            sub = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
            getattr(self, name).load_state_dict(sub, strict=True)

    def named_inference_modules(self) -> Iterator[tuple[str, nn.Module]]:
        for name in self.inference_modules:
            yield name, getattr(self, name)

    def save_pretrained(self, folder: str | os.PathLike, **card: Any) -> Path:
        """Write config.json, model.safetensors, a model card and a sample image to ``folder``;
        ``zoo.load(folder)`` reads it back. ``card``: metrics, dataset, license,
        training_command, description."""
        from zoo.hub import save_pretrained

        return save_pretrained(self, folder, **card)

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> str:
        """Publish to the Hugging Face Hub (see :func:`zoo.hub.push`); returns the commit sha."""
        from zoo.hub import push

        return push(self, repo_id, **kwargs)

    def _fast_module(self, name: str, fast: bool | str = True) -> nn.Module:
        """Sub-module ``name`` for inference: itself (``fast=False``), or as :func:`fast_copy`
        makes it (``True``, ``"compile"``), cached until a weight changes."""
        module = getattr(self, name)
        if not fast:
            return module
        if fast not in (True, "compile"):
            raise ValueError(f"fast={fast!r}; choose True, False or 'compile'")
        key = (
            fast,
            self.device,
            module.training,
            *((t.data_ptr(), t._version) for t in module.state_dict().values()),
        )
        caches = self.__dict__.setdefault("_fast_cache", {})  # not sub-modules: no state entry
        cached = caches.get(name)
        if cached is None or cached[0] != key:
            copied = fast_copy(module, self.device, compile=fast == "compile")
            cached = caches[name] = (key, copied)
        return cached[1]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def extra_repr(self) -> str:
        return f"architecture={self.architecture!r}, config={self.config.to_json()}"


class UnconditionalGAN(GAN):
    """A GAN that maps latent noise to images. Subclasses set ``generator`` and ``latent_dim``."""

    task: ClassVar[str] = "unconditional"

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim  # type: ignore[attr-defined]

    def latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Standard normal latent codes. With a ``generator`` they are drawn on the CPU, so that
        a seed means the same images on any device."""
        if generator is None:  # training: on the device, this rank's slice of the draw
            return sharded(lambda m: torch.randn(m, self.latent_dim, device=self.device), n)
        return torch.randn(n, self.latent_dim, generator=generator).to(self.device)

    def sample(
        self, n: int, seed: int | None = None, batch_size: int = 256, fast: bool | str = True
    ) -> torch.Tensor:
        """``n`` images as a float tensor (n, C, H, W) in [0, 1]. Same seed, same images.

        ``fast=True`` (the default) runs the fastest settings that stay within
        ``FAST_TOLERANCE`` of fp32 (see :func:`fast_copy`); ``fast="compile"`` also compiles
        them (seconds to a minute once, then faster); ``fast=False`` is exact fp32, the
        same on every machine (``zoo eval`` uses it).
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"sample: n must be a positive integer, got {n!r}")
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        z = self.latent(n, gen)
        generator = self._fast_module("generator", fast)
        dtype = next(generator.parameters()).dtype
        with torch.inference_mode():
            out = [generator(chunk.to(dtype)).float() for chunk in z.split(batch_size)]
        return (torch.cat(out) * 0.5 + 0.5).clamp_(0, 1)

    def preview(self, data: Any, n: int, seed: int) -> tuple[torch.Tensor, int | None]:
        return self.sample(n, seed=seed), None


class ImageToImageGAN(GAN):
    """A GAN that translates images. Configs have ``image_size``, ``input_nc`` (channels of
    A) and ``output_nc`` (channels of B); ``directions`` maps each direction the model can
    translate to the sub-module that does it. Batches are ``{"A": ..., "B": ...}``."""

    task: ClassVar[str] = "image-to-image"
    directions: ClassVar[dict[str, str]] = {"AtoB": "generator"}

    def channels(self, direction: str) -> tuple[int, int]:
        """(input, output) channels of a translation in ``direction``."""
        c = self.config
        pair = (c.input_nc, c.output_nc)  # type: ignore[attr-defined]
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

        Sides must be multiples of the generator's stride (``image_size`` always works).
        ``fast`` as in :meth:`UnconditionalGAN.sample`; ``fast=False`` is exact fp32.
        """
        from zoo.images import from_pil, to_pil_list

        if direction not in self.directions:
            valid = ", ".join(self.directions)
            raise ConfigError(
                f"translate: direction={direction!r}; {self.architecture or type(self).__name__} "
                f"translates {valid}"
            )
        kind = "tensor"
        if isinstance(images, Image.Image) or (
            isinstance(images, (list, tuple)) and images and isinstance(images[0], Image.Image)
        ):
            kind = "pil" if isinstance(images, Image.Image) else "pil-list"
            images = from_pil(images, self.channels(direction)[0])
        if not isinstance(images, torch.Tensor):
            raise TypeError(
                f"translate: expected a tensor or PIL image(s), got {type(images).__name__}"
            )
        single = images.ndim == 3
        x = images[None] if single else images
        if x.ndim != 4:
            raise ValueError(f"translate: expected (N, C, H, W) images, got {tuple(images.shape)}")
        x = x.float() / 255 if x.dtype == torch.uint8 else x.float()
        self._check_input(x, direction)
        name = self.directions[direction]
        net = self._fast_module(name, fast)
        dtype = next(net.parameters()).dtype
        with torch.inference_mode():
            out = [
                net(chunk.to(self.device, dtype) * 2 - 1).float() for chunk in x.split(batch_size)
            ]
        result = (torch.cat(out) * 0.5 + 0.5).clamp_(0, 1)
        if kind == "pil":
            return to_pil_list(result)[0]
        if kind == "pil-list":
            return to_pil_list(result)
        return result[0] if single else result

    def stride(self, direction: str) -> int:
        """Image sides the generator of ``direction`` takes are multiples of this."""
        return getattr(getattr(self, self.directions[direction]), "stride", 1)

    def _check_input(self, x: torch.Tensor, direction: str) -> None:
        want = self.channels(direction)[0]
        if x.shape[1] != want:
            kind = {1: "grayscale", 3: "RGB"}.get(want, f"{want}-channel")
            raise ConfigError(
                f"translate: images have {x.shape[1]} channels but {self.architecture} "
                f"{direction} expects {want} ({kind})"
            )
        stride = self.stride(direction)
        h, w = x.shape[-2:]
        if h % stride or w % stride:
            size = self.config.image_size  # type: ignore[attr-defined]
            raise ConfigError(
                f"translate: images are {w}x{h}; this generator needs sides that are multiples "
                f"of {stride} (resize them, e.g. to its image_size {size})"
            )

    def preview(self, data: Any, n: int, seed: int) -> tuple[torch.Tensor, int | None]:
        """Rows of (input A, translation, target B), for up to ``n`` fixed examples."""
        ex = data.examples(max(1, n // 3))
        a, b = ex["A"] * 0.5 + 0.5, ex["B"] * 0.5 + 0.5
        rows = [a, self.translate(a, "AtoB"), b]
        if "BtoA" in self.directions:
            rows.append(self.translate(b, "BtoA"))
        if len({r.shape[1] for r in rows}) > 1:  # grayscale next to RGB: show all as RGB
            rows = [r.expand(-1, 3, -1, -1) for r in rows]
        grid = torch.stack(rows, 1).flatten(0, 1)  # example by example
        return grid, len(rows) * 2
