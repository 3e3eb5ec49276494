"""Large images in overlapping tiles, so that memory stays bounded and the result is seamless.

Each tile's core is run with ``overlap`` pixels of its neighbours on every side and only the
core is kept; where ``overlap`` is at least the network's receptive radius, every kept pixel
saw exactly the context it would have seen in the whole image, so tiled equals untiled (up to
the float rounding of different kernel shapes).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def pad_to_multiple(
    x: torch.Tensor, stride: int, min_side: int = 1
) -> tuple[torch.Tensor, tuple[int, int]]:
    """``x`` (N, C, H, W) padded at the bottom/right to sides that are multiples of ``stride``
    and at least ``min_side`` (reflected where the image is large enough, else replicated);
    returns it and (H, W)."""
    h, w = x.shape[-2:]
    ph, pw = (-(-max(side, min_side) // stride) * stride - side for side in (h, w))
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def tiled(
    fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    scale: int = 1,
    tile: int | None = None,
    overlap: int = 32,
) -> torch.Tensor:
    """``fn(x)`` for ``x`` (N, C, H, W), computed on ``tile`` x ``tile`` cores with
    ``overlap`` pixels of context each side; ``fn`` maps (N, C, h, w) to (N, C', scale*h,
    scale*w). ``tile=None`` (or an image within one tile) runs ``fn`` once. The output is
    gathered on ``x``'s device."""
    h, w = x.shape[-2:]
    if tile is None or (h <= tile and w <= tile):
        return fn(x)
    if tile < 1 or overlap < 0:
        raise ValueError(f"tile={tile}, overlap={overlap}: tile must be >= 1, overlap >= 0")
    out: torch.Tensor | None = None
    for top in range(0, h, tile):
        for left in range(0, w, tile):
            bottom, right = min(top + tile, h), min(left + tile, w)
            t0, l0 = max(top - overlap, 0), max(left - overlap, 0)
            t1, l1 = min(bottom + overlap, h), min(right + overlap, w)
            y = fn(x[..., t0:t1, l0:l1])
            if out is None:
                out = x.new_empty((x.shape[0], y.shape[1], h * scale, w * scale), dtype=y.dtype)
            core = y[
                ...,
                (top - t0) * scale : (bottom - t0) * scale,
                (left - l0) * scale : (right - l0) * scale,
            ]
            out[..., top * scale : bottom * scale, left * scale : right * scale] = core
    assert out is not None
    return out
