"""Face restoration metrics: held-out faces, each degraded :data:`DEGRADATIONS` ways (GFPGAN's
degradation model, :mod:`zoo.data.degradations`, draws fixed by the seed), restored by the
model at its face side (exact fp32) and compared with the clean face: PSNR, SSIM and L1 of
the restored face beside the same figures of the degraded input (``degraded_*``), the number
a restorer has to beat. A blind restorer invents detail (pores, hair) that the clean face
need not have, so distortion figures understate what people see: the model card's picture
shows the faces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from zoo.data.degradations import degrade
from zoo.data.faces import load_face_data
from zoo.metrics.translation import psnr, ssim

if TYPE_CHECKING:
    from zoo.tasks.face_restoration import FaceRestorationGAN

#: degradations of each held-out face
DEGRADATIONS = 8


def face_metrics(restored: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> dict:
    """Mean PSNR, SSIM and L1 of ``restored`` and of ``degraded`` against ``clean`` (all
    (N, C, H, W) in [0, 1])."""
    out: dict[str, float] = {}
    for prefix, x in (("", restored), ("degraded_", degraded)):
        out[f"{prefix}psnr"] = float(psnr(x, clean).mean())
        out[f"{prefix}ssim"] = float(ssim(x, clean).mean())
        out[f"{prefix}l1"] = float((x - clean).abs().mean())
    return out


def evaluate_face_restoration(
    model: FaceRestorationGAN, source: str, seed: int = 0, progress: bool = True
) -> dict[str, Any]:
    """The metrics of ``model`` on the test split of ``source`` (``faces`` or a folder)."""
    from zoo.data.faces import FACES
    from zoo.data.images import split_source

    name, split = split_source(source, (FACES,))
    c = model.config
    data = load_face_data(name, c.image_size, c.channels, split or "test")
    clean = torch.stack(data.faces).repeat_interleave(DEGRADATIONS, 0)
    degraded = degrade(clean, torch.Generator().manual_seed(seed))
    restored = torch.cat([model.restore(chunk, fast=False).cpu() for chunk in degraded.split(4)])
    metrics = face_metrics(restored, degraded, clean)
    metrics["gain_psnr"] = metrics["psnr"] - metrics["degraded_psnr"]
    return {
        "metrics": {k: round(v, 4) for k, v in metrics.items()},
        "samples": len(clean),
        "faces": len(data),
        "seed": seed,
        "data": data.source,
    }
