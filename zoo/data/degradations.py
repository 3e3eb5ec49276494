"""Synthetic degradations of clean images: what blind restoration networks learn to undo.

:func:`degrade` is GFPGAN's first-order model (Wang et al., 2021, ``train_gfpgan_v1.yml``):
a Gaussian blur, downscaling, Gaussian noise and JPEG compression, then back to the input
size. Every draw comes from a ``torch.Generator``, so a seed gives the same degraded images
on every run (training batches after a resume, ``zoo eval``, ``zoo restore --compare``).
GFPGAN draws anisotropic blurs half the time; these blurs are isotropic.
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


@dataclasses.dataclass(frozen=True)
class Degradation:
    """The ranges each degradation is drawn from, uniformly (GFPGAN's by default)."""

    #: Gaussian blur sigma, in pixels of the clean image
    blur_sigma: tuple[float, float] = (0.1, 10.0)
    #: downscaling factor (below 1: slight upscaling), back up with bilinear interpolation
    downscale: tuple[float, float] = (0.8, 8.0)
    #: Gaussian noise sigma, in 8-bit levels
    noise: tuple[float, float] = (0.0, 20.0)
    #: JPEG quality
    jpeg: tuple[int, int] = (60, 100)


GFPGAN = Degradation()


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=gen))


def gaussian_blur(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """``image`` (C, H, W) blurred by an isotropic Gaussian of ``sigma`` (reflected edges;
    kernel side 2 * ceil(3 sigma) + 1, at most 41 as GFPGAN's)."""
    radius = min(20, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    k = k / k.sum()
    c = image.shape[0]
    pad = min(radius, image.shape[-1] - 1, image.shape[-2] - 1)
    t = F.pad(image[None], (pad, pad, pad, pad), mode="reflect")
    if pad < radius:  # a tiny image: repeat beyond what reflection reaches
        t = F.pad(t, [radius - pad] * 4, mode="replicate")
    t = F.conv2d(t, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(t, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)[0]


def jpeg(image: torch.Tensor, quality: int) -> torch.Tensor:
    """``image`` (C, H, W) in [0, 1] through PIL's JPEG encoder at ``quality`` and back."""
    array = (image.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(array.squeeze(-1) if array.shape[-1] == 1 else array).save(
        buffer, "JPEG", quality=quality
    )
    decoded = np.asarray(Image.open(buffer)).copy()
    out = torch.from_numpy(decoded).float() / 255
    return out[None] if out.ndim == 2 else out.permute(2, 0, 1)


def degrade(
    images: torch.Tensor, gen: torch.Generator, ranges: Degradation = GFPGAN
) -> torch.Tensor:
    """Each of ``images`` (N, C, H, W) in [0, 1] (1 or 3 channels) blurred, downscaled,
    noised and JPEG-compressed with values drawn from ``ranges`` by ``gen``, then resized
    back to (H, W) (bilinear); in [0, 1]."""
    h, w = images.shape[-2:]
    out = []
    for image in images.float():
        sigma = _uniform(gen, *ranges.blur_sigma)
        factor = _uniform(gen, *ranges.downscale)
        noise = _uniform(gen, *ranges.noise) / 255
        quality = round(_uniform(gen, *ranges.jpeg))
        x = gaussian_blur(image, sigma)
        size = (max(1, round(h / factor)), max(1, round(w / factor)))
        x = F.interpolate(x[None], size=size, mode="bilinear", align_corners=False)[0]
        x = (x + noise * torch.randn(x.shape, generator=gen)).clamp(0, 1)
        x = jpeg(x, quality)
        out.append(F.interpolate(x[None], size=(h, w), mode="bilinear", align_corners=False)[0])
    return torch.stack(out).clamp(0, 1)
