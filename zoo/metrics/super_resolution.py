"""Quality of super-resolution models, by the SR literature's protocol, beside bicubic.

Each held-out high-resolution image is cropped to sides that divide by the scale, downscaled
by antialiased bicubic interpolation, upscaled by the model and by bicubic interpolation,
and both results are quantised to 8 bits (as saved files are). Then, on the luma channel Y
of ITU-R BT.601 (MATLAB's ``rgb2ycbcr``: Y = 16 + 65.481 R + 128.553 G + 24.966 B) with
``scale`` pixels cropped at every border:

* ``psnr_y`` (dB) and ``ssim_y`` (:func:`zoo.metrics.translation.ssim`) against the original;
  ``bicubic_psnr_y``, ``bicubic_ssim_y`` of bicubic upscaling, ``gain_psnr_y`` the difference;
* ``sharpness``: a no-reference figure, the variance of the Laplacian of Y (0..255 units), for
  the model, bicubic (``bicubic_sharpness``) and the original (``original_sharpness``).
  A model trained for PSNR alone is blurrier than the original; an adversarial one is
  sharper at some cost in PSNR (the perception-distortion trade-off, docs/metrics.md).

Figures are means over images; ``per_image`` holds each image's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from zoo.data.super_resolution import PHOTOS, load_sr_data, upscale_bicubic
from zoo.metrics.translation import psnr, ssim

if TYPE_CHECKING:
    from zoo.tasks.super_resolution import SuperResolutionGAN

_Y_WEIGHTS = (65.481, 128.553, 24.966)


def luma_y(images: torch.Tensor) -> torch.Tensor:
    """BT.601 Y in [16/255, 235/255] of RGB images in [0, 1] (N, 3, H, W) -> (N, 1, H, W);
    grey images are returned as they are."""
    if images.shape[1] == 1:
        return images
    w = torch.tensor(_Y_WEIGHTS, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (16 + (images * w).sum(1, keepdim=True)) / 255


def quantise(images: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] rounded to 8 bits, as saving them does."""
    return images.clamp(0, 1).mul(255).round().div(255)


def shave(images: torch.Tensor, border: int) -> torch.Tensor:
    return images[..., border:-border, border:-border] if border else images


def sharpness(images: torch.Tensor) -> torch.Tensor:
    """Per-image variance of the Laplacian of Y, in 0..255 units (higher: more detail)."""
    kernel = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=torch.float64).view(
        1, 1, 3, 3
    )
    lap = F.conv2d(luma_y(images.double()) * 255, kernel.to(images.device))
    return lap.flatten(1).var(1)


def sr_metrics(out: torch.Tensor, bicubic: torch.Tensor, hr: torch.Tensor, scale: int) -> dict:
    """The metrics of one image (1, C, H, W) each, all in [0, 1]."""
    y = {
        k: shave(luma_y(quantise(v)), scale)
        for k, v in (("out", out), ("bic", bicubic), ("hr", hr))
    }
    return {
        "psnr_y": float(psnr(y["out"], y["hr"])[0]),
        "ssim_y": float(ssim(y["out"], y["hr"])[0]),
        "bicubic_psnr_y": float(psnr(y["bic"], y["hr"])[0]),
        "bicubic_ssim_y": float(ssim(y["bic"], y["hr"])[0]),
        "sharpness": float(sharpness(quantise(out))[0]),
        "bicubic_sharpness": float(sharpness(quantise(bicubic))[0]),
        "original_sharpness": float(sharpness(hr)[0]),
    }


def evaluate_super_resolution(
    model: SuperResolutionGAN, source: str, progress: bool = True
) -> dict[str, Any]:
    """The metrics of ``model`` on the test split of ``source`` (``photos``: the held-out
    photographs; a folder: its test/ sub-folder, else all its images), exact fp32."""
    from zoo.data.images import split_source

    name, split = split_source(source, (PHOTOS,))
    scale = model.config.scale
    data = load_sr_data(name, scale * 4, scale, split or "test")
    per_image: dict[str, dict[str, float]] = {}
    for image_name, hr8, lr8 in zip(data.names, data.hr, data.lr):
        hr, lr = hr8[None].float() / 255, lr8[None].float() / 255
        out = model.upscale(lr, fast=False).cpu()
        per_image[image_name] = sr_metrics(out, upscale_bicubic(lr, scale), hr, scale)
    keys = next(iter(per_image.values())).keys()
    metrics = {k: sum(m[k] for m in per_image.values()) / len(per_image) for k in keys}
    metrics["gain_psnr_y"] = metrics["psnr_y"] - metrics["bicubic_psnr_y"]
    rounded = {k: round(v, 4 if "psnr" in k or "sharp" in k else 5) for k, v in metrics.items()}
    return {
        "metrics": rounded,
        "samples": len(per_image),
        "data": data.source,
        "per_image": {n: {k: round(v, 4) for k, v in m.items()} for n, m in per_image.items()},
    }
