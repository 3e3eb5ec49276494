"""Latent codes of generators: standard normal draws, reproducible by seed on any device,
and the truncation trick (Brock et al., 2019, BigGAN: values beyond a threshold are drawn
again, trading variety for fidelity)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
from torch import nn

from zoo.config import ArchConfig, ImageConfig, bounded
from zoo.constants import MIN_TRUNCATION
from zoo.errors import ConfigError
from zoo.models.base import GAN
from zoo.train.distributed import sharded


def truncated_normal(
    n: int, dim: int, threshold: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """(n, dim) standard normal values with every one beyond ``±threshold`` drawn again (on
    the CPU with ``generator``), so the codes follow the truncated normal. ``threshold`` is
    at least :data:`~zoo.constants.MIN_TRUNCATION` (where 4% of draws land inside, so a
    million values take about 350 rounds)."""
    if not MIN_TRUNCATION <= threshold < float("inf"):
        raise ConfigError(
            f"truncation={threshold!r}: give a number >= {MIN_TRUNCATION} (e.g. 0.5-2)"
        )
    z = torch.randn(n, dim, generator=generator)
    while True:
        outside = z.abs() > threshold
        count = int(outside.sum())
        if not count:
            return z
        z[outside] = torch.randn(count, generator=generator)


@dataclasses.dataclass(frozen=True)
class GeneratorConfig(ImageConfig):
    """Base of the configs of generators (unconditional and class-conditional): the images'
    ``image_size`` and ``channels``, and ``latent_dim``."""

    channels: int = bounded(3, 1, 4, "image channels (1: grayscale, 3: RGB)")
    latent_dim: int = bounded(100, 1, 4096, "size of the latent code")


class LatentCodes(GAN):
    """Base of the generator base classes (:class:`zoo.UnconditionalGAN`,
    :class:`zoo.ConditionalGAN`): a ``generator`` of latent codes, ``latent_dim`` (the
    config's ``latent_dim`` field, or assigned) and :meth:`latent`."""

    Config: ClassVar[type[ArchConfig]] = GeneratorConfig
    config: GeneratorConfig
    generator: nn.Module
    discriminator: nn.Module

    @property
    def latent_dim(self) -> int:
        return int(self.__dict__.get("_latent_dim") or self.config.latent_dim)

    @latent_dim.setter
    def latent_dim(self, value: int) -> None:
        self.__dict__["_latent_dim"] = int(value)

    def latent(
        self,
        n: int,
        generator: torch.Generator | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        """Standard normal latent codes (``truncation``: values beyond it drawn again). With a
        ``generator`` they are drawn on the CPU, so that a seed means the same images on any
        device; without one (training) on the device, this rank's slice of the draw."""
        device = self.device
        if truncation is not None:
            return truncated_normal(n, self.latent_dim, truncation, generator).to(device)
        if generator is None:
            return sharded(lambda m: torch.randn(m, self.latent_dim, device=device), n)
        return torch.randn(n, self.latent_dim, generator=generator).to(device)

    def codes(
        self,
        n: int | None,
        seed: int | None,
        latents: torch.Tensor | None,
        truncation: float | None = None,
    ) -> tuple[torch.Tensor, torch.Generator | None]:
        """The codes of a ``sample`` call and the generator that drew them (None for given
        ``latents`` or no ``seed``): ``latents`` checked, or ``n`` drawn with ``seed``."""
        if latents is not None:
            if (
                not isinstance(latents, torch.Tensor)
                or latents.ndim != 2
                or (latents.shape[1] != self.latent_dim)
            ):
                shape = tuple(latents.shape) if isinstance(latents, torch.Tensor) else latents
                raise ValueError(
                    f"sample: latents of shape {shape}; expected (n, {self.latent_dim})"
                )
            if n is not None and n != len(latents):
                raise ValueError(f"sample: n={n} but {len(latents)} latents given")
            return latents.float().to(self.device), None
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"sample: n must be a positive integer, got {n!r}")
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        return self.latent(n, gen, truncation), gen

    def sample_options(
        self, n: int, truncation: float | None = None, **options: Any
    ) -> dict[str, Any]:
        """The keyword arguments of :meth:`generate` for a ``sample`` of ``n`` images: none
        here (``truncation`` applies to the codes). Architectures whose generators take
        options (StyleGAN's psi, noise and style mixing: :class:`zoo.tasks.StyleSampling`)
        override it; a tensor with ``n`` rows is split with the batches."""
        if options:
            raise ConfigError(
                f"{self.architecture}: sample() takes no {', '.join(sorted(options))} (options "
                "of StyleGAN-family generators)"
            )
        return {}

    def generate(
        self, generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None, **options: Any
    ) -> torch.Tensor:
        """One batch of images in about [-1, 1]: codes ``z`` (cast to the network's dtype;
        labels never are) [and ``labels``] through ``generator``, the model's network or its
        fast copy."""
        z = z.to(next(generator.parameters()).dtype)
        return generator(z) if labels is None else generator(z, labels)

    def render(
        self,
        generator: nn.Module,
        z: torch.Tensor,
        labels: torch.Tensor | None,
        batch_size: int,
        options: dict[str, Any],
    ) -> torch.Tensor:
        """:meth:`generate` batch by batch without gradients: images in [0, 1] (float32)."""
        n, out = len(z), []
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                part = slice(start, start + batch_size)
                batch_options = {
                    k: v[part] if isinstance(v, torch.Tensor) and v.ndim and len(v) == n else v
                    for k, v in options.items()
                }
                y = None if labels is None else labels[part]
                out.append(self.generate(generator, z[part], y, **batch_options).float())
        return (torch.cat(out) * 0.5 + 0.5).clamp_(0, 1)

    def interpolate(
        self,
        start: torch.Tensor,
        end: torch.Tensor,
        steps: int,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> torch.Tensor:
        """Walks from each code of ``start`` to the same row of ``end`` (N, latent_dim) in
        ``steps`` images, ends included: (N * steps, C, H, W) in [0, 1], walk after walk.
        The path is spherical in z (Gaussian codes keep their typical norm); StyleGAN-family
        models walk a straight line in w instead. ``labels``: one class per walk
        (class-conditional models); ``kwargs``: as for ``sample`` (``fast``, ...)."""
        path = slerp(start.cpu().float(), end.cpu().float(), torch.linspace(0, 1, steps))
        if labels is not None:
            kwargs["labels"] = labels.repeat_interleave(steps)
        return self.sample(latents=path.reshape(-1, start.shape[1]), **kwargs)  # type: ignore[operator]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of ``a`` and ``b`` (N, D) at fractions ``t``
    (T,): (N, T, D). Gaussian codes keep their typical norm along the way (White, 2016);
    parallel codes fall back to the straight line."""
    a_n, b_n = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    omega = torch.acos((a_n * b_n).sum(1).clamp(-1, 1))[:, None, None]  # (N, 1, 1)
    t = t[None, :, None]
    sin = torch.sin(omega)
    straight = sin.abs() < 1e-6
    safe = torch.where(straight, torch.ones_like(sin), sin)
    curved = (torch.sin((1 - t) * omega) * a[:, None] + torch.sin(t * omega) * b[:, None]) / safe
    line = (1 - t) * a[:, None] + t * b[:, None]
    return torch.where(straight, line, curved)
