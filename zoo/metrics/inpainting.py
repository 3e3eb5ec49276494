"""Quality of inpainting models, beside a diffusion fill.

The test split of the data (``photos``: astronaut, chelsea and flower) is cut into crops of
:data:`EVAL_SIDE` pixels on a grid of half that stride (112 crops for ``photos``; images
smaller than that are used whole), each with a free-form hole drawn from the seed
(:func:`zoo.data.inpainting.free_form_mask`; a folder's own masks where it has them). The
model fills them (exact fp32), and so does :func:`diffusion_fill`, the non-learned baseline;
both are quantised to 8 bits, as saved files are. Then:

* ``hole_psnr`` (dB) and ``hole_l1`` (0..1 units): over the hole's pixels only, per crop, then
  the mean; ``ssim``: SSIM (:func:`zoo.metrics.translation.ssim`) of the whole filled crop
  against the original;
* ``fid``: FID of the filled crops against the originals, in the feature space of the data's
  extractor (``emoji``: ``zoo-emoji``), or with ``--features inception`` where its weights
  are cached; absent when no extractor knows the images (``fid_features`` says which);
* ``diffusion_hole_psnr``, ``diffusion_hole_l1``, ``diffusion_ssim``, ``diffusion_fid``: the
  same for the diffusion fill (:func:`zoo.masks.diffusion_fill`); ``hole_ratio``: the mean
  share of a crop in the hole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from zoo.data.inpainting import PHOTOS, load_inpainting_data
from zoo.masks import diffusion_fill
from zoo.metrics.super_resolution import quantise
from zoo.metrics.translation import ssim

if TYPE_CHECKING:
    from zoo.tasks.inpainting import InpaintingGAN

#: side of the test crops
EVAL_SIDE = 128


def hole_metrics(filled: torch.Tensor, real: torch.Tensor, masks: torch.Tensor) -> dict:
    """Per-crop hole PSNR, hole L1 and whole-crop SSIM (tensors of N) of ``filled`` against
    ``real`` (in [0, 1]), over the holes of ``masks``."""
    err = (filled - real).double()
    area = (masks.double().sum((1, 2, 3)) * real.shape[1]).clamp_min(1)
    mse = (err.pow(2) * masks).sum((1, 2, 3)) / area
    return {
        "hole_psnr": (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).clamp(max=100.0),
        "hole_l1": (err.abs() * masks).sum((1, 2, 3)) / area,
        "ssim": ssim(filled, real),
    }


def _fid_features(source: str, features: str | None) -> str | None:
    from zoo.data.images import split_source
    from zoo.data.sources import get_source, is_source

    if features:
        return features
    name = split_source(source, (PHOTOS,))[0]
    own = get_source(name).features if is_source(name) else ()
    return own[0] if own else None


def evaluate_inpainting(
    model: InpaintingGAN, source: str, seed: int = 0, features: str | None = None
) -> dict[str, Any]:
    """The metrics of ``model`` on the test crops of ``source`` (above); ``features``: the
    FID feature extractor (default: the data's own, none for photographs)."""
    from zoo.metrics.fidelity import frechet_distance

    c = model.config
    data = load_inpainting_data(source, 1, c.channels, "test")
    crops = data.crops(EVAL_SIDE, seed)
    real, masks = crops["A"], crops["mask"]
    filled = {
        "": quantise(model.inpaint(real, masks, fast=False).cpu()),
        "diffusion_": quantise(diffusion_fill(real, masks)),
    }
    metrics: dict[str, float] = {}
    for prefix, images in filled.items():
        for key, values in hole_metrics(images, real, masks).items():
            metrics[prefix + key] = round(float(values.mean()), 5 if "psnr" not in key else 4)
    extractor = _fid_features(source, features)
    if extractor is not None:
        for prefix, images in filled.items():
            metrics[prefix + "fid"] = frechet_distance(images, real, extractor)
    metrics["hole_ratio"] = round(float(masks.mean()), 4)
    return {
        "metrics": metrics,
        "samples": len(real),
        "data": data.source,
        "side": real.shape[-1],
        "seed": seed,
        "fid_features": extractor,
    }
