"""Augmenting what the discriminator sees, for GANs trained on small data.

* :class:`DiffAugment`: differentiable augmentation (Zhao et al., 2020): the policies
  ``color`` (brightness, saturation, contrast), ``translation`` (shift by up to 1/8 of the
  side, zero-filled) and ``cutout`` (a zeroed square of half the side). The same random
  transforms are applied to real and fake images at every discriminator call, in the D and
  the G loss alike, and gradients flow through them to the generator. Each transform is
  applied to each image with probability ``p`` (1 for DiffAugment as published).
* :class:`AdaptiveProbability`: ADA's controller (Karras et al., 2020): every ``interval``
  steps, ``r_t = E[sign(D(real))]`` is compared with a target (0.6) and ``p`` moves up when D
  grows overconfident on reals, down otherwise, by ``batch * interval / speed`` (``speed``:
  images for ``p`` to go from 0 to 1). Here it drives the DiffAugment policies above, not
  ADA's 18-transform pipeline.

The trainer installs :meth:`DiffAugment.attach` as a forward pre-hook on the discriminator
modules: it transforms the first positional argument (the images) of every call, so an
architecture needs no change and its state dict none either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

#: the transforms of each policy, in the order they are applied
POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 1 / 8
CUTOUT_RATIO = 1 / 2


def _uniform(x: torch.Tensor) -> torch.Tensor:
    """One U[0, 1) value per image, shaped to broadcast over (C, H, W)."""
    return torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device)


def brightness(x: torch.Tensor) -> torch.Tensor:
    """Add one value in [-0.5, 0.5) to each image."""
    return x + (_uniform(x) - 0.5)


def saturation(x: torch.Tensor) -> torch.Tensor:
    """Scale each pixel's distance from its channel mean by a factor in [0, 2)."""
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_uniform(x) * 2) + mean


def contrast(x: torch.Tensor) -> torch.Tensor:
    """Scale each image's distance from its mean by a factor in [0.5, 1.5)."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x) + 0.5) + mean


def translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its sides (whole pixels), filling with zeros."""
    n, c, h, w = x.shape
    ry, rx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-ry, ry + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-rx, rx + 1, (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1) + dy
    xs = torch.arange(w, device=x.device).view(1, 1, w) + dx
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)  # (n, h, w)
    index = (ys.clamp(0, h - 1) * w + xs.clamp(0, w - 1)).view(n, 1, h * w).expand(n, c, -1)
    shifted = x.reshape(n, c, h * w).gather(2, index).view(n, c, h, w)
    return shifted * inside.unsqueeze(1).to(x.dtype)


def cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """Zero a square of ``ratio`` of the sides at a random place of each image (it may
    reach past the border, as in the paper)."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + (1 - sh % 2), (n, 1, 1), device=x.device) - sh // 2
    left = torch.randint(0, w + (1 - sw % 2), (n, 1, 1), device=x.device) - sw // 2
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    hole = (ys >= top) & (ys < top + sh) & (xs >= left) & (xs < left + sw)
    return x * (~hole).unsqueeze(1).to(x.dtype)


TRANSFORMS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], ...]] = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(policy: str | Iterable[str]) -> tuple[str, ...]:
    """``"color,translation"`` -> ("color", "translation"), checked against :data:`POLICIES`."""
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = [n.strip() for n in names if n.strip()]
    unknown = [n for n in names if n not in POLICIES]
    if unknown or not names:
        raise ValueError(
            f"augment policy {policy!r}: unknown {', '.join(unknown) or '(empty)'}; "
            f"choose from {', '.join(POLICIES)}, comma-separated"
        )
    return tuple(n for n in POLICIES if n in names)  # the paper's order


class DiffAugment:
    """The policies ``policy`` applied with probability ``p`` per transform and image."""

    def __init__(self, policy: str | Iterable[str], p: float = 1.0) -> None:
        self.policy = parse_policy(policy)
        self.p = float(p)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.p <= 0:
            return x
        for name in self.policy:
            for transform in TRANSFORMS[name]:
                y = transform(x)
                if self.p < 1:
                    keep = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < self.p
                    y = torch.where(keep, y, x)
                x = y
        return x

    def attach(self, module: nn.Module) -> torch.utils.hooks.RemovableHandle:
        """Augment the images (first positional argument) of every call of ``module``."""

        def hook(_module: nn.Module, args: tuple) -> tuple:
            return (self(args[0]), *args[1:])

        return module.register_forward_pre_hook(hook)


class AdaptiveProbability:
    """ADA's heuristic: move ``p`` toward the value where E[sign(D(real))] meets ``target``."""

    def __init__(self, target: float = 0.6, speed: int = 100_000, interval: int = 4) -> None:
        self.target, self.speed, self.interval = target, speed, interval

    def step(self, p: float, real_scores: torch.Tensor, batch_size: int) -> tuple[float, float]:
        """(the new p, r_t) after D scored a batch of reals."""
        rt = float(torch.sign(real_scores.detach().float()).mean())
        move = batch_size * self.interval / self.speed
        direction = 1.0 if rt > self.target else -1.0
        return min(max(p + direction * move, 0.0), 1.0), rt
