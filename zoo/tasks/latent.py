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


class StyleTruncation:
    """For StyleGAN-family models (a mixin before the task's base class): ``truncation`` in
    ``sample`` is the reference's psi, w pulled toward the mapping network's average w
    (``w_avg + psi (w - w_avg)``: 1 or None none, 0.7 usual, 0 the average image), not the
    redrawing of latent values beyond a threshold. The generator reads its
    ``truncation_psi`` attribute, which a ``sample`` call sets for its duration."""

    generator: torch.nn.Module

    def latent(
        self,
        n: int,
        generator: torch.Generator | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        return super().latent(n, generator, None)  # type: ignore[misc]

    def sample(self, *args: Any, truncation: float | None = None, **kwargs: Any) -> Any:
        psi = 1.0 if truncation is None else float(truncation)
        if not 0.0 <= psi <= 2.0:
            raise ConfigError(
                f"truncation={truncation!r}: for StyleGAN models it is psi, from 0 (the average "
                "image) to 1 (no truncation); 0.7 is usual"
            )
        nets = [self.generator]
        fast = kwargs.get("fast", True)
        if fast:
            nets.append(self._fast_module("generator", fast))  # type: ignore[attr-defined]
        for net in nets:
            setattr(net, "truncation_psi", psi)  # noqa: B010 (a plain attribute, not a module)
        try:
            return super().sample(*args, **kwargs)  # type: ignore[misc]
        finally:
            for net in nets:
                setattr(net, "truncation_psi", 1.0)  # noqa: B010
