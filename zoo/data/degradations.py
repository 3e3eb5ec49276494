"""Synthetic degradations of clean images: what blind restoration networks learn to undo.

* :func:`degrade`: GFPGAN's first-order model (Wang et al., 2021, ``train_gfpgan_v1.yml``):
  a Gaussian blur, downscaling, Gaussian noise and JPEG compression, then back to the input
  size (GFPGAN draws anisotropic blurs half the time; these are isotropic);
* :func:`second_order`: Real-ESRGAN's (Wang et al., 2021, ``train_realesrgan_x4plus.yml``):
  blur, random resize, Gaussian or Poisson noise (colour or grey) and JPEG, twice, ending at
  the low-resolution size. Its blurs are isotropic and anisotropic Gaussians; Real-ESRGAN
  also draws generalized and plateau kernels (15 % of its first-order blurs) and sinc
  filters, which are left out.

Every draw comes from a ``torch.Generator``, so a seed gives the same degraded images on
every run (training batches after a resume, ``zoo eval``, ``zoo restore --compare``).
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


@dataclasses.dataclass(frozen=True)
class Order:
    """One order of Real-ESRGAN's degradations: the ranges and probabilities it draws from."""

    #: probability of a blur, and its sigma range (pixels)
    blur_prob: float
    blur_sigma: tuple[float, float]
    #: probabilities of resizing up, down, or keeping the size, and the scale range
    resize_prob: tuple[float, float, float]
    resize_range: tuple[float, float]
    #: probability of Gaussian noise (else Poisson), its sigma range (8-bit levels), the
    #: Poisson scale range, and the probability that the noise is grey
    gaussian_prob: float
    noise_range: tuple[float, float]
    poisson_range: tuple[float, float]
    grey_prob: float
    #: JPEG quality range
    jpeg: tuple[int, int]


#: Real-ESRGAN x4plus's two orders
REAL_ESRGAN = (
    Order(1.0, (0.2, 3.0), (0.2, 0.7, 0.1), (0.15, 1.5), 0.5, (1, 30), (0.05, 3.0), 0.4, (30, 95)),
    Order(0.8, (0.2, 1.5), (0.3, 0.4, 0.3), (0.3, 1.2), 0.5, (1, 25), (0.05, 2.5), 0.4, (30, 95)),
)
#: the interpolations a random resize picks from
RESIZE_MODES = ("area", "bilinear", "bicubic")


def _choice(gen: torch.Generator, n: int) -> int:
    return int(torch.randint(0, n, (), generator=gen))


def gaussian_kernel(gen: torch.Generator, sigma: tuple[float, float]) -> torch.Tensor:
    """A random Gaussian blur kernel as Real-ESRGAN draws one: side 7 to 21 (odd), isotropic
    (64 % of draws) or anisotropic with a random rotation; sums to 1."""
    side = 7 + 2 * _choice(gen, 8)
    r = torch.arange(side, dtype=torch.float64) - side // 2
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    sx = _uniform(gen, *sigma)
    if float(torch.rand((), generator=gen)) < 0.45 / 0.70:  # iso : aniso = 0.45 : 0.25
        sy, theta = sx, 0.0
    else:
        sy, theta = _uniform(gen, *sigma), _uniform(gen, -math.pi, math.pi)
    c, s = math.cos(theta), math.sin(theta)
    u, v = c * xx + s * yy, -s * xx + c * yy
    k = torch.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2))
    return (k / k.sum()).float()


def _filter(images: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) convolved with ``kernel`` (reflected edges)."""
    n, c = images.shape[:2]
    pad = kernel.shape[-1] // 2
    mode = "reflect" if min(images.shape[-2:]) > pad else "replicate"
    x = F.pad(images, (pad, pad, pad, pad), mode=mode)
    return F.conv2d(x, kernel.expand(c, 1, -1, -1), groups=c)


def _resize(images: torch.Tensor, size: tuple[int, int], gen: torch.Generator) -> torch.Tensor:
    mode = RESIZE_MODES[_choice(gen, len(RESIZE_MODES))]
    size = (max(1, size[0]), max(1, size[1]))
    if mode == "area":
        return F.interpolate(images, size=size, mode="area")
    return F.interpolate(images, size=size, mode=mode, align_corners=False)


def _noise(images: torch.Tensor, order: Order, gen: torch.Generator) -> torch.Tensor:
    """Gaussian or Poisson noise, each image drawn on its own, grey (one plane for every
    channel) with ``order.grey_prob``."""
    out = []
    for image in images:
        grey = float(torch.rand((), generator=gen)) < order.grey_prob
        shape = (1, *image.shape[1:]) if grey else image.shape
        if float(torch.rand((), generator=gen)) < order.gaussian_prob:
            sigma = _uniform(gen, *order.noise_range) / 255
            noise = sigma * torch.randn(shape, generator=gen)
        else:  # Poisson noise at the image's number of distinct levels, scaled
            scale = _uniform(gen, *order.poisson_range)
            base = image.mean(0, keepdim=True) if grey else image
            base = (base.clamp(0, 1) * 255).round() / 255
            levels = 2 ** math.ceil(math.log2(max(2, len(torch.unique(base)))))
            noise = scale * (torch.poisson(base * levels, generator=gen) / levels - base)
        out.append(image + noise)
    return torch.stack(out).clamp(0, 1)


def _jpeg(images: torch.Tensor, order: Order, gen: torch.Generator) -> torch.Tensor:
    return torch.stack([jpeg(x, round(_uniform(gen, *order.jpeg))) for x in images])


def _one_order(
    x: torch.Tensor, order: Order, size: tuple[int, int], gen: torch.Generator
) -> torch.Tensor:
    """Blur, resize about ``size`` (the size after this order, before its random scale),
    noise: one order before its JPEG."""
    if float(torch.rand((), generator=gen)) < order.blur_prob:
        x = _filter(x, gaussian_kernel(gen, order.blur_sigma))
    pick = float(torch.rand((), generator=gen))
    up, down, _ = order.resize_prob
    low, high = order.resize_range
    factor = (
        _uniform(gen, 1, high) if pick < up else _uniform(gen, low, 1) if pick < up + down else 1
    )
    x = _resize(x, (int(size[0] * factor), int(size[1] * factor)), gen)
    return _noise(x.clamp(0, 1), order, gen)


def second_order(
    hr: torch.Tensor, scale: int, gen: torch.Generator, orders: tuple[Order, Order] = REAL_ESRGAN
) -> torch.Tensor:
    """Low-resolution images (N, C, H / scale, W / scale) made from ``hr`` (N, C, H, W) in
    [0, 1] by Real-ESRGAN's second-order degradations, each draw from ``gen``: blur, resize,
    noise and JPEG at the full size; blur, resize about 1 / ``scale``, noise; then, in a
    random order, JPEG and the resize to exactly 1 / ``scale``. Rounded to 8-bit levels, as
    Real-ESRGAN's training inputs are."""
    h, w = hr.shape[-2:]
    x = _one_order(hr.float(), orders[0], (h, w), gen)
    x = _jpeg(x, orders[0], gen)
    target = (h // scale, w // scale)
    x = _one_order(x, orders[1], target, gen)
    if float(torch.rand((), generator=gen)) < 0.5:
        x = _jpeg(_resize(x, target, gen).clamp(0, 1), orders[1], gen)
    else:
        x = _resize(_jpeg(x, orders[1], gen), target, gen)
    return ((x.clamp(0, 1) * 255).round() / 255).contiguous()
