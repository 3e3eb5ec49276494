"""Pictures: image grids and side-by-side strips saved as PNG."""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch
from PIL import Image
from torchvision.utils import make_grid


def to_pil(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> Image.Image:
    """A grid of images in [0, 1], shape (N, C, H, W), as one PIL image."""
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (N, C, H, W), got {tuple(images.shape)}")
    nrow = nrow or max(1, math.ceil(math.sqrt(images.shape[0])))
    grid = make_grid(images.detach().float().cpu(), nrow=nrow, padding=padding, pad_value=1.0)
    array = grid.mul(255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
    if images.shape[1] == 1:
        return Image.fromarray(array[..., 0], mode="L")
    return Image.fromarray(array, mode="RGB")


def save_grid(images: torch.Tensor, path: str | os.PathLike, nrow: int | None = None) -> Path:
    """Save images in [0, 1] as a PNG grid; returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_pil(images, nrow).save(path)
    return path
