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

import copy
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from zoo.config import ArchConfig
from zoo.distributed import sharded
from zoo.errors import ConfigError, WeightsError


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
        self, n: int, seed: int | None = None, batch_size: int = 256, fast: bool = True
    ) -> torch.Tensor:
        """``n`` images as a float tensor (n, C, H, W) in [0, 1]. Same seed, same images.

        ``fast=True`` (the default) runs the fastest settings that stay within
        ``FAST_TOLERANCE`` of fp32 (see :func:`fast_copy`); ``fast=False`` is exact fp32, the
        same on every machine (``zoo eval`` uses it).
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"sample: n must be a positive integer, got {n!r}")
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        z = self.latent(n, gen)
        generator = self._fast_generator() if fast else self.generator
        dtype = next(generator.parameters()).dtype
        with torch.inference_mode():
            out = [generator(chunk.to(dtype)).float() for chunk in z.split(batch_size)]
        return (torch.cat(out) * 0.5 + 0.5).clamp_(0, 1)

    def _fast_generator(self) -> nn.Module:
        """The generator as :func:`fast_copy` makes it, cached until a weight changes."""
        gen = self.generator  # type: ignore[attr-defined]
        key = (
            self.device,
            gen.training,
            *((t.data_ptr(), t._version) for t in gen.state_dict().values()),
        )
        cached = self.__dict__.get("_fast_cache")
        if cached is None or cached[0] != key:
            cached = (key, fast_copy(gen, self.device))
            self.__dict__["_fast_cache"] = cached  # not a sub-module: no state_dict entry
        return cached[1]


#: largest per-pixel difference from fp32 (images in [0, 1]) that the fast path may introduce;
#: tests/test_fast_path.py checks every shipped model against it
FAST_TOLERANCE = 0.05


def bf16_is_fast(device: torch.device) -> bool:
    """bf16 math is native here: a CUDA GPU with bf16, or a CPU with AVX512-BF16/AMX."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def fast_copy(module: nn.Module, device: torch.device) -> nn.Module:
    """A copy of ``module`` for fast inference: bf16 weights where bf16 is native, in
    channels_last layout for convolutional networks (measured 3.1x over eager fp32 for DCGAN
    at 64x64, batch 64, on an AVX512-BF16 CPU: docs/benchmarks.md). The module itself where
    bf16 is not native."""
    if not bf16_is_fast(device):
        return module
    fast = copy.deepcopy(module).to(torch.bfloat16)
    if any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in fast.modules()):
        fast = fast.to(memory_format=torch.channels_last)
    return fast.train(module.training)
